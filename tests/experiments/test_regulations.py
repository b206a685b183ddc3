"""Regulation versions: created by admins only, validated, in force at once, old ones kept."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from experiments.models import Regulation
from experiments.selectors import experiment_get, experiment_lock_state, regulation_current
from experiments.services.experiments import experiment_create, experiment_launch
from experiments.services.regulations import regulation_create
from tests.factories import ChannelFactory


@pytest.mark.django_db
def test_new_version_counts_up_and_is_in_force(admin_user):
    first = regulation_current()
    second = regulation_create(by=admin_user, non_target_threshold=Decimal("0.25"))
    assert (first.version, second.version) == (1, 2)
    assert regulation_current().pk == second.pk
    assert second.created_by == admin_user
    # Fields left out keep the values of the version in force.
    assert second.default_test_period_days == first.default_test_period_days == 30
    assert Regulation.objects.get(version=1).non_target_threshold == Decimal("0.30")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["marketer", "marketing_head", "sales_head", "founder"])
def test_only_admins_may_create_a_version(users, role):
    with pytest.raises(PermissionDenied):
        regulation_create(by=users[role], review_due_days=3)
    assert Regulation.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"default_test_period_days": 0, "min_test_period_days": 1}, "default_test_period_days"),
        ({"default_test_period_days": 366, "max_test_period_days": 400}, "default_test_period_days"),
        ({"max_test_period_days": 366}, "max_test_period_days"),
        ({"min_test_period_days": 0}, "min_test_period_days"),
        ({"min_test_period_days": 31}, "min_test_period_days"),  # above the default of 30
        ({"max_test_period_days": 29}, "max_test_period_days"),  # below the default of 30
        ({"non_target_threshold": Decimal("0")}, "non_target_threshold"),
        ({"non_target_threshold": Decimal("1")}, "non_target_threshold"),
        ({"non_target_threshold": "abc"}, "non_target_threshold"),
        ({"exception_min_leads": 0}, "exception_min_leads"),
        ({"exception_alpha": Decimal("0")}, "exception_alpha"),
        ({"exception_alpha": Decimal("0.51")}, "exception_alpha"),
        ({"review_due_days": 0}, "review_due_days"),
        ({"sync_meeting_every_days": 0}, "sync_meeting_every_days"),
        ({"founder_meeting_every_days": -1}, "founder_meeting_every_days"),
        ({"review_due_days": True}, "review_due_days"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_out_of_bounds_values_are_refused_per_field(admin_user, fields, field):
    with pytest.raises(ValidationError) as refused:
        regulation_create(by=admin_user, **fields)
    assert field in refused.value.message_dict
    assert refused.value.message_dict[field][0].endswith(".")
    assert Regulation.objects.count() == 1


@pytest.mark.django_db
def test_bounds_are_inclusive_where_api_md_says_so(admin_user):
    regulation = regulation_create(
        by=admin_user,
        default_test_period_days=365,
        min_test_period_days=365,
        max_test_period_days=365,
        exception_alpha=Decimal("0.5"),
        exception_min_leads=1,
        review_due_days=1,
    )
    assert regulation.version == 2
    assert regulation_create(by=admin_user, default_test_period_days=1, min_test_period_days=1).version == 3


@pytest.mark.django_db
def test_channel_thresholds_are_kept_unless_replaced(admin_user):
    channel = ChannelFactory()
    with_override = regulation_create(by=admin_user, channel_thresholds={channel.id: Decimal("0.5")})
    assert with_override.threshold_for(channel.id) == Decimal("0.5")
    assert with_override.threshold_for(None) == Decimal("0.30")
    kept = regulation_create(by=admin_user, review_due_days=5)
    assert kept.threshold_for(channel.id) == Decimal("0.5")
    dropped = regulation_create(by=admin_user, channel_thresholds={})
    assert dropped.threshold_for(channel.id) == Decimal("0.30")


@pytest.mark.django_db
@pytest.mark.parametrize("value", [Decimal("0"), Decimal("1"), "x"])
def test_channel_threshold_outside_the_open_unit_is_refused(admin_user, value):
    channel = ChannelFactory()
    with pytest.raises(ValidationError) as refused:
        regulation_create(by=admin_user, channel_thresholds={channel.id: value})
    assert "channel_thresholds" in refused.value.message_dict


@pytest.mark.django_db
def test_unknown_channel_threshold_is_refused(admin_user):
    with pytest.raises(ValidationError) as refused:
        regulation_create(by=admin_user, channel_thresholds={987654: Decimal("0.4")})
    assert "987654" in refused.value.message_dict["channel_thresholds"][0]


@pytest.mark.django_db
def test_launched_experiment_keeps_its_pinned_version_and_threshold(admin_user, marketer):
    channel = ChannelFactory()
    experiment = experiment_create(
        by=marketer,
        title="Partner mailings",
        hypothesis="If we mail partners' customers, then SMB leads come.",
        channel=channel,
        utm_campaign="partner_dec",
        start_date=dt.date(2026, 12, 1),
    )
    experiment_launch(experiment=experiment, by=marketer)
    regulation_create(by=admin_user, non_target_threshold=Decimal("0.10"), channel_thresholds={channel.id: "0.2"})

    pinned = experiment_get(pk=experiment.pk)
    assert pinned.regulation.version == 1
    assert float(experiment_lock_state(pinned).threshold) == pytest.approx(0.30)
    assert regulation_current().version == 2

    # A draft registered now is judged by the new version (and its channel override).
    draft = experiment_create(
        by=marketer,
        title="Another",
        hypothesis="If ..., then ...",
        channel=channel,
        utm_campaign="partner_jan",
        start_date=dt.date(2027, 1, 1),
    )
    assert float(experiment_lock_state(experiment_get(pk=draft.pk)).threshold) == pytest.approx(0.2)


@pytest.mark.django_db(transaction=True)
def test_concurrent_versions_get_distinct_numbers(admin_user):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite runs one writer at a time; the race needs concurrent writers.")
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def create(days: int) -> None:
        try:
            barrier.wait()
            regulation_create(by=admin_user, review_due_days=days)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(days,)) for days in range(2, 6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(Regulation.objects.values_list("version", flat=True)) == [1, 2, 3, 4, 5]
