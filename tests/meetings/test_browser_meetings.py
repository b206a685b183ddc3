"""The meeting page in Debian's Chromium: a sales head opens the sync from the list and reads its
agenda; the scoreboard draws its chart by channel."""

import pytest
from django.utils import timezone

from tests.factories import ChannelFactory
from tests.pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_sales_head_opens_the_sync_and_reads_its_agenda(page, live_server, sales_head, month):
    log_in(page, live_server, "shead")
    page.get_by_role("link", name="Meetings").click()
    page.wait_for_url("**/meetings/")
    sync_row = page.locator("tbody tr", has_text="Marketing + sales sync").first
    assert "2 reviews · 1 win · 1 open question" in sync_row.inner_text()
    sync_row.get_by_role("link", name="Dec. 15, 2026").click()
    page.wait_for_url(f"**/meetings/{month['sync'].pk}/")

    assert page.locator("h1").inner_text().startswith("Marketing + sales sync")
    wins = page.locator("section[aria-labelledby=wins-title]")
    assert "Partner mailings to SMB" in wins.inner_text()
    reviews = page.locator("section[aria-labelledby=reviews-title]")
    assert "No budget; wrong segment." in reviews.inner_text()
    questions = page.locator("section[aria-labelledby=questions-title]")
    questions.get_by_role("link", name="Partner mailings to SMB").click()
    page.wait_for_url(f"**/experiments/{month['partner'].pk}/#questions")


def test_sales_head_writes_the_decisions(page, live_server, sales_head, month):
    log_in(page, live_server, "shead")
    page.goto(f"{live_server.url}/meetings/{month['sync'].pk}/")
    page.get_by_label("Decisions", exact=True).fill("Scale partner mailings to 300,000 in January.")
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("text=Notes and decisions are saved.")
    assert page.get_by_label("Decisions", exact=True).input_value() == "Scale partner mailings to 300,000 in January."


def test_scoreboard_draws_leads_and_customers_by_channel(page, live_server, founder):
    from metrics.services import leads_upsert

    ChannelFactory(name="Events", slug="events")
    ChannelFactory(name="Paid search", slug="paid-search")
    now = timezone.localtime().isoformat()
    rows = [{"external_id": f"E-{i}", "created_at": now, "channel": "events"} for i in range(3)]
    rows += [{"external_id": "S-1", "created_at": now, "channel": "paid-search", "won_at": now, "revenue": "10.00"}]
    leads_upsert(rows=rows)
    log_in(page, live_server, "founder")
    page.get_by_role("link", name="Scoreboard", exact=True).click()
    page.wait_for_function("() => window.Chart && Chart.getChart(document.querySelector('#chart-channels'))")
    chart = "Chart.getChart(document.querySelector('#chart-channels'))"
    assert page.evaluate(f"() => {chart}.data.labels") == ["Events", "Paid search"]
    assert page.evaluate(f"() => {chart}.data.datasets[0].data") == [3, 1]
    assert page.evaluate(f"() => {chart}.data.datasets[1].data") == [0, 1]
