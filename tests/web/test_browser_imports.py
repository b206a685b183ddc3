"""An amoCRM export imported in Debian's Chromium with the keyboard alone: upload, the preview's
drop-downs changed with the arrow keys, the import confirmed with Enter, the job followed to its end
by a real Celery worker."""

import datetime as dt

import pytest

from metrics.models import ImportJob, Lead
from tests.factories import ExperimentFactory
from tests.metrics.test_import_api import AMO_HEADER, AMO_ROWS
from tests.pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Enough presses to reach any control of the preview from where the focus is.
MAX_TABS = 120


def focused(page) -> dict[str, str]:
    element: dict[str, str] = page.evaluate(
        """() => { const el = document.activeElement;
                   return {tag: el.tagName.toLowerCase(), name: el.name || '', type: el.type || '',
                           text: (el.textContent || '').trim(), value: el.value || '',
                           label: el.labels && el.labels[0] ? el.labels[0].textContent.trim() : ''}; }"""
    )
    return element


def tab_to(page, wanted, *, backwards: bool = False) -> dict[str, str]:
    """Press Tab (or Shift+Tab) until the focused element is the one `wanted(element)` names."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        element = focused(page)
        if wanted(element):
            return element
    raise AssertionError(f"the keyboard never reached it; the focus is on {focused(page)}")


@pytest.mark.worker
def test_an_amocrm_export_is_previewed_and_imported_with_the_keyboard_alone(
    browser, live_server, marketer, celery_worker, tmp_path
):
    ExperimentFactory.create(running=True, owner=marketer, utm_campaign="partner_dec", start_date=dt.date(2026, 12, 1))
    export = tmp_path / "amocrm-december.csv"
    export.write_bytes(("\n".join([AMO_HEADER, *AMO_ROWS]) + "\n").encode("cp1251"))
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        log_in(page, live_server, "alice")
        page.goto(f"{live_server.url}/imports/")
        # The operating system's file dialog stands in for the keyboard here.
        page.get_by_label("Export file").set_input_files(str(export))
        page.get_by_label("Export file").focus()
        assert tab_to(page, lambda el: el.get("type") == "radio")["value"] == "leads"
        assert tab_to(page, lambda el: el["name"] == "preset")["tag"] == "select"
        tab_to(page, lambda el: el["text"] == "Upload and preview")
        page.keyboard.press("Enter")

        page.wait_for_url("**/imports/preview/*/*")
        facts = page.locator("dl.meta").first.inner_text()
        assert "Windows-1251 (cp1251)" in facts and "amoCRM / Kommo" in facts
        talks = page.get_by_label("Переговоры", exact=True)
        first_contact = page.get_by_label("Первичный контакт", exact=True)
        assert talks.input_value() == "" and first_contact.input_value() == ""
        warning = page.locator("tr", has=talks).locator(".value-warning")
        assert warning.is_visible()

        # "Переговоры": — choose — → not judged yet → non-target → MQL → SQL, with the arrow keys.
        tab_to(page, lambda el: el["label"] == "Переговоры")
        for _ in range(4):
            page.keyboard.press("ArrowDown")
        assert talks.input_value() == "sql"
        assert not warning.is_visible()  # the warning follows the drop-down
        tab_to(page, lambda el: el["label"] == "Первичный контакт")
        page.keyboard.press("ArrowDown")
        assert first_contact.input_value() == "new"
        # The won date column was proposed; take the closing date out with the keyboard, then back.
        tab_to(page, lambda el: el["name"] == "column-won_at", backwards=True)
        page.keyboard.press("Home")
        assert page.locator("[name=column-won_at]").input_value() == ""
        page.keyboard.press("End")
        page.keyboard.press("ArrowUp")
        assert page.locator("[name=column-won_at]").input_value() == "Причина отказа"
        page.keyboard.press("ArrowUp")
        assert page.locator("[name=column-won_at]").input_value() == "Дата закрытия"

        tab_to(page, lambda el: el["text"] == "Import")
        assert overflow(page) == 0
        page.keyboard.press("Enter")

        # The job's page follows the import until it is done, then lists its (empty) error report.
        page.wait_for_url("**/imports/*/")
        page.wait_for_selector("text=Every row was imported.", timeout=120_000)
        assert page.locator("[data-role=status]").inner_text() == "Done"
        job = ImportJob.objects.get()
        assert job.options["stages"]["Переговоры"] == "sql" and job.options["stages"]["Первичный контакт"] == "new"
        assert (job.rows_ok, job.rows_failed) == (4, 0)
        assert Lead.objects.get(external_id="103").sql_at is not None
        assert Lead.objects.get(external_id="104").is_target is None
    finally:
        context.close()


def overflow(page) -> int:
    """How far the page reaches past the viewport sideways (0: it does not)."""
    return int(page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth"))
