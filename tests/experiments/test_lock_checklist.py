"""The lock as a checklist: each condition of the two ways a review opens, in numbers (the API) and in
plain words (the experiment page and the review form), with the estimate of how many more judged
leads the exception needs at today's share."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from experiments.models import Experiment
from experiments.review_lock import ESTIMATE_CAP, exception_holds, leads_to_exception, review_lock_state, with_lock_data
from tests.factories import ExperimentFactory
from tests.pages import snapshot_for

T, ALPHA, M = 0.30, 0.05, 10


def _holds_at(n: int, k: int, count: int) -> bool:
    return exception_holds(n=count, k=round(k / n * count), threshold=T, alpha=ALPHA, min_leads=M)


@pytest.mark.parametrize(("n", "k"), [(10, 5), (20, 12), (20, 8), (4, 4), (1, 1), (30, 10), (20, 7)])
def test_the_estimate_is_the_smallest_count_that_opens_at_todays_share(n, k):
    found = leads_to_exception(n=n, k=k, threshold=T, alpha=ALPHA, min_leads=M)
    assert found is not None and found >= n
    assert _holds_at(n, k, found)
    assert not any(_holds_at(n, k, count) for count in range(n, found))


def test_the_estimate_when_the_exception_holds_now_is_now():
    assert leads_to_exception(n=20, k=15, threshold=T, alpha=ALPHA, min_leads=M) == 20


@pytest.mark.parametrize(("n", "k"), [(0, 0), (10, 3), (20, 2), (10, 0)])
def test_a_share_not_above_the_threshold_never_opens(n, k):
    assert leads_to_exception(n=n, k=k, threshold=T, alpha=ALPHA, min_leads=M) is None


def test_the_search_stops_at_its_cap():
    # 30.5% against 30%: it would take far more than the cap's further leads.
    assert leads_to_exception(n=1000, k=305, threshold=T, alpha=ALPHA, min_leads=M) is None
    assert ESTIMATE_CAP == 10_000


def _experiment(n: int, k: int, **fields) -> Experiment:
    experiment = ExperimentFactory.create(
        running=True, title="Cold list", start_date=timezone.localdate() - dt.timedelta(days=5), **fields
    )
    snapshot_for(experiment, leads_total=n, judged_leads=n, non_target_leads=k, non_target_share=k / n if n else None)
    return with_lock_data(Experiment.objects.select_related("channel", "owner")).get(pk=experiment.pk)


@pytest.mark.django_db
def test_the_checklist_in_numbers(client_for, founder):
    experiment = _experiment(20, 12)  # E = 17.6 of 20
    state = review_lock_state(experiment)
    assert not state.unlocked
    checklist = client_for(founder).get(f"/api/v1/experiments/{experiment.pk}/").json()["review_lock"]["checklist"]
    assert checklist == state.as_dict()["checklist"]
    assert checklist["period_ended"] == {"met": False, "ends_on": experiment.ends_on.isoformat()}
    exception = checklist["exception"]
    assert exception["min_judged_leads"] == {"met": True, "value": 20, "needed": 10}
    assert exception["share_above_threshold"] == {"met": True, "value": 0.6, "needed": 0.3}
    assert exception["evidence"]["met"] is False
    assert exception["evidence"]["value"] == pytest.approx(17.6, abs=0.05)
    assert exception["evidence"]["needed"] == 20.0
    assert exception["more_leads_needed"] == 1  # 13 of 21 opens it


@pytest.mark.django_db
def test_an_open_review_has_no_estimate(client_for, founder):
    ended = ExperimentFactory.create(running=True, start_date=timezone.localdate() - dt.timedelta(days=40))
    snapshot_for(ended, leads_total=20, judged_leads=20, non_target_leads=12)
    lock = client_for(founder).get(f"/api/v1/experiments/{ended.pk}/").json()["review_lock"]
    assert lock["checklist"]["period_ended"]["met"] is True
    assert lock["checklist"]["exception"]["more_leads_needed"] is None


def _page(user, url: str, language: str = "en") -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_the_checklist_in_plain_words_on_the_page_and_the_review_form(sales_head):
    experiment = _experiment(20, 12)
    for url in (f"/experiments/{experiment.pk}/", f"/experiments/{experiment.pk}/review/"):
        html = _page(sales_head, url)
        checklist = html.split('class="checklist"')[1].split("</div>")[0]
        assert "The review opens when" in checklist
        assert "Test period ended (" in checklist
        assert "Exception:" in checklist
        assert "at least 10 judged leads (now 20)" in checklist
        assert "non-target share above the threshold (60.0%, acceptable 30%)" in checklist
        assert "evidence strong enough (17.6 of 20.0)" in checklist
        assert checklist.count("✓") == 2 and checklist.count("✗") == 2  # period and evidence not yet
        assert "(does not hold yet)" in checklist  # the marks in words, for screen readers
        assert "the judged leads are 17.6 times as likely if non-target leads are too many" in checklist
        assert "At today&#x27;s share, the exception could open after about 1 more judged lead." in checklist


@pytest.mark.django_db
def test_a_share_at_or_below_the_threshold_cannot_open_it(sales_head):
    experiment = _experiment(10, 2)
    html = _page(sales_head, f"/experiments/{experiment.pk}/")
    assert "At today&#x27;s share (20.0%, not above 30%) the exception cannot open." in html


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "pill"), [("en", "Review locked"), ("ru", "Разбор закрыт")])
def test_the_lock_pill_says_the_same_on_every_page(sales_head, language, pill):
    experiment = _experiment(20, 12)
    for url in ("/", "/experiments/", f"/experiments/{experiment.pk}/", f"/experiments/{experiment.pk}/review/"):
        html = _page(sales_head, url, language)
        assert '<span class="badge badge-locked" title="' in html, url
        assert pill in html.split('class="badge badge-locked"')[1].split("</span>")[0], url


@pytest.mark.django_db
def test_the_checklist_in_russian(sales_head):
    experiment = _experiment(20, 12)
    html = _page(sales_head, f"/experiments/{experiment.pk}/", "ru")
    checklist = html.split('class="checklist"')[1].split("</div>")[0]
    assert "Разбор открывается, когда" in checklist
    assert "не меньше 10 оценённых лидов (сейчас 20)" in checklist
    assert "доказательств достаточно (17,6 из 20,0)" in checklist
    assert "При сегодняшней доле исключение может открыться примерно через 1 оценённый лид." in checklist
