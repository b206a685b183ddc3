"""Spend entered on the experiment page in Debian's Chromium, on a phone and on a desktop: the row
appears with its amount as the reader's locale writes it, nothing overflows the page sideways, and
deleting asks first in a dialog."""

import pytest

from metrics.models import Spend
from tests.factories import ExperimentFactory
from tests.pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def overflow(page) -> int:
    """How far the page reaches past the viewport sideways (0: it does not)."""
    return page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")


@pytest.mark.parametrize("width", [390, 1280])
def test_marketer_adds_and_deletes_spend_on_the_experiment_page(browser, live_server, marketer, width):
    experiment = ExperimentFactory(running=True, owner=marketer, title="Partner mailings to SMB")
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(60_000)  # returns as soon as the page is ready; only bounds a hang
    try:
        log_in(page, live_server, "alice")
        page.goto(f"{live_server.url}/experiments/{experiment.pk}/")
        spend = page.locator("section#spend")
        assert "No spend recorded yet" in spend.inner_text()
        assert overflow(page) == 0

        form = spend.locator("form.spend-form")
        form.get_by_label("Date").fill("2026-12-02")
        form.get_by_label("Kind").select_option(label="Marketing")
        form.get_by_label("Amount").fill("12 500,50")
        form.get_by_label("Visits").fill("1 200")
        form.get_by_role("button", name="Add spend").click()

        page.wait_for_selector("text=The spend is added")
        assert page.url.endswith(f"/experiments/{experiment.pk}/#spend")
        row = spend.locator("tbody tr")
        assert row.count() == 1
        assert "12,500.50" in row.inner_text() and "1,200" in row.inner_text()
        assert overflow(page) == 0
        assert Spend.objects.get().amount == 12500.50

        # Deleting asks first; "Back" leaves the row alone.
        dialog = page.locator("#spend-delete-dialog")
        row.get_by_role("link", name="Delete").click()
        assert dialog.is_visible() and "12,500.50" in dialog.inner_text()
        assert overflow(page) == 0
        dialog.get_by_role("button", name="Back").click()
        assert not dialog.is_visible() and Spend.objects.count() == 1
        row.get_by_role("link", name="Delete").click()
        dialog.get_by_role("button", name="Delete").click()
        page.wait_for_selector("text=The spend row is deleted")
        assert spend.locator("tbody tr").count() == 0 and not Spend.objects.exists()
    finally:
        context.close()
