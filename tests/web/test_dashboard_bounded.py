"""The dashboard shows the most urgent few of each section, whatever the number of experiments."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from experiments.models import Experiment, ReviewUnlock
from experiments.web_selectors import DASHBOARD_SECTION_SIZE
from tests.factories import ChannelFactory, ExperimentFactory
from tests.pages import snapshot_for

pytestmark = pytest.mark.django_db

# What a dashboard may weigh with full sections: the cards of two sections and the rest of the page.
HTML_BOUND = 60_000


def _company(count: int, channel) -> None:
    """`count` experiments: a third in their test period, a third ended, a third held by the
    exception (most judged leads non-target), each with metrics; numbered on from those there are."""
    today = timezone.localdate()
    start = Experiment.objects.count()
    for i in range(start, start + count):
        kind = i % 3
        experiment = ExperimentFactory(
            running=True,
            channel=channel,
            title=f"Company test {i}",
            start_date=today - dt.timedelta(days=40 + i % 7 if kind == 1 else 1 + i % 20),
        )
        if kind == 2:
            snapshot_for(experiment, leads_total=60, judged_leads=50, non_target_leads=45, non_target_share=0.9)
        else:
            snapshot_for(experiment, leads_total=12, judged_leads=10, non_target_leads=2, non_target_share=0.2)


def _cards(html: str) -> int:
    return html.count('class="card xcard"')


def _get(client) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/")
    assert response.status_code == 200
    return response.content.decode(), len(ctx.captured_queries)


def test_dashboard_size_and_queries_do_not_grow_with_experiments(web_client, sales_head):
    channel = ChannelFactory()
    client = web_client(sales_head)
    _company(20, channel)
    html_20, queries_20 = _get(client)
    _company(40, channel)
    html_60, queries_60 = _get(client)

    assert _cards(html_20) == _cards(html_60) == 2 * DASHBOARD_SECTION_SIZE
    assert queries_60 == queries_20
    assert len(html_20) < HTML_BOUND
    assert len(html_60) < HTML_BOUND
    # Only the numbers in the tiles and links differ.
    assert abs(len(html_60) - len(html_20)) < 100


def test_dashboard_counts_every_experiment_and_links_to_the_full_lists(web_client, sales_head):
    _company(30, ChannelFactory())
    client = web_client(sales_head)
    html = client.get("/").content.decode()
    # 10 ended and 10 held by the exception await a review; 10 are in their test period.
    assert re.search(r'status=awaiting_review"><span class="tile-num">20<', html)
    assert re.search(r'status=running"><span class="tile-num">10<', html)
    assert 'href="/experiments/?status=awaiting_review">See all 20' in html
    assert 'href="/experiments/?status=running">See all 10' in html
    # The links open the list filtered the same way, with every one of them.
    assert client.get("/experiments/", {"status": "awaiting_review"}).context["page"].paginator.count == 20
    assert client.get("/experiments/", {"status": "running"}).context["page"].paginator.count == 10


def test_dashboard_shows_the_longest_waiting_review_and_the_soonest_ending_test_first(web_client, sales_head):
    today = timezone.localdate()
    now = timezone.now()
    channel = ChannelFactory()
    for days in range(1, 9):  # opened 1..8 days ago, recorded
        experiment = ExperimentFactory(
            running=True,
            channel=channel,
            title=f"Opened {days} days ago",
            start_date=today - dt.timedelta(days=30 + days),
        )
        ReviewUnlock.objects.create(
            experiment=experiment,
            reason=ReviewUnlock.Reason.PERIOD_ENDED,
            unlocked_at=now - dt.timedelta(days=days),
            judged_leads=0,
            non_target_leads=0,
            evidence=1.0,
            threshold="0.30",
        )
        Experiment.objects.filter(pk=experiment.pk).update(status=Experiment.Status.AWAITING_REVIEW)
    for days in range(1, 9):  # ends in 1..8 days
        ExperimentFactory(
            running=True, channel=channel, title=f"Ends in {days} days", start_date=today - dt.timedelta(days=30 - days)
        )
    html = web_client(sales_head).get("/").content.decode()
    awaiting = html.split('id="awaiting-title"')[1].split('id="running-title"')[0]
    running = html.split('id="running-title"')[1]
    shown = [f"Opened {days} days ago" for days in range(8, 8 - DASHBOARD_SECTION_SIZE, -1)]
    assert re.findall(r"Opened \d days ago", awaiting) == shown
    assert re.findall(r"Ends in \d days", running) == [f"Ends in {days} days" for days in range(1, 7)]


def test_my_drafts_link_to_all_of_them(web_client, marketer):
    for i in range(12):
        ExperimentFactory(owner=marketer, title=f"Draft {i}")
    html = web_client(marketer).get("/").content.decode()
    assert f'href="/experiments/?status=draft&amp;owner={marketer.pk}">See all 12' in html
