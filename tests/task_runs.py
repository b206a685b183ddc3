"""Waiting for the in-process Celery worker by its events, not by the clock.

The test and the worker's threads share this process, so Celery's signals tell us every task sent
and every task run. A test waits until all of them have run, then asserts: no sleeps that are too
short on a busy machine and too long everywhere else.
"""

import threading
from typing import Any

from celery import signals

# Generous: a wait returns as soon as the tasks are done; this only bounds a hung test.
SETTLE_SECONDS = 120.0


class TaskRuns:
    """Tasks sent while it listens, and the runs that finished, as (task name, state)."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._sent: set[str] = set()
        self._done: set[str] = set()
        self.finished: list[tuple[str, str]] = []

    def __enter__(self) -> "TaskRuns":
        signals.before_task_publish.connect(self._on_publish, weak=False)
        signals.task_postrun.connect(self._on_postrun, weak=False)
        return self

    def __exit__(self, *exc: object) -> None:
        signals.before_task_publish.disconnect(self._on_publish)
        signals.task_postrun.disconnect(self._on_postrun)

    def _on_publish(self, headers: dict[str, Any] | None = None, **_: Any) -> None:
        with self._changed:
            self._sent.add((headers or {})["id"])

    def _on_postrun(self, task_id: str = "", task: Any = None, state: str = "", **_: Any) -> None:
        with self._changed:
            self.finished.append((task.name, state))
            if state != "RETRY":  # a retry is sent again under the same id
                self._done.add(task_id)
            self._changed.notify_all()

    def settle(self, seconds: float = SETTLE_SECONDS) -> list[tuple[str, str]]:
        """Wait until every task sent so far has run, including the tasks those runs sent (a task
        sends its follow-ups before it finishes). Returns the finished runs."""
        with self._changed:
            if not self._changed.wait_for(lambda: self._sent <= self._done, timeout=seconds):
                raise AssertionError(f"{len(self._sent - self._done)} task(s) still not run after {seconds} s")
            return list(self.finished)
