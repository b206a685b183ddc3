"""Experiment services: registration, editing drafts, launch, cancel, and who may do them."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from experiments.models import Experiment, ReviewUnlock
from experiments.selectors import experiment_effective_status, experiment_get
from experiments.services.experiments import (
    experiment_cancel,
    experiment_create,
    experiment_launch,
    experiment_update,
)
from experiments.services.regulations import regulation_create
from metrics.models import MetricSnapshot
from tests.factories import ChannelFactory, ExperimentFactory
from tracker.errors import Conflict


@pytest.fixture
def channel(db):
    return ChannelFactory(slug="partner-mailings", name="Partner mailings")


def register(by, channel, **overrides) -> Experiment:
    fields = {
        "title": "Partner mailings to SMB",
        "hypothesis": "If we mail partners' customers, then SMB leads come cheaper.",
        "channel": channel,
        "utm_campaign": "partner_dec",
        "start_date": dt.date(2026, 12, 1),
    } | overrides
    return experiment_create(by=by, **fields)


@pytest.mark.django_db
def test_registration_makes_a_draft_with_the_regulation_default_period(marketer, channel):
    experiment = register(marketer, channel, utm_campaign="  partner_dec  ", budget=Decimal("150000"))
    assert experiment.status == Experiment.Status.DRAFT
    assert experiment.owner == marketer
    assert experiment.utm_campaign == "partner_dec"
    assert experiment.test_period_days == 30
    assert experiment.ends_on == dt.date(2026, 12, 31)
    assert experiment.budget == Decimal("150000.00")
    assert experiment.regulation is None
    assert experiment.history.first().history_user == marketer


@pytest.mark.django_db
def test_start_date_may_be_in_the_past(marketer, channel):
    experiment = register(marketer, channel, start_date=dt.date(2020, 1, 1), test_period_days=7)
    assert experiment.ends_on == dt.date(2020, 1, 8)


@pytest.mark.django_db
@pytest.mark.parametrize("days", [6, 91])
def test_period_outside_the_regulation_is_refused(marketer, channel, days):
    with pytest.raises(ValidationError) as refused:
        register(marketer, channel, test_period_days=days)
    assert refused.value.message_dict["test_period_days"] == [
        "The regulation (v1) allows a test period of 7 to 90 days."
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("days", [7, 90])
def test_period_at_the_regulation_bounds_is_accepted(marketer, channel, days):
    assert register(marketer, channel, test_period_days=days).test_period_days == days


@pytest.mark.django_db
def test_period_bounds_follow_the_regulation_in_force(admin_user, marketer, channel):
    regulation_create(by=admin_user, min_test_period_days=14, default_test_period_days=21)
    with pytest.raises(ValidationError) as refused:
        register(marketer, channel, test_period_days=7)
    assert "v2" in refused.value.message_dict["test_period_days"][0]
    assert register(marketer, channel).test_period_days == 21


@pytest.mark.django_db
@pytest.mark.parametrize("utm", ["partner_dec", "PARTNER_DEC", " Partner_Dec "])
def test_utm_campaign_is_unique_in_any_case(marketer, other_marketer, channel, utm):
    register(marketer, channel)
    with pytest.raises(ValidationError) as refused:
        register(other_marketer, channel, utm_campaign=utm)
    assert "utm_campaign" in refused.value.message_dict


@pytest.mark.django_db
def test_cancelled_experiment_frees_its_utm_campaign(marketer, channel):
    first = register(marketer, channel)
    experiment_cancel(experiment=first, by=marketer)
    second = register(marketer, channel, utm_campaign="Partner_Dec")
    assert second.utm_campaign == "Partner_Dec"


@pytest.mark.django_db
def test_database_constraint_answers_as_a_field_error(marketer, channel, monkeypatch):
    """A concurrent registration passes the check; the unique index still answers on utm_campaign."""
    register(marketer, channel)
    # The second registration's check runs before the first one commits: it sees no taken utm_campaign.
    monkeypatch.setattr(Experiment, "validate_constraints", lambda self, exclude=None: None)
    with pytest.raises(ValidationError) as refused:
        register(marketer, channel, utm_campaign="PARTNER_DEC")
    assert "utm_campaign" in refused.value.message_dict
    assert Experiment.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"hypothesis": ""}, "hypothesis"),
        ({"utm_campaign": "  "}, "utm_campaign"),
        ({"budget": Decimal("-1")}, "budget"),
        ({"budget": Decimal("1.234")}, "budget"),
        ({"targets": {"max_cpl": "-5"}}, "targets"),
        ({"targets": {"min_mql": "100"}}, "targets"),
        ({"targets": {"min_mql": True}}, "targets"),
        ({"targets": {"max_non_target_share": 1.5}}, "targets"),
        ({"targets": {"happiness": 1}}, "targets"),
        ({"targets": ["max_cpl"]}, "targets"),
    ],
)
def test_invalid_fields_are_refused_with_a_message(marketer, channel, overrides, field):
    with pytest.raises(ValidationError) as refused:
        register(marketer, channel, **overrides)
    assert list(refused.value.message_dict) == [field]
    assert not Experiment.objects.exists()


@pytest.mark.django_db
def test_targets_are_stored_typed(marketer, channel):
    experiment = register(
        marketer,
        channel,
        targets={"max_cpl": "1500", "min_mql": 100, "max_non_target_share": "0.25", "min_revenue": 5000},
    )
    assert experiment.targets == {
        "max_cpl": "1500.00",
        "min_mql": 100,
        "max_non_target_share": 0.25,
        "min_revenue": "5000.00",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["sales_head", "founder"])
def test_sales_heads_and_founders_do_not_register(users, channel, role):
    with pytest.raises(PermissionDenied):
        register(users[role], channel)


@pytest.mark.django_db
def test_update_recomputes_ends_on_and_checks_uniqueness(marketer, channel):
    experiment = register(marketer, channel)
    register(marketer, channel, utm_campaign="taken")
    updated = experiment_update(experiment=experiment, by=marketer, start_date=dt.date(2027, 1, 1), test_period_days=10)
    assert updated.ends_on == dt.date(2027, 1, 11)
    with pytest.raises(ValidationError) as refused:
        experiment_update(experiment=experiment, by=marketer, utm_campaign="TAKEN")
    assert "utm_campaign" in refused.value.message_dict
    # Its own utm_campaign in another case is fine.
    assert (
        experiment_update(experiment=experiment, by=marketer, utm_campaign="PARTNER_DEC").utm_campaign == "PARTNER_DEC"
    )


@pytest.mark.django_db
def test_another_marketer_cannot_touch_my_experiment(marketer, other_marketer, channel):
    experiment = register(marketer, channel)
    for service in (experiment_launch, experiment_cancel):
        with pytest.raises(PermissionDenied):
            service(experiment=experiment, by=other_marketer)
    with pytest.raises(PermissionDenied):
        experiment_update(experiment=experiment, by=other_marketer, title="Mine now")
    experiment.refresh_from_db()
    assert (experiment.status, experiment.title) == ("draft", "Partner mailings to SMB")


@pytest.mark.django_db
def test_marketing_head_manages_any_experiment(marketer, marketing_head, channel):
    experiment = register(marketer, channel)
    experiment_update(experiment=experiment, by=marketing_head, title="Sharper title")
    launched = experiment_launch(experiment=experiment, by=marketing_head)
    assert launched.status == "running"


@pytest.mark.django_db
def test_launch_pins_the_regulation_and_twice_is_a_conflict(admin_user, marketer, channel):
    experiment = register(marketer, channel)
    regulation_create(by=admin_user, review_due_days=3)
    launched = experiment_launch(experiment=experiment, by=marketer)
    assert launched.status == "running"
    assert launched.regulation.version == 2
    assert launched.launched_at is not None
    with pytest.raises(Conflict) as refused:
        experiment_launch(experiment=experiment, by=marketer)
    assert refused.value.code == "not_draft"
    assert "running" in refused.value.message


@pytest.mark.django_db
def test_launch_checks_the_period_against_the_regulation_in_force(admin_user, marketer, channel):
    experiment = register(marketer, channel, test_period_days=10)
    regulation_create(by=admin_user, min_test_period_days=14)
    with pytest.raises(ValidationError) as refused:
        experiment_launch(experiment=experiment, by=marketer)
    assert "test_period_days" in refused.value.message_dict
    experiment.refresh_from_db()
    assert experiment.status == "draft"


@pytest.mark.django_db
def test_running_experiment_is_not_editable_and_changes_are_recorded(marketer, channel):
    experiment = register(marketer, channel)
    experiment_launch(experiment=experiment, by=marketer)
    with pytest.raises(Conflict) as refused:
        experiment_update(experiment=experiment, by=marketer, title="Changed after launch")
    assert refused.value.code == "not_draft"
    assert refused.value.message == "Only drafts can be edited; this experiment is running."
    records = list(experiment.history.order_by("history_date").values_list("status", "history_user"))
    assert records == [("draft", marketer.pk), ("running", marketer.pk)]


@pytest.mark.django_db
def test_cancel_from_draft_and_running_but_not_twice(marketer, channel):
    draft = register(marketer, channel)
    assert experiment_cancel(experiment=draft, by=marketer).status == "cancelled"
    running = register(marketer, channel, utm_campaign="other")
    experiment_launch(experiment=running, by=marketer)
    cancelled = experiment_cancel(experiment=running, by=marketer)
    assert (cancelled.status, cancelled.regulation.version) == ("cancelled", 1)
    assert cancelled.cancelled_at is not None
    with pytest.raises(Conflict) as refused:
        experiment_cancel(experiment=running, by=marketer)
    assert refused.value.code == "not_cancellable"
    with pytest.raises(Conflict):
        experiment_launch(experiment=running, by=marketer)


@pytest.mark.django_db
def test_experiment_whose_review_unlocked_cannot_be_cancelled(marketer, channel):
    experiment = ExperimentFactory(
        running=True, owner=marketer, channel=channel, start_date=dt.date(2026, 1, 1), test_period_days=30
    )
    with (
        time_machine.travel(dt.datetime(2026, 2, 1, 12, tzinfo=dt.UTC), tick=False),
        pytest.raises(Conflict) as refused,
    ):
        experiment_cancel(experiment=experiment, by=marketer)
    assert refused.value.code == "not_cancellable"


@pytest.mark.django_db
def test_effective_status_is_awaiting_review_once_the_period_ends(marketer, channel):
    experiment = ExperimentFactory(
        running=True, owner=marketer, channel=channel, start_date=dt.date(2026, 1, 1), test_period_days=30
    )
    assert experiment_effective_status(experiment_get(pk=experiment.pk), today=dt.date(2026, 1, 30)) == "running"
    assert (
        experiment_effective_status(experiment_get(pk=experiment.pk), today=dt.date(2026, 1, 31)) == "awaiting_review"
    )


@pytest.mark.django_db
def test_effective_status_is_awaiting_review_on_the_exception(marketer, channel):
    experiment = ExperimentFactory(running=True, owner=marketer, channel=channel, start_date=dt.date(2026, 1, 1))
    MetricSnapshot.objects.create(experiment=experiment, data={"judged_leads": 40, "non_target_leads": 30})
    assert experiment_effective_status(experiment_get(pk=experiment.pk), today=dt.date(2026, 1, 5)) == (
        "awaiting_review"
    )


@pytest.mark.django_db
def test_recorded_unlock_reads_awaiting_review(marketer, channel):
    experiment = ExperimentFactory(running=True, owner=marketer, channel=channel, start_date=dt.date(2026, 1, 1))
    ReviewUnlock.objects.create(
        experiment=experiment,
        reason="exception",
        unlocked_at=dt.datetime(2026, 1, 3, tzinfo=dt.UTC),
        judged_leads=40,
        non_target_leads=30,
        evidence=50.0,
        threshold=Decimal("0.3"),
    )
    assert experiment_effective_status(experiment_get(pk=experiment.pk), today=dt.date(2026, 1, 5)) == (
        "awaiting_review"
    )


@pytest.mark.django_db
def test_cohort_changes_mark_the_snapshot_dirty(marketer, channel):
    experiment = register(marketer, channel)
    snapshot = MetricSnapshot.objects.get(experiment=experiment)
    assert snapshot.dirty_since is not None
    MetricSnapshot.objects.filter(pk=snapshot.pk).update(dirty_since=None)

    experiment_update(experiment=experiment, by=marketer, title="Only the title")
    snapshot.refresh_from_db()
    assert snapshot.dirty_since is None

    experiment_update(experiment=experiment, by=marketer, utm_campaign="partner_dec_v2")
    snapshot.refresh_from_db()
    assert snapshot.dirty_since is not None


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("service", [experiment_launch, experiment_cancel])
def test_concurrent_transitions_happen_once(marketer, marketing_head, service):
    import threading

    from django.db import connection

    if connection.vendor == "sqlite":
        pytest.skip("SQLite runs one writer at a time; the race needs concurrent writers.")
    experiment = register(marketer, ChannelFactory())
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def act(user) -> None:
        try:
            barrier.wait()
            service(experiment=experiment, by=user)
            outcomes.append("done")
        except Conflict as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=(user,)) for user in (marketer, marketing_head)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == sorted(["done", "not_draft" if service is experiment_launch else "not_cancellable"])
    assert experiment.history.exclude(status="draft").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_of_one_utm_give_one_experiment(marketer, marketing_head):
    import threading

    from django.db import connection

    if connection.vendor == "sqlite":
        pytest.skip("SQLite runs one writer at a time; the race needs concurrent writers.")
    channel = ChannelFactory()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def act(user, utm: str) -> None:
        try:
            barrier.wait()
            register(user, channel, utm_campaign=utm)
            outcomes.append("created")
        except ValidationError as exc:
            outcomes.append(next(iter(exc.message_dict)))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=act, args=args) for args in ((marketer, "Race_Dec"), (marketing_head, "race_dec"))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["created", "utm_campaign"]
    assert Experiment.objects.count() == 1
