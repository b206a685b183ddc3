"""Database helpers shared by the apps."""

import functools
import logging
import time
from collections.abc import Callable

from django.db import connection, transaction

logger = logging.getLogger(__name__)


def is_deadlock(exc: BaseException | None) -> bool:
    """PostgreSQL aborted this transaction to break a deadlock (the exception or one it wraps)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if getattr(exc, "sqlstate", None) == "40P01":  # deadlock_detected
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def atomic_retrying_deadlocks(function: Callable | None = None, *, attempts: int = 3) -> Callable:
    """Like `transaction.atomic`, and when PostgreSQL aborts the transaction to break a deadlock
    (two writers locking the same rows in opposite orders) it runs again, up to `attempts` times.

    Inside a surrounding transaction it runs once: only the outermost transaction can be retried.
    """

    def decorate(function: Callable) -> Callable:
        @functools.wraps(function)
        def run(*args, **kwargs):
            for attempt in range(1, attempts + 1):
                try:
                    with transaction.atomic():
                        return function(*args, **kwargs)
                except Exception as exc:
                    if connection.in_atomic_block or attempt == attempts or not is_deadlock(exc):
                        raise
                    logger.warning("%s lost a deadlock (attempt %s of %s).", function.__name__, attempt, attempts)
                    time.sleep(0.05 * attempt)
            raise AssertionError("unreachable")

        return run

    return decorate(function) if function is not None else decorate
