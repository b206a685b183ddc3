"""Filing reviews: the service, the API (api.md, Reviews) and the Django admin all hold the lock."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from experiments.models import Experiment, Review, ReviewUnlock
from experiments.services.reviews import review_amend, review_file
from metrics.models import MetricSnapshot
from metrics.services import leads_upsert
from tests.factories import ExperimentFactory
from tracker.errors import Conflict

pytestmark = pytest.mark.django_db

FIELDS = {
    "verdict": "not_confirmed",
    "summary": "Most leads were students; few could buy.",
    "loss_reasons": "No budget; wrong segment.",
    "recommendation": "adjust_positioning",
}


def add_leads(experiment: Experiment, *, judged: int, non_target: int, prefix: str = "l") -> None:
    """Judged leads created on the experiment's first day, `non_target` of them not target."""
    created = dt.datetime.combine(experiment.start_date, dt.time(12), tzinfo=timezone.get_current_timezone())
    rows = [
        {
            "external_id": f"{prefix}{experiment.pk}-{i}",
            "created_at": created.isoformat(),
            "utm_campaign": experiment.utm_campaign,
            "is_target": i >= non_target,
        }
        for i in range(judged)
    ]
    result = leads_upsert(rows=rows)
    assert result.errors == []


@pytest.fixture
def running(marketer):
    return ExperimentFactory(running=True, owner=marketer, start_date=timezone.localdate() - dt.timedelta(days=5))


@pytest.fixture
def ended(marketer):
    return ExperimentFactory(running=True, owner=marketer, start_date=timezone.localdate() - dt.timedelta(days=31))


# --- the service -------------------------------------------------------------------------------


def test_sales_head_files_a_review_after_the_period_end(ended, sales_head):
    add_leads(ended, judged=12, non_target=3)
    review = review_file(experiment=ended, by=sales_head, **FIELDS)

    assert (review.version, review.amends, review.author) == (1, None, sales_head)
    assert review.unlock_reason == ReviewUnlock.Reason.PERIOD_ENDED
    assert review.regulation == ended.regulation
    # The metrics were recomputed at filing (no snapshot existed) and frozen in the review.
    assert review.metrics["leads_total"] == 12
    assert review.metrics["non_target_leads"] == 3
    assert review.metrics["computed_at"] is not None
    ended.refresh_from_db()
    assert ended.status == Experiment.Status.REVIEWED
    assert ReviewUnlock.objects.get(experiment=ended).reason == ReviewUnlock.Reason.PERIOD_ENDED


def test_the_frozen_metrics_do_not_follow_later_leads(ended, sales_head):
    add_leads(ended, judged=4, non_target=1)
    review = review_file(experiment=ended, by=sales_head, **FIELDS)
    add_leads(ended, judged=9, non_target=0, prefix="later")
    from metrics.services import snapshots_recompute

    snapshots_recompute(experiment_ids=[ended.pk])
    review.refresh_from_db()
    assert review.metrics["leads_total"] == 4
    assert MetricSnapshot.objects.get(experiment=ended).data["leads_total"] == 13


def test_review_before_the_period_end_is_refused_in_plain_words(running, sales_head):
    add_leads(running, judged=10, non_target=6)  # the example of api.md: E = 3.46
    with pytest.raises(Conflict) as refused:
        review_file(experiment=running, by=sales_head, **FIELDS)
    assert refused.value.code == "review_locked"
    assert refused.value.extra["unlocks_on"] == running.ends_on.isoformat()
    assert refused.value.extra["evidence_needed"] == 20.0
    assert 3 < refused.value.extra["evidence"] < 4
    assert refused.value.message == (
        f"The test period ends on {running.ends_on.isoformat()}; the review opens then, or earlier if "
        f"non-target leads exceed 30% with enough evidence (now 3.5 of 20)."
    )
    assert not Review.objects.exists()
    running.refresh_from_db()
    assert running.status == Experiment.Status.RUNNING


@pytest.mark.parametrize(("judged", "non_target", "opens"), [(1, 1, False), (20, 12, False), (20, 15, True)])
def test_the_exception_opens_the_review_early(running, sales_head, judged, non_target, opens):
    add_leads(running, judged=judged, non_target=non_target)
    if not opens:
        with pytest.raises(Conflict, match="with enough evidence"):
            review_file(experiment=running, by=sales_head, **FIELDS)
        return
    review = review_file(experiment=running, by=sales_head, **FIELDS)
    assert review.unlock_reason == ReviewUnlock.Reason.EXCEPTION
    unlock = ReviewUnlock.objects.get(experiment=running)
    assert (unlock.judged_leads, unlock.non_target_leads) == (20, 15)


@pytest.mark.parametrize("role", ["marketer", "marketing_head", "founder", "admin_user"])
def test_only_sales_heads_file_reviews(ended, role, request):
    with pytest.raises(PermissionDenied):
        review_file(experiment=ended, by=request.getfixturevalue(role), **FIELDS)
    assert not Review.objects.exists()


@pytest.mark.parametrize("status", [Experiment.Status.DRAFT, Experiment.Status.CANCELLED])
def test_drafts_and_cancelled_experiments_are_not_reviewed(ended, sales_head, status):
    Experiment.objects.filter(pk=ended.pk).update(status=status)
    ended.refresh_from_db()
    with pytest.raises(Conflict) as refused:
        review_file(experiment=ended, by=sales_head, **FIELDS)
    assert refused.value.code == "not_running"


def test_a_second_review_is_refused_even_from_a_stale_object(ended, sales_head):
    stale = Experiment.objects.get(pk=ended.pk)
    review_file(experiment=ended, by=sales_head, **FIELDS)
    assert stale.status == Experiment.Status.RUNNING
    with pytest.raises(Conflict) as refused:
        review_file(experiment=stale, by=sales_head, **FIELDS)
    assert refused.value.code == "already_reviewed"
    assert Review.objects.count() == 1


def test_the_database_refuses_a_second_original_review(ended, sales_head):
    review = review_file(experiment=ended, by=sales_head, **FIELDS)
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(
            experiment=ended,
            version=2,
            author=sales_head,
            unlock_reason=review.unlock_reason,
            regulation=review.regulation,
            **FIELDS,
        )


def test_fields_are_validated_one_by_one(ended, sales_head):
    with pytest.raises(ValidationError) as invalid:
        review_file(
            experiment=ended, by=sales_head, verdict="great", summary="  ", loss_reasons="", recommendation="blame"
        )
    assert set(invalid.value.message_dict) == {"verdict", "summary", "recommendation"}


def test_an_amendment_is_a_new_version_and_the_original_stays(ended, sales_head):
    original = review_file(experiment=ended, by=sales_head, **FIELDS)
    amended = review_amend(review=original, by=sales_head, verdict="inconclusive")
    again = review_amend(review=amended, by=sales_head, summary="After a month of outcomes: unclear.")

    original.refresh_from_db()
    assert original.verdict == "not_confirmed" and original.version == 1
    assert (amended.version, amended.amends_id, amended.verdict) == (2, original.id, "inconclusive")
    assert (again.version, again.amends_id, again.verdict) == (3, original.id, "inconclusive")
    assert again.summary == "After a month of outcomes: unclear."
    assert again.unlock_reason == original.unlock_reason


def test_amendments_follow_the_same_rules(ended, sales_head, marketing_head):
    original = review_file(experiment=ended, by=sales_head, **FIELDS)
    with pytest.raises(PermissionDenied):
        review_amend(review=original, by=marketing_head, verdict="confirmed")
    with pytest.raises(ValidationError):
        review_amend(review=original, by=sales_head, verdict="excellent")
    with pytest.raises(ValidationError):
        review_amend(review=original, by=sales_head, author="someone")
    with pytest.raises(ValidationError, match="changes nothing"):
        review_amend(review=original, by=sales_head, verdict=original.verdict)
    assert Review.objects.count() == 1


# --- the API -----------------------------------------------------------------------------------


def test_api_files_and_reads_the_review(ended, sales_head, marketer, client_for):
    add_leads(ended, judged=10, non_target=2)
    response = client_for(sales_head).post(f"/api/v1/experiments/{ended.pk}/review/", FIELDS, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert {k: body[k] for k in FIELDS} == FIELDS
    assert body["author"] == "shead"
    assert body["unlock_reason"] == "period_ended"
    assert body["regulation_version"] == 1
    assert body["metrics"]["judged_leads"] == 10
    assert (body["version"], body["amends"]) == (1, None)

    read = client_for(marketer).get(f"/api/v1/experiments/{ended.pk}/review/")
    assert read.status_code == 200
    assert read.json() == body
    assert client_for(marketer).get(f"/api/v1/experiments/{ended.pk}/").json()["status"] == "reviewed"


def test_api_refuses_a_locked_review_with_the_numbers(running, sales_head, client_for):
    add_leads(running, judged=10, non_target=6)
    response = client_for(sales_head).post(f"/api/v1/experiments/{running.pk}/review/", FIELDS, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "review_locked"
    assert body["unlocks_on"] == running.ends_on.isoformat()
    assert body["evidence_needed"] == 20.0
    assert body["evidence"] == pytest.approx(3.4568, abs=0.0001)
    assert body["detail"].startswith(f"The test period ends on {running.ends_on.isoformat()}; the review opens")


def test_api_refusals(ended, sales_head, users, client_for):
    url = f"/api/v1/experiments/{ended.pk}/review/"
    assert client_for(None).post(url, FIELDS, format="json").status_code == 401
    for role in ("marketer", "marketing_head", "founder", "admin"):
        response = client_for(users[role]).post(url, FIELDS, format="json")
        assert response.status_code == 403, role
        assert response.json()["detail"] == "Only sales heads file reviews."
    assert client_for(sales_head).get(url).status_code == 404
    assert client_for(sales_head).post("/api/v1/experiments/999999/review/", FIELDS, format="json").status_code == 404
    bad = client_for(sales_head).post(url, {**FIELDS, "verdict": "blame", "summary": ""}, format="json")
    assert bad.status_code == 400 and set(bad.json()) == {"verdict", "summary"}

    assert client_for(sales_head).post(url, FIELDS, format="json").status_code == 201
    again = client_for(sales_head).post(url, FIELDS, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_reviewed"

    draft = ExperimentFactory()
    response = client_for(sales_head).post(f"/api/v1/experiments/{draft.pk}/review/", FIELDS, format="json")
    assert response.status_code == 409 and response.json()["code"] == "not_running"


def test_api_amendment_creates_a_version(ended, sales_head, marketer, client_for):
    client = client_for(sales_head)
    first = client.post(f"/api/v1/experiments/{ended.pk}/review/", FIELDS, format="json").json()
    url = f"/api/v1/experiments/{ended.pk}/review/amendments/"
    assert client_for(marketer).post(url, {"verdict": "confirmed"}, format="json").status_code == 403
    response = client.post(url, {"verdict": "confirmed", "recommendation": "scale"}, format="json")
    assert response.status_code == 201
    assert (response.json()["version"], response.json()["amends"]) == (2, first["id"])
    current = client.get(f"/api/v1/experiments/{ended.pk}/review/").json()
    assert (current["version"], current["verdict"], current["summary"]) == (2, "confirmed", FIELDS["summary"])


def test_period_end_opens_the_review_on_the_api_without_any_job(sales_head, marketer, client_for):
    experiment = ExperimentFactory(running=True, owner=marketer, start_date=dt.date(2026, 12, 1), test_period_days=30)
    url = f"/api/v1/experiments/{experiment.pk}/review/"
    with time_machine.travel(dt.datetime(2026, 12, 30, 20, 59, tzinfo=dt.UTC)):  # 23:59 in Moscow
        assert client_for(sales_head).post(url, FIELDS, format="json").status_code == 409
    with time_machine.travel(dt.datetime(2026, 12, 30, 21, 1, tzinfo=dt.UTC)):  # 00:01 on the 31st
        read = client_for(marketer).get(f"/api/v1/experiments/{experiment.pk}/").json()
        assert read["status"] == "awaiting_review"
        assert read["review_lock"]["unlocked"] is True
        assert read["review_lock"]["reason"] == "period_ended"
        assert client_for(sales_head).post(url, FIELDS, format="json").status_code == 201


# --- the Django admin -------------------------------------------------------------------------


@pytest.fixture
def staff_sales_head(sales_head):
    sales_head.is_staff = True
    sales_head.is_superuser = True
    sales_head.save()
    client = Client()
    client.force_login(sales_head)
    return client


def admin_form(experiment: Experiment) -> dict:
    return {"experiment": experiment.pk, **FIELDS}


def test_admin_add_goes_through_the_lock(running, staff_sales_head):
    add_leads(running, judged=20, non_target=10)
    response = staff_sales_head.post("/admin/experiments/review/add/", admin_form(running))
    assert response.status_code == 200  # the form again, with the refusal
    assert "with enough evidence" in response.content.decode()
    assert not Review.objects.exists()


def test_admin_add_files_through_the_service(ended, staff_sales_head, sales_head):
    add_leads(ended, judged=3, non_target=1)
    response = staff_sales_head.post("/admin/experiments/review/add/", admin_form(ended))
    assert response.status_code == 302
    review = Review.objects.get()
    assert (review.author, review.unlock_reason, review.metrics["leads_total"]) == (sales_head, "period_ended", 3)
    ended.refresh_from_db()
    assert ended.status == Experiment.Status.REVIEWED

    again = staff_sales_head.post("/admin/experiments/review/add/", admin_form(ended))
    assert again.status_code == 200
    assert "reviewed already" in again.content.decode()
    assert Review.objects.count() == 1


def test_admin_refuses_a_staff_user_who_is_not_a_sales_head(ended, admin_user):
    client = Client()
    client.force_login(admin_user)
    response = client.post("/admin/experiments/review/add/", admin_form(ended))
    assert response.status_code == 200
    assert "Only sales heads file reviews." in response.content.decode()
    assert not Review.objects.exists()


def test_filed_reviews_are_read_only_in_admin(ended, staff_sales_head, sales_head):
    review = review_file(experiment=ended, by=sales_head, **FIELDS)
    page = staff_sales_head.get(f"/admin/experiments/review/{review.pk}/change/")
    assert page.status_code == 200
    assert 'name="summary"' not in page.content.decode()
    changed = staff_sales_head.post(
        f"/admin/experiments/review/{review.pk}/change/", {**FIELDS, "verdict": "confirmed"}
    )
    assert changed.status_code == 403
    assert staff_sales_head.post(f"/admin/experiments/review/{review.pk}/delete/", {"post": "yes"}).status_code == 403
    review.refresh_from_db()
    assert review.verdict == "not_confirmed"


# --- the web form ------------------------------------------------------------------------------


def test_the_web_form_holds_the_same_lock(running, ended, sales_head):
    client = Client()
    client.force_login(sales_head)
    add_leads(running, judged=10, non_target=6)
    refused = client.post(f"/experiments/{running.pk}/review/", FIELDS)
    assert refused.status_code == 200
    assert "with enough evidence (now 3.5 of 20)" in refused.content.decode()
    assert not Review.objects.exists()

    confirmed = {**FIELDS, "confirmed": "1"}  # the summary step, answered
    filed = client.post(f"/experiments/{ended.pk}/review/", confirmed)
    assert filed.status_code == 302
    assert Review.objects.get().experiment == ended
    assert client.post(f"/experiments/{ended.pk}/review/", confirmed).status_code == 200  # no second review
    assert Review.objects.count() == 1


def test_admin_lists_reviews_unlocks_questions_and_notices_read_only(ended, sales_head, admin_user):
    review_file(experiment=ended, by=sales_head, **FIELDS)
    client = Client()
    client.force_login(admin_user)
    for model in ("review", "reviewunlock", "question", "notification"):
        assert client.get(f"/admin/experiments/{model}/").status_code == 200, model
    unlock = ReviewUnlock.objects.get(experiment=ended)
    assert client.get(f"/admin/experiments/reviewunlock/{unlock.pk}/change/").status_code == 200
    assert client.get("/admin/experiments/reviewunlock/add/").status_code == 403
    assert client.post(f"/admin/experiments/reviewunlock/{unlock.pk}/delete/", {"post": "yes"}).status_code == 403
    assert ReviewUnlock.objects.filter(pk=unlock.pk).exists()
