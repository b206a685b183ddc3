"""Parallel runs (`pytest -n`, pytest-xdist): each worker process keeps its files and its Celery
messages to itself.

pytest-django gives each worker its own test database (`test_<name>_gw0`; on SQLite a file with the
same suffix). Uploads, the file-system broker, the file cache and the beat schedule live under
TRACKER_VAR_DIR, and a Redis broker is one server: without this, the workers would share them, and
one worker's Celery worker would run another's tasks against the wrong database. Loaded with `-p`
(pyproject.toml), so it runs before pytest-django reads the settings; a run without `-n` is left
as it is.
"""

import os
from pathlib import Path

import pytest


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "")  # set by xdist before the worker's config exists


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests() -> None:
    if _worker():
        os.environ["TRACKER_VAR_DIR"] = str(Path(os.environ.get("TRACKER_VAR_DIR", "var")) / _worker())


def pytest_configure() -> None:
    if _worker():
        from tracker.celery import app

        # Tasks are sent to, purged from and consumed from this worker's own queue.
        app.conf.task_default_queue = f"tests-{_worker()}"
