"""The experiment list: status tabs with counts, search, sortable columns, pills that say why, and the
list as a CSV or XLSX file with its key metrics."""

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.utils import timezone

from experiments.models import Experiment
from experiments.services.experiments import experiment_cancel
from experiments.services.reviews import review_file
from tests.factories import ChannelFactory, ExperimentFactory
from tests.pages import snapshot_for

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _ended(**fields) -> Experiment:
    """Running, its 30-day period over ten days ago: awaiting review in every read."""
    return ExperimentFactory.create(running=True, start_date=TODAY() - dt.timedelta(days=40), **fields)


def _reviewed(sales_head, verdict: str = "confirmed", recommendation: str = "scale", **fields) -> Experiment:
    experiment = _ended(**fields)
    review_file(
        experiment=experiment,
        by=sales_head,
        verdict=verdict,
        summary="The numbers agree.",
        loss_reasons="",
        recommendation=recommendation,
    )
    return experiment


@pytest.fixture
def company(marketer, sales_head):
    """Two of each status, one of each pair about zebras."""
    made = {
        "draft": [ExperimentFactory.create(title="Zebra draft"), ExperimentFactory.create(title="Webinar draft")],
        "running": [
            ExperimentFactory.create(running=True, title="Zebra running", utm_campaign="zebra_run"),
            ExperimentFactory.create(running=True, title="Events running"),
        ],
        "awaiting_review": [_ended(title="Ended zebra test"), _ended(title="Ended events test")],
        "reviewed": [
            _reviewed(sales_head, title="Reviewed zebra"),
            _reviewed(sales_head, "not_confirmed", "adjust_positioning", title="Reviewed webinar"),
        ],
    }
    cancelled = [
        ExperimentFactory.create(title="Cancelled zebra", owner=marketer),
        ExperimentFactory.create(title="Old idea", owner=marketer),
    ]
    for experiment in cancelled:
        experiment_cancel(experiment=experiment, by=marketer)
    made["cancelled"] = cancelled
    return made


def _tabs(response) -> dict[str, int]:
    return {tab["label"]: tab["count"] for tab in response.context["tabs"]}


def test_tabs_count_every_effective_status(web_client, founder, company):
    response = web_client(founder).get("/experiments/")
    assert _tabs(response) == {
        "All": 10,
        "Running": 2,
        "Awaiting review": 2,
        "Reviewed": 2,
        "Drafts": 2,
        "Cancelled": 2,
    }
    html = response.content.decode()
    assert 'aria-current="page">All <span class="tab-count">10</span>' in html


def test_tab_counts_follow_the_search_and_a_tab_keeps_it(web_client, founder, company):
    client = web_client(founder)
    response = client.get("/experiments/", {"q": "zebra"})
    assert _tabs(response) == {
        "All": 5,
        "Running": 1,
        "Awaiting review": 1,
        "Reviewed": 1,
        "Drafts": 1,
        "Cancelled": 1,
    }
    awaiting = next(tab for tab in response.context["tabs"] if tab["label"] == "Awaiting review")
    assert awaiting["url"] == "/experiments/?q=zebra&status=awaiting_review"
    response = client.get(awaiting["url"])
    assert [row["experiment"].title for row in response.context["rows"]] == ["Ended zebra test"]
    assert _tabs(response)["All"] == 5  # the tab narrows the rows, not the counts


def test_search_reads_the_title_the_hypothesis_and_the_utm_campaign(web_client, founder):
    ExperimentFactory.create(title="Webinars", hypothesis="Parents of students buy the course.", utm_campaign="web_1")
    ExperimentFactory.create(title="Partners", utm_campaign="PARTNER_dec")
    ExperimentFactory.create(title="Events")
    client = web_client(founder)

    def titles(q: str) -> list[str]:
        return sorted(row["experiment"].title for row in client.get("/experiments/", {"q": q}).context["rows"])

    assert titles("parents") == ["Webinars"]
    assert titles("partner_d") == ["Partners"]
    assert titles("EVENTS") == ["Events"]


def _titles(response) -> list[str]:
    return [row["experiment"].title for row in response.context["rows"]]


def test_sorting_by_cpl_compares_amounts_and_puts_the_unknown_last(web_client, founder):
    for title, cpl in (("Dear", "1234.50"), ("Cheap", "999.00"), ("Unknown", None), ("Mid", "1000.00")):
        snapshot_for(ExperimentFactory.create(running=True, title=title), leads_total=10, cpl=cpl)
    client = web_client(founder)
    assert _titles(client.get("/experiments/", {"ordering": "cpl"})) == ["Cheap", "Mid", "Dear", "Unknown"]
    assert _titles(client.get("/experiments/", {"ordering": "-cpl"})) == ["Dear", "Mid", "Cheap", "Unknown"]


def test_sorting_by_leads_non_target_title_and_dates(web_client, founder):
    def days_ago(days: int) -> dt.date:
        return TODAY() - dt.timedelta(days=days)

    a = ExperimentFactory.create(running=True, title="beta", start_date=days_ago(3), test_period_days=10)
    b = ExperimentFactory.create(running=True, title="Alpha", start_date=days_ago(1), test_period_days=30)
    c = ExperimentFactory.create(title="gamma", start_date=days_ago(2), test_period_days=7)
    snapshot_for(a, leads_total=9, judged_leads=4, non_target_leads=1, non_target_share=0.25)
    snapshot_for(b, leads_total=120, judged_leads=10, non_target_leads=7, non_target_share=0.7)
    client = web_client(founder)

    def order(ordering: str) -> list[str]:
        return _titles(client.get("/experiments/", {"ordering": ordering}))

    assert order("-leads") == ["Alpha", "beta", "gamma"]  # 120 before 9: numbers, not text
    assert order("non_target") == ["beta", "Alpha", "gamma"]
    assert order("title") == ["Alpha", "beta", "gamma"]  # letter case ignored
    assert order("start") == ["beta", "gamma", "Alpha"]
    assert order("end") == ["gamma", "beta", "Alpha"]
    assert order("-start") == _titles(client.get("/experiments/")) == ["Alpha", "gamma", "beta"]
    assert c.pk  # a draft without a snapshot sorts last by a metric either way


def test_sorting_by_status_follows_the_life_of_an_experiment(web_client, founder, company):
    response = web_client(founder).get("/experiments/", {"ordering": "status"})
    statuses = [row["lock"].status for row in response.context["rows"]]
    assert statuses == ["draft"] * 2 + ["running"] * 2 + ["awaiting_review"] * 2 + ["reviewed"] * 2 + ["cancelled"] * 2


def test_headers_link_to_the_other_direction_and_say_how_the_list_is_sorted(web_client, founder):
    ExperimentFactory.create(title="One")
    client = web_client(founder)
    html = client.get("/experiments/").content.decode()
    # Newest start first unless asked otherwise.
    assert (
        '<th scope="col" aria-sort="descending"><a class="sort-link" href="/experiments/?ordering=start">Start' in html
    )
    assert 'href="/experiments/?ordering=title">Experiment' in html
    html = client.get("/experiments/", {"ordering": "cpl", "q": "One", "page": "1"}).content.decode()
    assert 'aria-sort="ascending"><a class="sort-link" href="/experiments/?q=One&amp;ordering=-cpl">CPL' in html
    assert html.count("aria-sort=") == 1


def test_a_bad_order_filters_and_sorts_nothing(web_client, founder):
    ExperimentFactory.create(title="One")
    response = web_client(founder).get("/experiments/", {"ordering": "password", "q": "nothing like it"})
    assert response.status_code == 200
    assert _titles(response) == ["One"]


def test_pills_say_why(web_client, founder, sales_head):
    running = ExperimentFactory.create(running=True, title="Running one", start_date=TODAY() - dt.timedelta(days=5))
    ended = _ended(title="Ended one")
    reviewed = _reviewed(sales_head, "not_confirmed", "adjust_positioning", title="Reviewed one")
    draft = ExperimentFactory.create(title="Draft one")
    response = web_client(founder).get("/experiments/")
    html = response.content.decode()
    rows = {row["experiment"].pk: row for row in response.context["rows"]}

    ends = running.ends_on.strftime("%b. %-d, %Y").replace("May.", "May")
    assert rows[running.pk]["status_tip"] == f"Running: test period until {ends}, 25 days left."
    assert rows[running.pk]["lock_tip"].startswith("Locked: the test period ends on")
    assert rows[ended.pk]["status_tip"].startswith("Awaiting review: the period ended on ")
    assert "File the review by" in rows[ended.pk]["status_tip"] or "overdue" in rows[ended.pk]["status_tip"]
    assert rows[reviewed.pk]["status_tip"].startswith("Reviewed on ")
    assert "not confirmed; recommendation: adjust positioning." in rows[reviewed.pk]["status_tip"]
    assert rows[draft.pk]["status_tip"].startswith("Draft: not launched yet")
    # The verdict on the pill; the reason in a title and in a tooltip the pill points to, focusable.
    assert ">Reviewed · not confirmed</span>" in html
    tip = f'id="status-tip-{running.pk}"'
    assert (
        f'tabindex="0" title="Running: test period until {ends}, 25 days left." aria-describedby="status-tip-' in html
    )
    assert f'<span class="tip" role="tooltip" {tip}>Running: test period until' in html
    assert f'aria-describedby="lock-tip-{running.pk}"' in html


def test_the_cancellation_reason_is_the_tip_of_a_cancelled_pill(web_client, founder, marketer):
    experiment = ExperimentFactory.create(owner=marketer, title="Stopped")
    experiment_cancel(experiment=experiment, by=marketer, reason="The partner withdrew.")
    response = web_client(founder).get("/experiments/")
    tip = response.context["rows"][0]["status_tip"]
    assert tip.startswith("Cancelled on ") and tip.endswith(": The partner withdrew.")


def test_list_query_count_does_not_grow_with_reviewed_rows(web_client, founder, sales_head, count_queries):
    client = web_client(founder)
    for _ in range(2):
        snapshot_for(_reviewed(sales_head), leads_total=3)
        snapshot_for(ExperimentFactory.create(running=True), leads_total=5, judged_leads=4, non_target_leads=1)
    url = "/experiments/?ordering=status&q=Hypothesis"
    few = count_queries(client.get, url)
    for _ in range(6):
        snapshot_for(_reviewed(sales_head), leads_total=3)
        snapshot_for(ExperimentFactory.create(running=True), leads_total=5, judged_leads=4, non_target_leads=1)
        ExperimentFactory.create()
    assert count_queries(client.get, url) == few


# --- The list as a file -------------------------------------------------------------------------


@pytest.fixture
def two_measured(sales_head):
    channel = ChannelFactory.create(name="Partner mailings", slug="partner-mailings")
    reviewed = _reviewed(sales_head, title="=HYPERLINK(1)", utm_campaign="partner_a", channel=channel)
    snapshot_for(
        reviewed,
        leads_total=248,
        judged_leads=200,
        non_target_leads=50,
        non_target_share=0.25,
        mql=100,
        sql=40,
        customers=10,
        marketing_spend="150000.00",
        cpl="604.84",
        cac="15000.00",
        revenue="450000.00",
        romi=2.0,
    )
    draft = ExperimentFactory.create(title="Partner draft", utm_campaign="partner_b", channel=channel)
    ExperimentFactory.create(title="Unrelated")
    return reviewed, draft


HEADER = [
    "Experiment",
    "utm_campaign",
    "Channel",
    "Owner",
    "Start date",
    "Ends on",
    "Status",
    "Verdict",
    "Leads",
    "Judged leads",
    "Non-target share",
    "MQL",
    "SQL",
    "Customers",
    "Marketing spend",
    "Cost per lead (CPL)",
    "Customer acquisition cost (CAC)",
    "Revenue",
    "ROMI",
]


def test_csv_export_has_the_filtered_sorted_rows_with_their_metrics(web_client, founder, two_measured):
    reviewed, _draft = two_measured
    response = web_client(founder).get("/experiments/export.csv", {"q": "partner_", "ordering": "title"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="experiments-{TODAY().isoformat()}.csv"'
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    header, *rows = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    assert header == HEADER
    assert [row[0] for row in rows] == ["'=HYPERLINK(1)", "Partner draft"]  # sorted by title; escaped
    assert rows[0][1:] == [
        "partner_a",
        "Partner mailings",
        reviewed.owner.username,
        reviewed.start_date.isoformat(),
        reviewed.ends_on.isoformat(),
        "Reviewed",
        "Confirmed",
        "248",
        "200",
        "0.2500",
        "100",
        "40",
        "10",
        "150000.00",
        "604.84",
        "15000.00",
        "450000.00",
        "2.0000",
    ]
    assert rows[1][6:8] == ["Draft", ""]
    assert rows[1][8:] == [""] * 11  # no snapshot yet: no numbers, not zeros


def test_xlsx_export_has_numbers_as_numbers_and_dates_as_dates(web_client, founder, two_measured):
    reviewed, _draft = two_measured
    response = web_client(founder).get("/experiments/export.xlsx", {"status": "reviewed"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [cell.value for cell in sheet[1]] == HEADER
    assert sheet.max_row == 2
    row = [cell.value for cell in sheet[2]]
    assert row[0] == "'=HYPERLINK(1)"
    assert row[4] == dt.datetime.combine(reviewed.start_date, dt.time())
    assert row[8:10] == [248, 200]
    assert row[10] == pytest.approx(0.25)
    assert row[14] == 150000 and sheet.cell(2, 15).number_format == "#,##0.00"
    assert sheet.cell(2, 11).number_format == "0.0%"


def test_export_query_count_does_not_grow_with_rows(web_client, founder, sales_head, count_queries):
    client = web_client(founder)
    for _ in range(2):
        snapshot_for(_reviewed(sales_head), leads_total=3)
        snapshot_for(ExperimentFactory.create(running=True), leads_total=5, judged_leads=4, non_target_leads=1)
    few = {fmt: count_queries(client.get, f"/experiments/export.{fmt}") for fmt in ("csv", "xlsx")}
    for _ in range(6):
        snapshot_for(_reviewed(sales_head), leads_total=3)
        snapshot_for(ExperimentFactory.create(running=True), leads_total=5, judged_leads=4, non_target_leads=1)
        ExperimentFactory.create()
    assert {fmt: count_queries(client.get, f"/experiments/export.{fmt}") for fmt in ("csv", "xlsx")} == few


def test_export_is_for_signed_in_users_and_only_in_two_formats(web_client, founder):
    assert web_client(None).get("/experiments/export.csv").status_code == 302
    assert web_client(founder).get("/experiments/export.pdf").status_code == 404


def test_list_page_links_its_downloads_with_its_filters(web_client, founder):
    ExperimentFactory.create()
    html = web_client(founder).get("/experiments/", {"q": "x", "page": "1"}).content.decode()
    assert 'href="/experiments/export.csv?q=x"' in html
    assert 'href="/experiments/export.xlsx?q=x"' in html
