"""The pages in Debian's Chromium against a live server: what a marketer, a sales head and a Russian
speaker see. Skipped (with the reason) only where Chromium is not installed."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import ChannelFactory
from tests.pages import log_in, snapshot_for

# transaction=True: the live server reads what the test writes from another thread. The flush after
# each test would drop the roles and the first regulation (data migrations); serialized_rollback
# puts them back before each test.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_marketer_registers_launches_and_sees_it_on_the_dashboard(page, live_server, marketer):
    ChannelFactory.create(name="Partner mailings", slug="partner-mailings")
    log_in(page, live_server, "alice")

    page.get_by_role("link", name="Register experiment").first.click()
    page.get_by_label("Title").fill("Partner mailings to SMB")
    page.get_by_label("Hypothesis").fill("If we mail partners' SMB customers, then we get leads at a CPL below 1500.")
    page.get_by_label("Channel").select_option(label="Partner mailings")
    page.get_by_label("utm_campaign").fill("partner_dec")
    page.get_by_label("Start date").fill(timezone.localdate().isoformat())
    page.get_by_label("Max CPL").fill("1500")
    page.get_by_role("button", name="Save as draft").click()

    page.wait_for_selector("text=The draft is saved")
    assert page.locator("h1").inner_text().startswith("Partner mailings to SMB")
    page.get_by_role("link", name="Dashboard").click()
    drafts = page.locator("section[aria-labelledby=drafts-title]")
    assert "Partner mailings to SMB" in drafts.inner_text()

    drafts.get_by_role("link", name="Partner mailings to SMB").click()
    page.get_by_role("link", name="Launch").click()  # asks first
    page.wait_for_selector("text=can no longer be edited")
    page.get_by_role("button", name="Launch").click()
    page.wait_for_selector("text=Launched: the test period has started.")
    page.get_by_role("link", name="Dashboard").click()
    running = page.locator("section[aria-labelledby=running-title]")
    assert "Partner mailings to SMB" in running.inner_text()
    assert "Day 0 of 30" in running.inner_text()
    assert running.locator(".progress").count() == 1


def test_sales_head_sees_why_the_review_is_locked(page, live_server, sales_head, running_experiment):
    log_in(page, live_server, "shead")
    page.goto(f"{live_server.url}/experiments/{running_experiment.pk}/")
    page.get_by_role("link", name="Prepare the review").click()

    lock = page.locator("section.lockbox")
    text = lock.inner_text()
    assert "Locked: the test period ends on" in text
    assert "25 days left" in text
    assert "exceed 30% with enough evidence" in text
    assert page.get_by_role("button", name="File the review").is_disabled()


def test_sales_head_files_a_review_through_the_dialog_at_phone_width(browser, live_server, sales_head):
    """390 px wide, keyboard only once the form is filled: the dialog shows the answers, Escape goes
    back to the form, Enter on the focused button files."""
    from experiments.models import Review
    from tests.factories import ExperimentFactory

    ended = ExperimentFactory.create(
        running=True, title="Ended test", start_date=timezone.localdate() - dt.timedelta(days=40)
    )
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        log_in(page, live_server, "shead")
        page.goto(f"{live_server.url}/experiments/{ended.pk}/")
        assert page.locator(".checklist").is_visible()
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390  # nothing overflows
        page.get_by_role("link", name="File the review").click()
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390

        page.get_by_label("Not confirmed").check()
        page.get_by_label("Summary").fill("Leads came from outside our segment.")
        page.get_by_label("Recommendation").select_option("adjust_positioning")
        page.get_by_role("button", name="File the review").click()

        dialog = page.get_by_role("dialog", name="File this review?")
        dialog.wait_for()
        assert "Adjust positioning" in dialog.inner_text()
        assert "Leads came from outside our segment." in dialog.inner_text()
        box = dialog.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
        page.keyboard.press("Escape")
        dialog.wait_for(state="hidden")
        assert not Review.objects.exists()
        assert page.evaluate("() => document.activeElement.textContent.trim()") == "File the review"

        page.keyboard.press("Enter")  # the focused submit button opens the dialog again
        dialog.wait_for()
        assert page.evaluate("() => document.activeElement.dataset.action") == "confirm"
        page.keyboard.press("Enter")
        page.wait_for_selector("text=The review is filed.")
        assert Review.objects.get().verdict == "not_confirmed"
    finally:
        context.close()


def test_a_contradicting_recommendation_is_ticked_before_the_dialog(page, live_server, sales_head):
    from experiments.models import Review
    from tests.factories import ExperimentFactory

    ended = ExperimentFactory.create(running=True, start_date=timezone.localdate() - dt.timedelta(days=40))
    log_in(page, live_server, "shead")
    page.goto(f"{live_server.url}/experiments/{ended.pk}/review/")
    page.get_by_label("Not confirmed").check()
    page.get_by_label("Summary").fill("Few buyers.")
    page.get_by_label("Recommendation").select_option("scale")
    page.get_by_role("button", name="File the review").click()

    page.wait_for_selector("text=yet the recommendation is to scale it")  # the server asks, no dialog
    assert not page.get_by_role("dialog").is_visible()
    page.get_by_label("Yes, this is what I recommend").check()
    page.get_by_role("button", name="File the review").click()
    dialog = page.get_by_role("dialog", name="File this review?")
    dialog.wait_for()
    dialog.get_by_role("button", name="File the review").click()
    page.wait_for_selector("text=The review is filed.")
    assert (Review.objects.get().verdict, Review.objects.get().recommendation) == ("not_confirmed", "scale")


def test_experiment_page_draws_its_charts(page, live_server, founder, running_experiment):
    from metrics.services import leads_upsert

    start = running_experiment.start_date
    rows = [
        {
            "external_id": f"L-{i}",
            "created_at": dt.datetime.combine(start + dt.timedelta(days=i % 3), dt.time(12)).isoformat() + "+03:00",
            "utm_campaign": running_experiment.utm_campaign,
            "is_target": i % 4 != 0,
        }
        for i in range(9)
    ]
    leads_upsert(rows=rows)
    snapshot_for(running_experiment, leads_total=9, judged_leads=9, non_target_leads=3, mql=4, sql=2, customers=1)
    log_in(page, live_server, "founder")
    page.goto(f"{live_server.url}/experiments/{running_experiment.pk}/")
    for canvas in ("#chart-daily", "#chart-share", "#chart-funnel"):
        page.wait_for_function(f"() => window.Chart && Chart.getChart(document.querySelector('{canvas}'))")
    bars = page.evaluate("() => Chart.getChart(document.querySelector('#chart-daily')).data.datasets[0].data")
    assert bars == [3, 3, 3]
    threshold = page.evaluate("() => Chart.getChart(document.querySelector('#chart-share')).data.datasets[1].data")
    assert set(threshold) == {0.3}
    # The same numbers as a table for screen readers.
    assert page.locator("table.sr-only tbody tr").count() == 3


def test_switching_to_russian(page, live_server, marketer):
    log_in(page, live_server, "alice")
    page.get_by_role("button", name="Русский").click()
    page.wait_for_selector("html[lang=ru]")
    assert page.locator("h1").inner_text() == "Панель"
    assert page.get_by_role("link", name="Эксперименты").is_visible()
    page.get_by_role("button", name="English").click()
    page.wait_for_selector("html[lang=en]")
    assert page.locator("h1").inner_text() == "Dashboard"


@pytest.mark.worker
def test_csv_import_progress_is_polled_until_done_with_the_error_report(
    page, live_server, sales_head, celery_worker, tmp_path
):
    csv = tmp_path / "crm-export.csv"
    csv.write_text(
        "external_id;created_at;utm_campaign;is_target\n"
        "L-1;2026-11-02T10:00:00+03:00;partner_dec;true\n"
        "L-2;2026-11-02T11:00:00+03:00;partner_dec;false\n"
        "L-3;not a date;partner_dec;true\n",
        encoding="utf-8",
    )
    log_in(page, live_server, "shead")
    page.get_by_role("link", name="Imports").click()
    page.get_by_label("Export file").set_input_files(str(csv))
    page.get_by_role("button", name="Upload and preview").click()
    page.wait_for_url("**/imports/preview/*/*")
    assert page.get_by_label("External id").input_value() == "external_id"  # today's columns, proposed
    page.get_by_role("button", name="Import").click()

    # The job's page polls the API; once the job is done it reloads with the per-line error report.
    page.wait_for_url("**/imports/*/")
    page.wait_for_selector("#errors ~ .errors-report", timeout=120_000)
    assert page.locator("[data-role=status]").inner_text() == "Done"
    assert page.locator("[role=progressbar]").get_attribute("aria-valuenow") == "100.0"
    report = page.locator(".errors-report").inner_text()
    assert "created_at" in report
    assert "4" in page.locator(".errors-report td.num").first.inner_text()  # the header is line 1
    assert "2 imported, 1 failed of 3 rows" in page.locator("[data-role=counts]").inner_text()


def test_running_import_page_follows_the_job_through_the_api(page, live_server, marketer):
    from metrics.models import ImportJob

    job = ImportJob.objects.create(
        file="imports/big.csv", original_name="big.csv", status=ImportJob.Status.RUNNING, progress=0.5, rows_total=10
    )
    log_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/imports/{job.pk}/")
    assert page.locator("[role=progressbar]").get_attribute("aria-valuenow") == "50.0"

    ImportJob.objects.filter(pk=job.pk).update(progress=0.8, rows_ok=8)
    page.wait_for_selector("[data-role=counts]:has-text('8 imported, 0 failed of 10 rows')")
    assert page.locator("[data-role=status]").inner_text() == "Running"

    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.DONE,
        progress=1,
        rows_ok=9,
        rows_failed=1,
        errors=[{"line": 7, "errors": {"won_at": ["won_at is before created_at."]}}],
    )
    page.wait_for_selector(".errors-report")  # reloaded by the script once the job finished
    assert "won_at is before created_at." in page.locator(".errors-report").inner_text()
    assert page.locator("[data-role=status]").inner_text() == "Done"
