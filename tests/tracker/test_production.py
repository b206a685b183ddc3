"""Production serving: gunicorn with DEBUG off, static files by WhiteNoise, plain error pages."""

import os
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping

import pytest
from django.test import RequestFactory
from django.views.defaults import server_error

from tests.processes import BASE_DIR, Answer, LocalSite, database_url, free_port, serving
from tests.tracker.test_settings import PRODUCTION

HOST = "tracker.example.com"


class ProxiedSite(LocalSite):
    """The site as the reverse proxy hands requests on: the public host name, and the scheme it
    received them with in X-Forwarded-Proto."""

    def get(self, path: str, headers: Mapping[str, str] | None = None, *, https: bool = True) -> Answer:
        return super().get(path, {**({"X-Forwarded-Proto": "https"} if https else {}), **(headers or {})})


@pytest.fixture(scope="module")
def production_site(django_db_setup, tmp_path_factory) -> Iterator[ProxiedSite]:
    """`make serve`'s steps, by hand: collectstatic, then gunicorn, with the production settings and
    the test database (the pages here read nothing from it)."""
    tmp_path = tmp_path_factory.mktemp("production")
    env = {
        **os.environ,
        **PRODUCTION,
        "DATABASE_URL": database_url(),
        "STATIC_ROOT": str(tmp_path / "static"),
        "PYTHONUNBUFFERED": "1",
    }
    collected = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert collected.returncode == 0, collected.stderr
    site = ProxiedSite(free_port(), host=HOST)
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "tracker.wsgi",
        "--bind",
        f"127.0.0.1:{site.port}",
        "--workers",
        "1",
        "--no-control-socket",
    ]
    with serving(site, command, env=env, log=tmp_path / "gunicorn.log"):
        yield site


def test_gunicorn_serves_pages_and_static_files_with_debug_off(production_site):
    login = production_site.get("/accounts/login/")
    assert login.status == 200
    assert 'name="password"' in login.body
    assert login.getheader("Strict-Transport-Security") == "max-age=31536000; includeSubDomains"
    assert login.getheader("X-Content-Type-Options") == "nosniff"
    assert "script-src 'self'" in [part.strip() for part in login.getheader("Content-Security-Policy").split(";")]

    # The stylesheet under its hashed name, compressed and cached for good by WhiteNoise.
    stylesheet = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', login.body)
    assert stylesheet, login.body
    css = production_site.get(stylesheet.group(1))
    assert css.status == 200
    assert css.getheader("Content-Type").startswith("text/css")
    assert "immutable" in css.getheader("Cache-Control")
    assert ".topbar" in css.body


def test_a_plain_http_request_is_sent_to_https(production_site):
    response = production_site.get("/accounts/login/", https=False)
    assert response.status == 301
    assert response.getheader("Location") == f"https://{HOST}/accounts/login/"


def test_the_404_page_is_friendly_and_shows_no_url_patterns(production_site):
    response = production_site.get("/no-such-page/")
    assert response.status == 404
    assert "Not found" in response.body
    assert "There is no such page or object." in response.body
    for leak in ("URLconf", "tracker.urls", "api/v1/", "Django tried these URL patterns", "DEBUG = True"):
        assert leak not in response.body


def test_the_500_page_renders_without_any_context():
    """Django renders 500.html with no request and no context processors: whatever failed must not
    fail the error page too."""
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong" in body
    assert 'href="/"' in body
