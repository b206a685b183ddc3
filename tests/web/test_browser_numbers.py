"""Numbers typed the Russian way in Debian's Chromium: a budget of «5 000 000», a max CPL of
«1 500», a share goal of «25 %» are saved, and the share reads back as 25 %."""

from decimal import Decimal

import pytest
from django.utils import timezone

from experiments.models import Experiment
from meetings.models import Goal
from tests.factories import ChannelFactory
from tests.pages import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def russian_page(browser):
    context = browser.new_context(viewport={"width": 390, "height": 900}, locale="ru-RU")
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield context, page
    context.close()


def test_budget_and_max_cpl_typed_with_spaces_are_saved(russian_page, live_server, marketer):
    context, page = russian_page
    ChannelFactory(name="Рассылки партнёров", slug="partner-mailings")
    sign_in(context, live_server, marketer, language="ru")
    page.goto(f"{live_server.url}/experiments/new/")
    page.get_by_label("Название").fill("Рассылки партнёров для малого бизнеса")
    page.get_by_label("Гипотеза").fill("Если партнёры разошлют наше предложение, то получим лиды с CPL ниже 1 500 ₽.")
    page.get_by_label("Канал").select_option(label="Рассылки партнёров")
    page.get_by_label("utm_campaign").fill("partner_dec")
    page.get_by_label("Дата начала").fill(timezone.localdate().isoformat())
    page.get_by_label("Бюджет").fill("5 000 000")
    page.get_by_label("Макс. CPL").fill("1 500")
    page.get_by_role("button", name="Сохранить черновик").click()

    page.wait_for_selector(".msg-success")
    experiment = Experiment.objects.get(utm_campaign="partner_dec")
    assert experiment.budget == Decimal("5000000")
    assert experiment.targets == {"max_cpl": "1500.00"}
    assert "5\u00a0000\u00a0000,00\u00a0₽" in page.locator("dl.meta").inner_text()


def test_a_share_goal_typed_in_percent_is_kept_as_a_fraction_and_shown_in_percent(russian_page, live_server, founder):
    context, page = russian_page
    sign_in(context, live_server, founder, language="ru")
    page.goto(f"{live_server.url}/goals/")
    page.get_by_label("Метрика").select_option(label="Доля нецелевых")
    page.get_by_label("Цель", exact=True).fill("25 %")
    page.get_by_role("button", name="Поставить цель").click()

    page.wait_for_selector(".msg-success")
    assert Goal.objects.get().target == Decimal("0.25")
    shown = page.locator(".goal", has_text="Доля нецелевых").locator(".num").inner_text()
    assert shown.replace("\u00a0", " ").endswith("/ 25 %")
