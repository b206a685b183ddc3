"""Production settings: `check --deploy` passes with a real key and hosts; unsafe setups are refused."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}}
    environment.setdefault("TRACKER_VAR_DIR", str(BASE_DIR / "var"))
    environment["TRACKER_VAR_DIR"] = str((BASE_DIR / environment["TRACKER_VAR_DIR"]).resolve())
    environment.update(env)
    return subprocess.run(  # noqa: S603 (our own manage.py with fixed arguments)
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


# The production settings README.md documents (DATABASE_URL and REDIS_URL are the test run's own).
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "tracker.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://tracker.example.com",
    "SITE_URL": "https://tracker.example.com",
    "TRUSTED_PROXIES": "1",
}


@pytest.mark.parametrize("extra", [{}, {"SECURE_HSTS_PRELOAD": "true"}])
def test_deploy_check_passes_in_production_without_any_warning(extra):
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION, **extra)
    assert result.returncode == 0, result.stderr
    assert "security.W" not in result.stderr
    assert "WARNINGS" not in result.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "false"}, "SECRET_KEY must be set when DEBUG is off."),
        (
            {"DEBUG": "false", "SECRET_KEY": "django-insecure-demo-key-for-local-use-only-never-in-production"},
            "SECRET_KEY must be set when DEBUG is off.",
        ),
        ({}, "SECRET_KEY must be set when DEBUG is off."),  # DEBUG is off unless set
        ({"SECRET_KEY": secrets.token_urlsafe(50)}, "ALLOWED_HOSTS must be set when DEBUG is off"),
        ({"DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS must be set"),
        ({"DEBUG": "true", "TIME_ZONE": "Mars/Olympus"}, "is not a known time zone"),
        ({"DEBUG": "true", "IMPORT_MAX_BYTES": "0"}, "IMPORT_MAX_BYTES must be a positive number of bytes."),
        ({"DEBUG": "true", "IMPORT_HEARTBEAT_SECONDS": "30"}, "at most half of IMPORT_STALLED_SECONDS"),
        ({"DEBUG": "true", "IMPORT_HEARTBEAT_SECONDS": "0"}, "IMPORT_HEARTBEAT_SECONDS must be positive"),
    ],
)
def test_unsafe_or_wrong_settings_are_refused(env, message):
    result = manage("check", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_debug_setup_passes_the_checks_without_a_key():
    result = manage("check", DEBUG="true")
    assert result.returncode == 0, result.stderr
