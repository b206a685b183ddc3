"""Database helpers shared by the apps."""

import functools
import logging
import time
from collections.abc import Callable, Iterator

import psycopg
from django.db import connection, transaction

logger = logging.getLogger(__name__)

# The server ended the session: pg_terminate_backend (admin_shutdown), a crash, a restart.
_SESSION_ENDED = {"57P01", "57P02", "57P03"}


def _chain(exc: BaseException | None) -> Iterator[BaseException]:
    """The exception and every one it wraps (its cause or context), each once."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def is_deadlock(exc: BaseException | None) -> bool:
    """PostgreSQL aborted this transaction to break a deadlock (the exception or one it wraps)."""
    return any(getattr(error, "sqlstate", None) == "40P01" for error in _chain(exc))  # deadlock_detected


def is_connection_lost(exc: BaseException | None) -> bool:
    """The PostgreSQL connection went away under this exception (or one it wraps): the server ended
    the session or the client lost it. Whatever its transaction had written is rolled back; a new
    connection may do the work again. Errors the server reports on a live session are not this."""
    for error in _chain(exc):
        sqlstate = getattr(error, "sqlstate", None)
        if sqlstate is not None and (sqlstate.startswith("08") or sqlstate in _SESSION_ENDED):
            return True  # class 08: connection exception
        if isinstance(error, psycopg.InterfaceError):
            return True  # "the connection is closed"
        if isinstance(error, psycopg.OperationalError) and sqlstate is None:
            return True  # no answer from a server: "server closed the connection unexpectedly"
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
