"""Log-in lockout (django-axes), API throttles (429 with Retry-After), the content security policy."""

import datetime as dt
import re
import uuid
from pathlib import Path

import pytest
import time_machine
from django.conf import settings as django_settings
from django.test import Client, RequestFactory, override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from tests.conftest import PASSWORD
from tests.processes import free_port
from tracker.client_ip import client_ip


def fresh_address() -> str:
    """An address no earlier request came from: throttle counts live in the shared cache."""
    suffix = uuid.uuid4().hex
    return f"2001:db8:{suffix[:4]}:{suffix[4:8]}::{suffix[8:12]}"  # the documentation range


@pytest.fixture
def rates(settings):
    def set_rates(**scopes: str) -> None:
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"anon": None, "user": None, "token": None, **scopes},
        }

    return set_rates


# --- API throttles ------------------------------------------------------------------------------


def assert_throttled(response) -> None:
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "throttled"
    assert body["detail"]
    assert int(response["Retry-After"]) == body["retry_after"] > 0


SCHEMA = "/api/v1/schema/?format=json"  # open to anonymous clients, as the token endpoint is


@pytest.mark.django_db
def test_anonymous_requests_beyond_the_rate_get_429_with_retry_after(rates):
    rates(anon="2/min")
    client = APIClient(REMOTE_ADDR=fresh_address())
    for _ in range(2):
        assert client.get(SCHEMA).status_code == 200
    assert_throttled(client.get(SCHEMA))
    assert APIClient(REMOTE_ADDR=fresh_address()).get(SCHEMA).status_code == 200  # another client


@pytest.mark.django_db
def test_a_user_beyond_the_rate_gets_429_and_other_users_do_not(rates, client_for, marketer, founder):
    rates(user="3/min")
    client = client_for(marketer)
    for _ in range(3):
        assert client.get("/api/v1/experiments/").status_code == 200
    assert_throttled(client.get("/api/v1/experiments/"))
    assert client_for(founder).get("/api/v1/experiments/").status_code == 200


@pytest.mark.django_db
def test_the_token_endpoint_stops_password_guessing_from_one_address(rates, marketer):
    rates(token="10/min")
    address = fresh_address()
    client = APIClient(REMOTE_ADDR=address)
    for i in range(10):  # other user names each time: the limit is per address
        response = client.post("/api/v1/auth/token/", {"username": f"guess{i}", "password": "wrong"})
        assert response.status_code == 400
    assert_throttled(client.post("/api/v1/auth/token/", {"username": "alice", "password": PASSWORD}))
    other = APIClient(REMOTE_ADDR=fresh_address()).post(
        "/api/v1/auth/token/", {"username": "alice", "password": PASSWORD}
    )
    assert other.status_code == 200 and other.json()["token"]


@pytest.mark.django_db
def test_the_throttle_message_follows_the_request_language(rates):
    rates(anon="1/min")
    client = APIClient(REMOTE_ADDR=fresh_address(), HTTP_ACCEPT_LANGUAGE="ru")
    client.get(SCHEMA)
    response = client.get(SCHEMA)
    assert response.status_code == 429
    assert re.search("[а-яА-Я]", response.json()["detail"])


@pytest.mark.django_db
def test_an_unreachable_throttle_cache_lets_requests_through(rates, settings):
    """Redis down must not take the API down with it."""
    rates(anon="1/min")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    client = APIClient(REMOTE_ADDR=fresh_address())
    assert [client.get(SCHEMA).status_code for _ in range(2)] == [200, 200]


def test_throttle_rates_from_the_environment_are_checked():
    from tracker.settings import _rate

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("API_THROTTLE_USER", "5000/hour")
        assert _rate("API_THROTTLE_USER", "1200/min") == "5000/hour"
        patch.setenv("API_THROTTLE_USER", "lots")
        with pytest.raises(Exception, match="API_THROTTLE_USER must look like 60/min"):
            _rate("API_THROTTLE_USER", "1200/min")


# --- Log-in lockout -----------------------------------------------------------------------------


def fail_to_log_in(client: Client, url: str, username: str, times: int) -> list[int]:
    return [client.post(url, {"username": username, "password": "wrong"}).status_code for _ in range(times)]


@pytest.mark.django_db
def test_ten_wrong_passwords_lock_the_user_name_from_that_address_for_15_minutes(marketer):
    client = Client(REMOTE_ADDR="203.0.113.10")
    assert fail_to_log_in(client, "/accounts/login/", "alice", 9) == [200] * 9
    locked = client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    assert locked.status_code == 429
    assert locked["Retry-After"] == "900"
    assert "Too many failed attempts to log in as this user from your address. Try again in 15 minutes." in (
        locked.content.decode()
    )
    # Locked even with the right password; the same user from another address is not.
    assert client.post("/accounts/login/", {"username": "alice", "password": PASSWORD}).status_code == 429
    elsewhere = Client(REMOTE_ADDR="203.0.113.11").post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert elsewhere.status_code == 302

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=16)):
        after = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert after.status_code == 302


@pytest.mark.django_db
def test_the_lockout_page_is_in_the_readers_language(marketer):
    client = Client(REMOTE_ADDR="203.0.113.12", HTTP_ACCEPT_LANGUAGE="ru")
    statuses = fail_to_log_in(client, "/accounts/login/", "alice", 10)
    assert statuses[-1] == 429
    response = client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    assert "Слишком много неудачных попыток войти" in response.content.decode()


@pytest.mark.django_db
def test_the_admin_login_is_locked_too(admin_user):
    client = Client(REMOTE_ADDR="203.0.113.13")
    assert fail_to_log_in(client, "/admin/login/", "admin", 10)[-1] == 429
    assert client.post("/admin/login/", {"username": "admin", "password": PASSWORD}).status_code == 429


@pytest.mark.django_db
def test_a_locked_user_gets_429_from_the_token_endpoint_in_the_api_format(marketer):
    client = APIClient(REMOTE_ADDR="203.0.113.14")
    for _ in range(10):
        client.post("/api/v1/auth/token/", {"username": "alice", "password": "wrong"})
    response = client.post("/api/v1/auth/token/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "locked_out"
    assert int(response["Retry-After"]) == body["retry_after"] == 900
    assert "token" not in body


@pytest.mark.django_db
def test_a_successful_log_in_clears_the_failures(marketer):
    client = Client(REMOTE_ADDR="203.0.113.15")
    fail_to_log_in(client, "/accounts/login/", "alice", 9)
    assert client.post("/accounts/login/", {"username": "alice", "password": PASSWORD}).status_code == 302
    client.logout()
    assert fail_to_log_in(client, "/accounts/login/", "alice", 9) == [200] * 9


def test_the_client_address_is_taken_from_trusted_proxies_only():
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    with override_settings(TRUSTED_PROXIES=0):
        assert client_ip(request) == "127.0.0.1"
    with override_settings(TRUSTED_PROXIES=1):
        assert client_ip(request) == "203.0.113.7"  # what the client wrote before it is not trusted
    with override_settings(TRUSTED_PROXIES=3):
        assert client_ip(request) == "127.0.0.1"  # the chain is shorter than promised


# --- Content security policy --------------------------------------------------------------------


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in policy.split(";") if part.strip())}


@pytest.mark.django_db
def test_pages_forbid_inline_scripts_and_style_elements():
    policy = directives(Client().get("/accounts/login/"))
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]


@pytest.mark.django_db
def test_only_the_redoc_page_allows_style_elements(marketer):
    client = Client()
    client.force_login(marketer)
    redoc = directives(client.get("/api/v1/redoc/"))
    assert "'unsafe-inline'" in redoc["style-src"]
    assert redoc["script-src"] == ["'self'"]


@pytest.mark.django_db
def test_swagger_loads_its_start_up_script_as_a_file(marketer):
    client = Client()
    client.force_login(marketer)
    page = client.get("/api/v1/docs/").content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    script = re.search(r'<script src="([^"]*\?script[^"]*)"', page)
    assert script
    response = client.get(script.group(1).replace("&amp;", "&"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")


TEMPLATE_DIRS = [Path(django_settings.BASE_DIR) / "templates"] + [
    path for path in Path(django_settings.BASE_DIR).glob("*/templates") if ".venv" not in path.parts
]


def test_no_template_has_an_inline_script_or_an_event_handler_attribute():
    """What the policy would block: <script> without src (json_script's data blocks are not run),
    on...= attributes and javascript: links."""
    found = []
    for directory in TEMPLATE_DIRS:
        for template in directory.rglob("*.html"):
            text = template.read_text(encoding="utf-8")
            for pattern in (r"<script(?![^>]*\bsrc=)[^>]*>", r"\son[a-z]+\s*=", r"javascript:"):
                found += [f"{template.name}: {match}" for match in re.findall(pattern, text, flags=re.IGNORECASE)]
    assert found == []
