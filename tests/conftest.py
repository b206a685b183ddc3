"""Shared fixtures: one user per role, API clients, query counts, a real Celery worker and its task runs."""

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.http import HttpResponseBase
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.factories import UserFactory
from tests.task_runs import TaskRuns

if TYPE_CHECKING:
    from celery.worker.worker import WorkController

# Shared scenarios whose fixtures serve tests in several folders.
pytest_plugins = ["tests.pages", "tests.scenarios"]

PASSWORD = "correct-horse-battery"


def _user_in(username: str, *groups: str, **extra):
    user = UserFactory.create(username=username, **extra)
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    return user


@pytest.fixture
def marketer(db):
    return _user_in("alice", "marketer")


@pytest.fixture
def other_marketer(db):
    return _user_in("bob", "marketer")


@pytest.fixture
def marketing_head(db):
    return _user_in("mhead", "marketing_head")


@pytest.fixture
def sales_head(db):
    return _user_in("shead", "sales_head")


@pytest.fixture
def founder(db):
    return _user_in("founder", "founder")


@pytest.fixture
def admin_user(db):
    return _user_in("admin", is_staff=True, is_superuser=True)


@pytest.fixture
def users(marketer, other_marketer, marketing_head, sales_head, founder, admin_user) -> dict[str, User | None]:
    """Every role by name, plus `anonymous` as None, for permission matrices."""
    return {
        "marketer": marketer,
        "other_marketer": other_marketer,
        "marketing_head": marketing_head,
        "sales_head": sales_head,
        "founder": founder,
        "admin": admin_user,
        "anonymous": None,
    }


@pytest.fixture
def client_for() -> Callable[[User | None], APIClient]:
    """`client_for(user)` → an APIClient authenticated by token as that user (None: anonymous)."""

    def make(user) -> APIClient:
        from rest_framework.authtoken.models import Token

        client = APIClient()
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


@pytest.fixture
def count_queries(db) -> Callable[..., int]:
    """`count_queries(call, *args, **kwargs)` -> how many SQL queries `call(*args, **kwargs)` made.

    The one way to assert that a page, an endpoint or a selector costs no query per row: count it
    with a few rows, add many, count again. A response must be a 200, since an error page's count
    says nothing about the page. The SQL is printed: pytest shows it when a comparison fails.
    """

    def count(call: Callable[..., object], *args: object, **kwargs: object) -> int:
        with CaptureQueriesContext(connection) as captured:
            result = call(*args, **kwargs)
        if isinstance(result, HttpResponseBase):
            assert result.status_code == 200, (args, result.status_code)
        print(f"{len(captured)} queries for {getattr(call, '__qualname__', call)}{args}:")
        for query in captured.captured_queries:
            print("   ", query["sql"])
        return len(captured)

    return count


@pytest.fixture
def celery_worker(transactional_db) -> Iterator["WorkController"]:
    """A real Celery worker in this process (threads pool) on the configured broker.

    It uses the test database, so tests that use it must be `transaction=True` (they commit).
    Messages left in the queue by earlier tests are purged first.
    """
    from celery.contrib.testing.worker import start_worker

    from tracker.celery import app

    app.control.purge()
    with start_worker(
        app,
        pool="threads",
        concurrency=2,
        perform_ping_check=False,
        loglevel="WARNING",
        shutdown_timeout=30,
    ) as worker:
        yield worker


@pytest.fixture
def celery_tasks(celery_worker) -> Iterator[TaskRuns]:
    """The worker, and what it ran: `celery_tasks.settle()` waits until every task sent has run."""
    with TaskRuns() as runs:
        yield runs


@pytest.fixture(autouse=True)
def _migration_data(request):
    """Role groups and regulation v1 come from data migrations; a transactional test flushes them,
    and with --reuse-db the next run would start without them. Put them back when missing."""
    marker = request.node.get_closest_marker("django_db")
    transactional = marker.kwargs.get("transaction", False) if marker else "transactional_db" in request.fixturenames
    if marker is None and "db" not in request.fixturenames and not transactional:
        return  # no database in this test
    request.getfixturevalue("transactional_db" if transactional else "db")
    from experiments.models import Regulation

    if not Regulation.objects.exists():
        Regulation.objects.create(version=1)
    for name in ("marketer", "marketing_head", "sales_head", "founder"):
        Group.objects.get_or_create(name=name)


@pytest.fixture(autouse=True)
def _default_language():
    """A request (Accept-Language, the language cookie) activates its language in the thread that
    serves it, which is the test's own: every test starts and ends in the default language."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2 is slow on purpose (seconds per user fixture on a busy machine); tests need no
    resistance to brute force, so they hash with a fast algorithm."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_throttles(settings):
    """The API's rate limits are off: a suite sends far more requests a minute than a client may, and
    the counts would carry over from test to test in the shared cache. tests/tracker/test_security.py
    turns them on where it checks them."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": dict.fromkeys(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]),
    }
