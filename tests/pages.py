"""Fixtures for page tests (registered for the whole suite by tests/conftest.py): a signed-in Django
test client, experiments with metrics, Chromium."""

import datetime as dt
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.test import Client
from django.utils import timezone

from experiments.models import Experiment
from metrics.models import MetricSnapshot
from tests.factories import ChannelFactory, ExperimentFactory

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page


@pytest.fixture
def web_client() -> Callable[..., Client]:
    """`web_client(user)` -> a Django test client with a session for that user (None: anonymous)."""

    def make(user=None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make


def snapshot_for(experiment: Experiment, **data) -> MetricSnapshot:
    """A computed snapshot with the given metrics.md values (the rest empty)."""
    payload = {
        "leads_total": 0,
        "judged_leads": 0,
        "non_target_leads": 0,
        "non_target_share": None,
        "mql": 0,
        "sql": 0,
        "customers": 0,
        "cpl": None,
        "cac": None,
        "romi": None,
        "revenue": "0.00",
        "marketing_spend": "0.00",
        **data,
    }
    snapshot, _ = MetricSnapshot.objects.update_or_create(
        experiment=experiment, defaults={"data": payload, "computed_at": timezone.now()}
    )
    return snapshot


@pytest.fixture
def running_experiment(marketer) -> Experiment:
    """Alice's experiment, 5 days into a 30-day test: locked, 2 of 10 judged leads non-target."""
    experiment = ExperimentFactory.create(
        running=True,
        owner=marketer,
        title="Partner mailings to SMB",
        channel=ChannelFactory(name="Partner mailings", slug="partner-mailings"),
        start_date=timezone.localdate() - dt.timedelta(days=5),
        test_period_days=30,
        targets={"max_cpl": "1500.00", "min_mql": 100},
    )
    snapshot_for(
        experiment,
        leads_total=12,
        judged_leads=10,
        non_target_leads=2,
        non_target_share=0.2,
        mql=6,
        sql=3,
        customers=1,
        cpl="1234.50",
        marketing_spend="14814.00",  # 12 leads at 1,234.50: a CPL needs spend behind it
        romi=0.25,
    )
    return experiment


# --- Chromium, for the browser tests (Debian's package, driven by Playwright) ---

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct-horse-battery"


@pytest.fixture(scope="module")
def browser() -> Iterator["Browser"]:
    if not CHROMIUM.exists():
        # CI sets REQUIRE_BROWSER: there a missing browser is a failure, not a skip.
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is not installed and REQUIRE_BROWSER is set")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test itself
    # are still plain synchronous code.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser) -> Iterator["Page"]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(60_000)  # returns as soon as the page is ready; only bounds a hang
    yield page
    context.close()


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url  # anonymous users see only the login page
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")


def sign_in(context, live_server, user, *, language: str | None = None) -> None:
    """Sign `user` in to a browser context without the log-in form (a session made by Django's test
    client), in `language` when given (the language cookie, as the language switch sets it)."""
    client = Client()
    client.force_login(user)
    cookies = [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    if language:
        cookies.append({"name": "django_language", "value": language, "url": live_server.url})
    context.add_cookies(cookies)
