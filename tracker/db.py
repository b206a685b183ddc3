"""Database helpers shared by the apps."""

import functools
import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar, overload

import psycopg
from django.db import connection, transaction

logger = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")

DEADLOCK_DETECTED = "40P01"
# PostgreSQL aborted one transaction so that a concurrent one could go on: a deadlock (two writers
# locking rows in opposite orders) or a serialization failure (under REPEATABLE READ or
# SERIALIZABLE). Nothing of it was stored; run again, it succeeds.
RETRYABLE_SQLSTATES = frozenset({DEADLOCK_DETECTED, "40001"})


def _sqlstates(exc: BaseException | None) -> Iterator[str]:
    """The SQLSTATE of the exception and of every one it wraps."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        state = getattr(exc, "sqlstate", None)
        if state:
            yield state
        exc = exc.__cause__ or exc.__context__


# The server ended the session: pg_terminate_backend (admin_shutdown), a crash, a restart.
_SESSION_ENDED = {"57P01", "57P02", "57P03"}


def _chain(exc: BaseException | None) -> Iterator[BaseException]:
    """The exception and every one it wraps (its cause or context), each once."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


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


def is_deadlock(exc: BaseException | None) -> bool:
    """PostgreSQL aborted this transaction to break a deadlock (the exception or one it wraps)."""
    return DEADLOCK_DETECTED in _sqlstates(exc)


def is_retryable(exc: BaseException | None) -> bool:
    """PostgreSQL aborted this transaction for a concurrent one (a deadlock or a serialization
    failure, the exception or one it wraps): running it again is safe and succeeds."""
    return any(state in RETRYABLE_SQLSTATES for state in _sqlstates(exc))


@overload
def atomic_retrying_deadlocks(function: Callable[P, R], *, attempts: int = ...) -> Callable[P, R]: ...
@overload
def atomic_retrying_deadlocks(
    function: None = None, *, attempts: int = ...
) -> Callable[[Callable[P, R]], Callable[P, R]]: ...
def atomic_retrying_deadlocks(
    function: Callable[P, R] | None = None, *, attempts: int = 4
) -> Callable[P, R] | Callable[[Callable[P, R]], Callable[P, R]]:
    """Like `transaction.atomic`, and when PostgreSQL aborts the transaction for a concurrent one
    (`is_retryable`) it runs again after a short random pause, up to `attempts` times in all.

    Inside a surrounding transaction it runs once: only the outermost transaction can be retried.
    """

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(function)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            for attempt in range(1, attempts + 1):
                try:
                    with transaction.atomic():
                        return function(*args, **kwargs)
                except Exception as exc:
                    if connection.in_atomic_block or attempt == attempts or not is_retryable(exc):
                        raise
                    logger.warning("%s lost a deadlock (attempt %s of %s).", function.__name__, attempt, attempts)
                    # Doubling, with jitter: two writers that collided do not collide again in step.
                    time.sleep(0.05 * 2 ** (attempt - 1) * random.uniform(0.5, 1.5))
            raise AssertionError("unreachable")

        return run

    return decorate(function) if function is not None else decorate


class RetryableConflict(Exception):
    """A transaction PostgreSQL aborted for a concurrent one (`is_retryable`), raised again under
    this one name for a Celery task's `autoretry_for`: the task runs again later, with backoff."""


@contextmanager
def retryable_as_conflict() -> Iterator[None]:
    """Raise `RetryableConflict` (from the original) for what `is_retryable` recognises."""
    try:
        yield
    except Exception as exc:
        if is_retryable(exc):
            raise RetryableConflict(str(exc)) from exc
        raise
