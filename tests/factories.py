"""Factories for the whole suite. Writes that carry rules go through services in the tests;
these build plain rows for the setup around them."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.utils import timezone

from experiments.models import Channel, Experiment, Regulation
from metrics.models import ImportJob


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda i: f"user{i}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct-horse-battery")


class ChannelFactory(factory.django.DjangoModelFactory[Channel]):
    class Meta:
        model = Channel
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda i: f"Channel {i}")
    slug = factory.Sequence(lambda i: f"channel-{i}")


class ExperimentFactory(factory.django.DjangoModelFactory[Experiment]):
    """A draft by default; `running=True` pins the current regulation as a launch would."""

    class Meta:
        model = Experiment

    class Params:
        running = factory.Trait(
            status=Experiment.Status.RUNNING,
            regulation=factory.LazyFunction(lambda: Regulation.objects.order_by("-version").first()),
            launched_at=factory.LazyFunction(timezone.now),
        )

    title = factory.Sequence(lambda i: f"Hypothesis {i}")
    hypothesis = "If we mail partners' customers, then we get qualified SMB leads."
    channel = factory.SubFactory(ChannelFactory)
    owner = factory.SubFactory(UserFactory)
    utm_campaign = factory.Sequence(lambda i: f"campaign_{i}")
    start_date = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=5))
    test_period_days = 30
    ends_on = factory.LazyAttribute(lambda e: e.start_date + dt.timedelta(days=e.test_period_days))


class ImportJobFactory(factory.django.DjangoModelFactory[ImportJob]):
    """A finished CSV import with a per-line error report (the file itself is not needed to show it)."""

    class Meta:
        model = ImportJob

    file = "imports/2026/12/crm-export.csv"
    original_name = "crm-export-december-2026-all-channels-with-utm.csv"
    size_bytes = 48_213
    status = ImportJob.Status.DONE
    progress = 1.0
    rows_total = 1240
    rows_ok = 1237
    rows_failed = 3
    created = 1100
    updated = 137
    errors = factory.LazyFunction(
        lambda: [
            {"line": 17, "errors": {"created_at": ["Give created_at as an ISO 8601 date and time."]}},
            {"line": 402, "errors": {"won_at": ["won_at is before created_at."], "revenue": ["Not a number."]}},
            {"line": 1033, "errors": {"utm_campaign": ["A_very_long_campaign_name_without_spaces_" * 3]}},
        ]
    )
    started_at = factory.LazyFunction(timezone.now)
    finished_at = factory.LazyFunction(timezone.now)
