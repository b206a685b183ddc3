"""One spend row at a time (the experiment page's services): who may add, correct and delete which
kind, the model's rules in the reader's language, and the recompute each change sets off."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import translation

from metrics.models import MetricSnapshot, Spend
from metrics.services import leads_upsert, snapshots_recompute, spend_row_create, spend_row_delete, spend_row_update
from tests.metrics.conftest import lead
from tests.waiting import wait_for

pytestmark = pytest.mark.django_db

ROLES = ["marketer", "other_marketer", "marketing_head", "sales_head", "founder", "admin"]
# The experiment belongs to the marketer (alice). Marketing spend: the owner, marketing heads,
# admins; sales spend: sales heads too.
MAY_CHANGE = {
    "marketing": {"marketer", "marketing_head", "admin"},
    "sales": {"marketer", "marketing_head", "admin", "sales_head"},
}
DAY = dt.date(2026, 12, 2)


def add(experiment, by, **values):
    fields = {"date": DAY, "amount": Decimal("1000.00"), "kind": "marketing", "visits": None, **values}
    return spend_row_create(experiment=experiment, by=by, **fields)


def dirty(experiment) -> bool:
    return MetricSnapshot.objects.filter(experiment=experiment, dirty_since__isnull=False).exists()


def clean_snapshot(experiment) -> None:
    snapshots_recompute(experiment_ids=[experiment.id])
    assert not dirty(experiment)


@pytest.mark.parametrize("kind", ["marketing", "sales"])
@pytest.mark.parametrize("role", ROLES)
def test_who_may_add_spend_of_each_kind(users, experiment, role, kind):
    if role in MAY_CHANGE[kind]:
        spend = add(experiment, users[role], kind=kind)
        assert spend.created_by == users[role] and spend.experiment == experiment
    else:
        with pytest.raises(PermissionDenied):
            add(experiment, users[role], kind=kind)
        assert not Spend.objects.exists()


@pytest.mark.parametrize("kind", ["marketing", "sales"])
@pytest.mark.parametrize("role", ROLES)
def test_who_may_correct_and_delete_spend_of_each_kind(users, marketer, experiment, role, kind):
    spend = add(experiment, marketer, kind=kind)
    if role in MAY_CHANGE[kind]:
        assert spend_row_update(spend=spend, by=users[role], amount=Decimal("5.00")).amount == Decimal("5.00")
        spend_row_delete(spend=spend, by=users[role])
        assert not Spend.objects.exists()
    else:
        with pytest.raises(PermissionDenied):
            spend_row_update(spend=spend, by=users[role], amount=Decimal("5.00"))
        with pytest.raises(PermissionDenied):
            spend_row_delete(spend=spend, by=users[role])
        assert Spend.objects.get().amount == Decimal("1000.00")


def test_a_sales_head_cannot_turn_sales_spend_into_marketing_spend(sales_head, experiment):
    spend = add(experiment, sales_head, kind="sales")
    with pytest.raises(PermissionDenied):
        spend_row_update(spend=spend, by=sales_head, kind="marketing")
    assert Spend.objects.get().kind == "sales"


def test_the_refusal_says_who_may(users, experiment):
    with pytest.raises(PermissionDenied, match="owner, a marketing head or an administrator"):
        add(experiment, users["other_marketer"])


def test_each_change_marks_the_snapshot_dirty_and_enqueues_one_recompute_on_commit(
    marketer, experiment, django_capture_on_commit_callbacks
):
    clean_snapshot(experiment)
    with django_capture_on_commit_callbacks() as sent:
        spend = add(experiment, marketer)
    assert dirty(experiment) and len(sent) == 1
    clean_snapshot(experiment)
    with django_capture_on_commit_callbacks() as sent:
        spend_row_update(spend=spend, by=marketer, amount=Decimal("1500.00"), visits=40)
    assert dirty(experiment) and len(sent) == 1
    clean_snapshot(experiment)
    with django_capture_on_commit_callbacks() as sent:
        spend_row_delete(spend=spend, by=marketer)
    assert dirty(experiment) and len(sent) == 1


def test_a_correction_that_changes_nothing_recomputes_nothing(marketer, experiment):
    spend = add(experiment, marketer)
    clean_snapshot(experiment)
    spend_row_update(spend=spend, by=marketer, amount=Decimal("1000.00"), date=DAY)
    assert not dirty(experiment)


def test_the_recompute_shows_the_cpl_of_the_added_corrected_and_deleted_spend(marketer, experiment):
    leads_upsert(rows=[lead(f"L{i}", "2026-12-02T10:00:00+03:00") for i in range(4)])
    assert snapshots_recompute(experiment_ids=[experiment.id])[experiment.id].data["romi"] is None
    spend = add(experiment, marketer, amount=Decimal("12500.50"))
    data = snapshots_recompute(experiment_ids=[experiment.id])[experiment.id].data
    assert (data["marketing_spend"], data["cpl"]) == ("12500.50", "3125.13")
    spend_row_update(spend=spend, by=marketer, amount=Decimal("400.00"))
    assert snapshots_recompute(experiment_ids=[experiment.id])[experiment.id].data["cpl"] == "100.00"
    spend_row_delete(spend=spend, by=marketer)
    data = snapshots_recompute(experiment_ids=[experiment.id])[experiment.id].data
    assert (data["marketing_spend"], data["romi"]) == ("0.00", None)  # ROMI without spend: null (metrics.md)


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"amount": Decimal("-1.00")}, "amount", "The amount cannot be negative."),
        ({"amount": Decimal("1.005")}, "amount", "decimal places"),
        ({"amount": Decimal("1e15")}, "amount", "digits"),
        ({"date": dt.date(1999, 12, 31)}, "date", "Give a date between 2000-01-01 and 2100-12-31."),
        ({"date": dt.date(2101, 1, 1)}, "date", "Give a date between 2000-01-01 and 2100-12-31."),
        ({"date": "2026-12-02"}, "date", "Give a date as YYYY-MM-DD."),
        ({"kind": "travel"}, "kind", "is not a valid choice"),
        ({"visits": -3}, "visits", "greater than or equal to 0"),
        ({"visits": "many"}, "visits", "must be an integer"),
        ({"amount": "12\x005"}, "amount", "Give the amount as a number"),
    ],
)
def test_bad_values_are_refused_on_their_field_and_nothing_is_written(marketer, experiment, values, field, words):
    clean_snapshot(experiment)
    with pytest.raises(ValidationError) as refused:
        add(experiment, marketer, **values)
    assert list(refused.value.message_dict) == [field]
    assert words in refused.value.message_dict[field][0]
    assert not Spend.objects.exists() and not dirty(experiment)


def test_refusals_are_in_the_readers_language(users, marketer, experiment):
    with translation.override("ru"):
        with pytest.raises(ValidationError) as refused:
            add(experiment, marketer, date=dt.date(1999, 12, 31), amount=Decimal("-5"))
        assert refused.value.message_dict == {
            "date": ["Укажите дату между 01.01.2000 и 31.12.2100."],
            "amount": ["Сумма не может быть отрицательной."],
        }
        with pytest.raises(PermissionDenied, match="меняют только его владелец"):
            add(experiment, users["founder"])


def test_a_correction_checks_only_what_it_changes(marketer, experiment):
    """A row stored by the bulk API before the date rule still has its amount corrected."""
    old = Spend.objects.create(experiment=experiment, date=dt.date(1999, 6, 1), amount=Decimal("10"), kind="marketing")
    assert spend_row_update(spend=old, by=marketer, date=old.date, amount=Decimal("12.00")).amount == Decimal("12.00")
    with pytest.raises(ValidationError) as refused:
        spend_row_update(spend=old, by=marketer, date=dt.date(1999, 7, 1))
    assert list(refused.value.message_dict) == ["date"]


def test_a_row_deleted_meanwhile(marketer, experiment):
    spend = add(experiment, marketer)
    Spend.objects.filter(pk=spend.pk).delete()
    with pytest.raises(Http404):
        spend_row_update(spend=spend, by=marketer, amount=Decimal("1.00"))
    spend_row_delete(spend=spend, by=marketer)  # the same result: not an error


def test_unknown_fields_are_a_programming_error(marketer, experiment):
    spend = add(experiment, marketer)
    with pytest.raises(TypeError, match="external_id"):
        spend_row_update(spend=spend, by=marketer, external_id="x")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_spend_added_on_the_page_reaches_the_metrics_through_a_real_worker(celery_tasks, marketer, experiment):
    leads_upsert(rows=[lead(f"W{i}", "2026-12-02T10:00:00+03:00") for i in range(5)])
    celery_tasks.settle()
    assert wait_for(lambda: MetricSnapshot.objects.filter(experiment=experiment, dirty_since=None).exists())
    assert MetricSnapshot.objects.get(experiment=experiment).data["cpl"] == "0.00"  # no spend: the API's value

    add(experiment, marketer, amount=Decimal("12500.50"))
    assert dirty(experiment)
    celery_tasks.settle()
    assert wait_for(lambda: not dirty(experiment))
    assert MetricSnapshot.objects.get(experiment=experiment).data["cpl"] == "2500.10"
