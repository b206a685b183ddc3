"""The experiment list, the funnel and an experiment's leads in Debian's Chromium, on a phone (390 px)
and a desktop (1280 px): nothing overflows the page sideways, and the tabs, the sort links and the
pills' reasons are reached with the keyboard alone."""

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from django.utils import timezone

from experiments.services.reviews import review_file
from metrics.services import leads_upsert
from tests.factories import ChannelFactory, ExperimentFactory
from tests.pages import log_in, snapshot_for

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WIDTHS = [390, 1280]
OVERFLOWS = "() => document.documentElement.scrollWidth > window.innerWidth"


@pytest.fixture(params=WIDTHS, ids=lambda width: f"{width}px")
def screen(request, browser) -> Iterator["Page"]:
    context = browser.new_context(viewport={"width": request.param, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(60_000)  # returns as soon as the page is ready; only bounds a hang
    yield page
    context.close()


@pytest.fixture
def experiments(marketer, sales_head):
    """A running test with long words, one awaiting review, one reviewed with its verdict."""
    channel = ChannelFactory.create(name="Partner mailings to small and medium businesses", slug="partner-mailings")
    today = timezone.localdate()
    running = ExperimentFactory.create(
        running=True,
        owner=marketer,
        channel=channel,
        title="Partner mailings to small and medium businesses in the regions",
        utm_campaign="partner_mailings_smb_regions_december_2026",
        start_date=today - dt.timedelta(days=5),
    )
    snapshot_for(
        running, leads_total=1234, judged_leads=1000, non_target_leads=250, non_target_share=0.25, cpl="1234.50"
    )
    ExperimentFactory.create(running=True, title="Ended webinar", start_date=today - dt.timedelta(days=40))
    reviewed = ExperimentFactory.create(running=True, title="Reviewed events", start_date=today - dt.timedelta(days=40))
    review_file(
        experiment=reviewed,
        by=sales_head,
        verdict="confirmed",
        summary="Good leads.",
        loss_reasons="",
        recommendation="scale",
    )
    for i in range(3):
        ExperimentFactory.create(title=f"Draft {i}")
    return running


def _focus_by_tab(page, selector: str, *, presses: int = 60) -> None:
    """Press Tab until the element matching `selector` has the focus, as a keyboard user would."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} was not reached with the Tab key")


def test_experiment_list_fits_and_works_from_the_keyboard(screen, live_server, founder, experiments):
    page = screen
    log_in(page, live_server, "founder")
    page.goto(f"{live_server.url}/experiments/")
    assert not page.evaluate(OVERFLOWS)
    tabs = page.get_by_role("navigation", name="Experiments by status")
    assert tabs.get_by_role("link", name="All 6").get_attribute("aria-current") == "page"

    # The "Awaiting review" tab, then the sort by CPL, with the keyboard.
    _focus_by_tab(page, "nav.tabs a[href*='status=awaiting_review']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/experiments/?status=awaiting_review")
    assert page.locator("tbody tr").count() == 1
    assert "Ended webinar" in page.locator("tbody").inner_text()
    assert not page.evaluate(OVERFLOWS)

    page.goto(f"{live_server.url}/experiments/")
    _focus_by_tab(page, "th a.sort-link[href$='ordering=cpl']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/experiments/?ordering=cpl")
    assert page.locator("th[aria-sort]").inner_text().startswith("CPL")
    assert page.locator("th[aria-sort]").get_attribute("aria-sort") == "ascending"
    assert page.locator("tbody tr").first.locator("td").first.inner_text().startswith("Partner mailings")

    # A pill says why on focus, and the reviewed one carries its verdict.
    pill = page.locator(f"#status-tip-{experiments.pk}")
    assert not pill.is_visible()
    _focus_by_tab(page, f"[aria-describedby='status-tip-{experiments.pk}']")
    pill.wait_for(state="visible")
    assert pill.inner_text().startswith("Running: test period until")
    assert page.get_by_text("Reviewed · confirmed").is_visible()
    assert not page.evaluate(OVERFLOWS)


def test_funnel_table_and_tooltips_on_the_experiment_page(screen, live_server, founder, experiments):
    page = screen
    snapshot_for(experiments, leads_total=248, judged_leads=200, non_target_leads=50, mql=100, sql=40, customers=10)
    log_in(page, live_server, "founder")
    page.goto(f"{live_server.url}/experiments/{experiments.pk}/")
    page.wait_for_function("() => window.Chart && Chart.getChart(document.querySelector('#chart-funnel'))")
    assert not page.evaluate(OVERFLOWS)

    table = page.locator("#funnel-table")
    assert table.is_visible()
    rows = [row.inner_text().split("\t") for row in table.locator("tbody tr").all()]
    assert [row[0].strip() for row in rows] == ["Leads", "Judged target", "MQL", "SQL", "Customers"]
    assert [cell.strip() for cell in rows[2][1:]] == ["100", "66.7%", "40.3%", "50 (33.3%)"]

    lines = page.evaluate(
        """() => {
            const chart = Chart.getChart(document.querySelector('#chart-funnel'));
            const point = {dataIndex: 2, parsed: {x: chart.data.datasets[0].data[2]}};
            const callbacks = chart.options.plugins.tooltip.callbacks;
            return [callbacks.label(point), ...callbacks.afterLabel(point)];
        }"""
    )
    assert lines == ["100", "From the previous step: 66.7%", "From leads: 40.3%", "Lost: 50 (33.3%)"]

    _focus_by_tab(page, "#funnel-table a[href$='stage=mql']", presses=120)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/experiments/{experiments.pk}/leads/?stage=mql")


def test_leads_page_fits_and_its_stage_tabs_work_from_the_keyboard(screen, live_server, sales_head, experiments):
    page = screen
    day = dt.datetime.combine(experiments.start_date, dt.time(12)).isoformat() + "+03:00"
    rows = [
        {
            "external_id": f"crm-lead-with-a-long-identifier-{i}",
            "created_at": day,
            "utm_campaign": experiments.utm_campaign,
            "is_target": i % 3 != 0,
            "disqualify_reason": "Students looking for a free course, not business owners" if i % 3 == 0 else "",
        }
        for i in range(9)
    ]
    assert leads_upsert(rows=rows).errors == []
    log_in(page, live_server, "shead")
    page.goto(f"{live_server.url}/experiments/{experiments.pk}/leads/")
    assert page.locator("tbody tr").count() == 9
    assert not page.evaluate(OVERFLOWS)

    _focus_by_tab(page, "nav.tabs a[href$='stage=non_target']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/leads/?stage=non_target")
    assert page.locator("tbody tr").count() == 3
    assert "Students looking for a free course" in page.locator("tbody").inner_text()
    current = page.locator("nav.tabs a[aria-current=page]")
    assert current.inner_text().replace("\n", " ") == "Non-target leads 3"
    assert not page.evaluate(OVERFLOWS)
