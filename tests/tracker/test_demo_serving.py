"""`make run` serves the demo as production does, DEBUG off, over plain HTTP on this machine: a
wrong address shows the friendly 404 page, never Django's debug page with the URL patterns."""

import os
import sys
from collections.abc import Iterator

import pytest

from tests.processes import LocalSite, database_url, free_port, serving
from tests.tracker.test_settings import manage


@pytest.fixture(scope="module")
def demo_site(django_db_setup, tmp_path_factory) -> Iterator[LocalSite]:
    """The web process of `make run` (Procfile's runserver) with its environment: DEBUG off, DEMO on,
    no key and no hosts given."""
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}}
    env.update({"DEBUG": "false", "DEMO": "true", "DATABASE_URL": database_url(), "PYTHONUNBUFFERED": "1"})
    site = LocalSite(free_port())
    command = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{site.port}", "--noreload"]
    with serving(site, command, env=env, log=tmp_path_factory.mktemp("demo") / "runserver.log"):
        yield site


def test_a_wrong_address_shows_the_friendly_404_page(demo_site):
    response = demo_site.get("/no-such-page/")
    assert response.status == 404
    assert "There is no such page or object." in response.body
    for leak in ("URLconf", "tracker.urls", "Django tried these URL patterns", "DEBUG = True"):
        assert leak not in response.body


def test_the_demo_is_served_over_plain_http_with_its_static_files(demo_site):
    login = demo_site.get("/accounts/login/")
    assert login.status == 200  # no redirect to HTTPS
    assert login.getheader("Strict-Transport-Security") is None
    assert "Secure" not in (login.getheader("Set-Cookie") or "")  # the browser sends it back over HTTP
    assert 'href="/static/css/app.css"' in login.body  # no collectstatic needed
    css = demo_site.get("/static/css/app.css")
    assert css.status == 200
    assert ".topbar" in css.body


def test_the_demo_answers_this_machine_only():
    result = manage("check", DEMO="true", ALLOWED_HOSTS="tracker.example.com")
    assert result.returncode != 0
    assert "DEMO serves this machine only" in result.stderr
    assert manage("check", DEMO="true").returncode == 0
