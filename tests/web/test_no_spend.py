"""Until an experiment has spend, its CPL, CAC and ROMI read "no spend data" on every surface (the
experiment page's tiles and targets, the list, the dashboard cards, the scoreboard, goals and the
meeting agendas), never 0 and never a met target; spend added on the page then brings the numbers."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings.live import agenda_build
from meetings.models import Meeting
from meetings.services.goals import goal_create
from metrics.services import leads_upsert, snapshots_recompute
from tests.factories import ChannelFactory, ExperimentFactory
from tests.scenarios import at, cohort

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 20)
NO_SPEND = "no spend data"


def _between(html: str, start: str, end: str) -> str:
    assert start in html, start
    return html.split(start, 1)[1].split(end, 1)[0]


@pytest.fixture
def without_spend(marketer, founder):
    """A month-long test that ended on Dec 1 with 10 leads and a CPL target, and no spend."""
    with at(TODAY):
        experiment = ExperimentFactory.create(
            running=True,
            owner=marketer,
            title="Partner mailings to SMB",
            channel=ChannelFactory(slug="partner-mailings", name="Partner mailings"),
            utm_campaign="partner_nov",
            start_date=dt.date(2026, 11, 1),
            test_period_days=30,
            targets={"max_cpl": "1500.00", "max_cac": "9000.00"},
        )
        assert (
            leads_upsert(rows=cohort(experiment, day=dt.date(2026, 11, 10), count=10, non_target=2, mql=4)).errors == []
        )
        data = snapshots_recompute(experiment_ids=[experiment.pk])[experiment.pk].data
        goal_create(
            by=founder, metric="cpl", target=Decimal("1500.00"),
            period_start=dt.date(2026, 11, 1), period_end=dt.date(2026, 12, 1),
        )  # fmt: skip
    # The API keeps its documented values (metrics.md): a cost of nothing, ROMI null.
    assert (data["marketing_spend"], data["cpl"], data["romi"]) == ("0.00", "0.00", None)
    return experiment


def test_every_surface_reads_no_spend_data_without_spend(web_client, founder, without_spend):
    with at(TODAY):
        client = web_client(founder)
        detail = client.get(reverse("web:experiment-detail", args=[without_spend.pk])).content.decode()
        listing = client.get(reverse("web:experiment-list")).content.decode()
        dashboard = client.get(reverse("web:dashboard")).content.decode()
        board = client.get(reverse("web:scoreboard"), {"date_from": "2026-11-01", "date_to": "2026-12-01"})
        goals = client.get(reverse("web:goal-list")).content.decode()

    targets = _between(detail, 'id="targets-title"', "</table>")
    assert targets.count(NO_SPEND) == 2 and "✓" not in targets and "RUB\u00a00.00" not in targets
    tiles = _between(detail, 'class="kpis"', "</dl>")
    for name in ("CPL", "CAC", "ROMI"):
        assert f"<dt>{name}</dt><dd>{NO_SPEND}</dd>" in tiles

    row = _between(listing, "Partner mailings to SMB", "</tr>")
    assert row.count(NO_SPEND) == 3 and "✓" not in row  # two targets and the CPL column

    card = _between(dashboard, "Partner mailings to SMB", "</article>")
    assert f"<dt>CPL</dt><dd>{NO_SPEND}</dd>" in card and f"<dt>ROMI</dt><dd>{NO_SPEND}</dd>" in card
    assert "✓" not in card

    html = board.content.decode()
    marketing = _between(html, 'aria-labelledby="zone-m"', "</table>")
    for label in ("Cost per lead (CPL)", "Customer acquisition cost (CAC)", "CAC, fully loaded", "ROMI"):
        assert NO_SPEND in _between(marketing, f'<th scope="row">{label}</th>', "</tr>"), label
    channel = _between(html, 'data-channel="Partner mailings"', "</tr>")
    assert channel.count(NO_SPEND) == 2  # CPL and ROMI

    goal = _between(goals, "Cost per lead (CPL)", "</li>")
    assert NO_SPEND in goal and "✓" not in goal and "progress-done" not in goal


def test_it_reads_so_in_russian(web_client, founder, without_spend):
    with at(TODAY):
        html = (
            web_client(founder)
            .get(reverse("web:experiment-detail", args=[without_spend.pk]), HTTP_ACCEPT_LANGUAGE="ru")
            .content.decode()
        )
    assert "<dt>CPL</dt><dd>нет данных о расходах</dd>" in html
    assert "Расходов пока нет" in html


def test_spend_added_on_the_page_brings_the_cost_and_its_verdict(web_client, marketer, without_spend):
    url = reverse("web:experiment-detail", args=[without_spend.pk])
    with at(TODAY):
        client = web_client(marketer)
        added = client.post(
            reverse("web:spend-list", args=[without_spend.pk]),
            {"date": "2026-11-03", "kind": "marketing", "amount": "12 500,00", "visits": "800"},
        )
        assert added.status_code == 302
        snapshots_recompute(experiment_ids=[without_spend.pk])  # what the job enqueued on commit does
        html = client.get(url).content.decode()
    tiles = _between(html, 'class="kpis"', "</dl>")
    assert "<dt>CPL</dt><dd>RUB\u00a01,250.00</dd>" in tiles and NO_SPEND not in tiles
    targets = _between(html, 'id="targets-title"', "</table>")
    assert "✓ met" in targets and NO_SPEND not in targets  # 1,250 per lead against at most 1,500


def test_agenda_review_and_win_summaries_without_spend_read_no_spend_data(web_client, marketer, month):
    with at(dt.date(2026, 12, 15), hour=9):
        html = web_client(marketer).get(reverse("web:meeting-detail", args=[month["sync"].pk])).content.decode()
    reviews = _between(html, 'id="reviews-title"', "</section>")
    assert reviews.count(NO_SPEND) == 2 and "CPL RUB" not in reviews  # the CPL of each review
    wins = _between(html, 'id="wins-title"', "</section>")
    assert wins.count(NO_SPEND) == 2  # CPL and CAC of the win


def test_an_agenda_stored_before_its_summaries_carried_the_spend_shows_the_costs_as_stored(web_client, marketer, month):
    """Held agendas are never rewritten: one stored without the spend keeps its costs as they were."""
    meeting = month["sync"]
    with at(dt.date(2026, 12, 15), hour=9):
        agenda = agenda_build(meeting)
    for item in (*agenda["reviews"], *agenda["wins"]):
        item["metrics"].pop("marketing_spend")
        item["metrics"]["cpl"] = "120.00"
    Meeting.objects.filter(pk=meeting.pk).update(agenda=agenda, held_at=timezone.now())
    with at(dt.date(2026, 12, 16)):
        html = web_client(marketer).get(reverse("web:meeting-detail", args=[meeting.pk])).content.decode()
    reviews = _between(html, 'id="reviews-title"', "</section>")
    assert NO_SPEND not in reviews and reviews.count("RUB\u00a0120.00") == 2
