"""Every page reached from the navigation fits a phone (390 px) and a desktop (1280 px) window
without sideways scrolling, in English and Russian, with no error in the browser's console.

Wide content scrolls inside its card (tables in a `.table-scroll` or `.table-wrap`), and visually
hidden tables are clipped; the page itself never grows wider than the window.
"""

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from metrics.services import import_preview, import_profile_create
from tests.metrics.test_import_api import AMO_HEADER, AMO_ROWS
from tests.pages import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WIDTHS = (390, 1280)
# The innermost elements that reach past the window's right edge, to say what widened the page.
OVERFLOWING = """() => [...document.body.querySelectorAll('*')]
  .filter(el => el.getBoundingClientRect().right > window.innerWidth + 0.5)
  .filter(el => ![...el.children].some(child => child.getBoundingClientRect().right > window.innerWidth + 0.5))
  .slice(0, 5)
  .map(el => el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ').join('.') : ''))"""


def pages_of(company: dict[str, Any]) -> list[tuple[str, str]]:
    """(role, path) for every page of the navigation, with the data `company` gives each one."""
    return [
        ("founder", "/"),
        ("marketer", "/"),
        ("sales_head", "/"),
        ("founder", "/experiments/"),
        ("founder", f"/experiments/{company['running'].pk}/"),  # data, targets, charts
        ("founder", f"/experiments/{company['partner'].pk}/"),  # reviewed, with questions
        ("marketer", f"/experiments/{company['draft'].pk}/"),
        ("marketer", "/experiments/new/"),
        ("founder", "/scoreboard/"),
        ("sales_head", "/imports/"),
        ("sales_head", f"/imports/{company['import'].pk}/"),
        ("sales_head", company["preview"]),
        ("sales_head", "/imports/profiles/"),
        ("founder", "/regulation/"),
        ("founder", "/meetings/"),
        ("founder", f"/meetings/{company['sync'].pk}/"),
        ("founder", f"/meetings/{company['founder'].pk}/"),
        ("founder", "/goals/"),
        ("sales_head", f"/experiments/{company['events'].pk}/review/"),  # unlocked, not reviewed yet
        ("admin", "/admin/"),
        ("admin", "/admin/experiments/regulation/add/"),
    ]


@pytest.fixture
def company_with_imports(company, sales_head) -> dict[str, Any]:
    """The company, with an amoCRM export waiting on its preview (long Russian headers and stage
    values, at their widest) and a saved profile."""
    header = AMO_HEADER + ";Ответственный менеджер по работе с ключевыми клиентами в регионах"
    rows = [row + ";Константинопольская Анна Александровна" for row in AMO_ROWS]
    rows.append("105;Сделка 5;;Согласование коммерческого предложения с юридическим отделом;03.12.2026 12:00;;;x")
    text = "\n".join([header, *rows]) + "\n"
    file = SimpleUploadedFile("amocrm-экспорт-сделок-декабрь-2026-все-воронки.csv", text.encode("cp1251"))
    preview = import_preview(file=file, by=sales_head)
    import_profile_create(
        by=sales_head,
        name="amoCRM, отдел продаж по работе с ключевыми клиентами",
        kind="leads",
        preset="amocrm",
        headers=header.split(";"),
        stages={"Согласование коммерческого предложения с юридическим отделом": "sql"},
    )
    return {**company, "preview": f"/imports/preview/{preview['upload']}/?kind=leads"}


def problems_at(browser, live_server, users, company, language: str, width: int) -> list[str]:
    """What is wrong with the pages in one window width: sideways scrolling, console errors, a page
    that does not answer or is not in `language`."""
    context = browser.new_context(
        viewport={"width": width, "height": 900}, locale="ru-RU" if language == "ru" else "en-US"
    )
    page = context.new_page()
    page.set_default_timeout(60_000)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    problems: list[str] = []
    signed_in = None
    for role, path in pages_of(company):
        if role != signed_in:
            context.clear_cookies()
            sign_in(context, live_server, users[role], language=language)
            signed_in = role
        errors.clear()
        response = page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        where = f"{language} {width}px {role} {path}"
        if response is None or response.status != 200:
            problems.append(f"{where}: answered {response and response.status}")
        if page.locator("html").get_attribute("lang") != language:
            problems.append(f"{where}: not in {language}")
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        inner_width = page.evaluate("window.innerWidth")
        if scroll_width > inner_width:
            culprits = ", ".join(page.evaluate(OVERFLOWING))
            problems.append(f"{where}: {scroll_width}px wide in a {inner_width}px window ({culprits})")
        problems += [f"{where}: console: {error}" for error in errors]
    context.close()
    return problems


@pytest.mark.parametrize("language", ["en", "ru"])
def test_every_page_fits_phone_and_desktop_windows_without_console_errors(
    browser, live_server, company_with_imports, users, language
):
    company = company_with_imports
    problems = [
        problem for width in WIDTHS for problem in problems_at(browser, live_server, users, company, language, width)
    ]
    assert problems == []
