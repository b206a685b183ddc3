"""Spend entered on the experiment page in Debian's Chromium, on a phone and on a desktop: the row
appears with its amount as the reader's locale writes it, nothing overflows the page sideways, and
deleting asks first in a dialog."""

from decimal import Decimal
from typing import Any

import pytest

from metrics.models import Spend
from tests.factories import ExperimentFactory
from tests.pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def overflow(page) -> int:
    """How far the page reaches past the viewport sideways (0: it does not)."""
    return int(page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth"))


WORDS: dict[str, dict[str, Any]] = {
    "en": {
        "empty": "No spend recorded yet",
        "labels": ("Date", "Kind", "Amount", "Visits"),
        "marketing": "Marketing",
        "add": "Add spend",
        "added": "The spend is added",
        "amount": "12,500.50",
        "visits": "1,200",
        "delete": "Delete",
        "back": "Back",
        "deleted": "The spend row is deleted",
    },
    "ru": {
        "empty": "Расходов пока нет",
        "labels": ("Дата", "Вид", "Сумма", "Визиты"),
        "marketing": "Маркетинг",
        "add": "Добавить расходы",
        "added": "Расходы добавлены",
        "amount": "12 500,50",
        "visits": "1 200",
        "delete": "Удалить",
        "back": "Назад",
        "deleted": "Строка расходов удалена",
    },
}


def text(locator) -> str:
    """The text as read, with no-break spaces (thousands in Russian) as plain ones."""
    return str(locator.inner_text()).replace("\u00a0", " ").replace("\u202f", " ")


@pytest.mark.parametrize(("width", "language"), [(390, "en"), (1280, "en"), (390, "ru")])
def test_marketer_adds_and_deletes_spend_on_the_experiment_page(browser, live_server, marketer, width, language):
    words = WORDS[language]
    experiment = ExperimentFactory.create(running=True, owner=marketer, title="Partner mailings to SMB")
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(60_000)  # returns as soon as the page is ready; only bounds a hang
    try:
        log_in(page, live_server, "alice")
        page.goto(f"{live_server.url}/experiments/{experiment.pk}/")
        if language == "ru":
            page.get_by_role("button", name="Русский").click()
            page.wait_for_selector("html[lang=ru]")
        spend = page.locator("section#spend")
        assert words["empty"] in spend.inner_text()
        assert overflow(page) == 0

        form = spend.locator("form.spend-form")
        date, kind, amount, visits = (form.get_by_label(label) for label in words["labels"])
        date.fill("2026-12-02")
        kind.select_option(label=words["marketing"])
        amount.fill("12 500,50")
        visits.fill("1 200")
        form.get_by_role("button", name=words["add"]).click()

        page.wait_for_selector(f"text={words['added']}")
        assert page.url.endswith(f"/experiments/{experiment.pk}/#spend")
        row = spend.locator("tbody tr")
        assert row.count() == 1
        assert words["amount"] in text(row) and words["visits"] in text(row)
        assert overflow(page) == 0
        assert Spend.objects.get().amount == Decimal("12500.50")

        # Deleting asks first; going back leaves the row alone.
        dialog = page.locator("#spend-delete-dialog")
        row.get_by_role("link", name=words["delete"]).click()
        assert dialog.is_visible() and words["amount"] in text(dialog)
        assert overflow(page) == 0
        dialog.get_by_role("button", name=words["back"]).click()
        assert not dialog.is_visible() and Spend.objects.count() == 1
        row.get_by_role("link", name=words["delete"]).click()
        dialog.get_by_role("button", name=words["delete"]).click()
        page.wait_for_selector(f"text={words['deleted']}")
        assert spend.locator("tbody tr").count() == 0 and not Spend.objects.exists()
    finally:
        context.close()
