"""tracker.db: a transaction PostgreSQL aborts to break a deadlock runs again."""

import functools
import threading

import pytest
from django.db import connection

from experiments.models import Channel
from tests.concurrency import WAIT_SECONDS, run_at_once
from tracker.db import (
    RetryableConflict,
    atomic_retrying_deadlocks,
    is_connection_lost,
    is_deadlock,
    is_retryable,
    retryable_as_conflict,
)


@pytest.mark.django_db(transaction=True)
def test_two_writers_that_deadlock_both_finish(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("row-level locks need PostgreSQL")
    first = Channel.objects.create(slug="first", name="First")
    second = Channel.objects.create(slug="second", name="Second")
    runs = []
    both_hold_their_first_row = threading.Barrier(2)

    @atomic_retrying_deadlocks
    def rename(ids: tuple[int, int], name: str) -> None:
        runs.append(name)
        for pk in ids:  # opposite orders: each holds one row and waits for the other's
            Channel.objects.select_for_update().get(pk=pk)
            if pk == ids[0] and runs.count(name) == 1:  # the first attempt; the retry goes straight on
                both_hold_their_first_row.wait(WAIT_SECONDS)
            Channel.objects.filter(pk=pk).update(name=f"{name} {pk}")

    results, failures = run_at_once(
        functools.partial(rename, (first.pk, second.pk), "a"), functools.partial(rename, (second.pk, first.pk), "b")
    )
    assert failures == [] and len(results) == 2
    assert len(runs) == 3  # one of them lost the deadlock and ran again
    # Whoever ran last wrote both rows: no half of a lost attempt survived.
    assert len({Channel.objects.get(pk=pk).name.split()[0] for pk in (first.pk, second.pk)}) == 1


def test_a_deadlock_is_recognised_through_the_exceptions_that_wrap_it():
    from psycopg import errors

    with pytest.raises(RuntimeError) as wrapped:
        try:
            raise errors.DeadlockDetected("deadlock detected")
        except errors.DeadlockDetected as exc:
            raise RuntimeError("the import stopped") from exc
    assert is_deadlock(wrapped.value)
    assert not is_deadlock(RuntimeError("something else"))


def _wrapped(error: Exception) -> Exception:
    """`error` as Django raises it: an OperationalError caused by the driver's exception."""
    from django.db import OperationalError

    try:
        try:
            raise error
        except Exception as exc:
            raise OperationalError(str(exc)) from exc
    except OperationalError as wrapped:
        return wrapped


def test_serialization_failures_are_retryable_and_other_errors_are_not():
    from psycopg import errors

    assert is_retryable(_wrapped(errors.SerializationFailure("could not serialize access")))
    assert is_retryable(_wrapped(errors.DeadlockDetected("deadlock detected")))
    assert not is_deadlock(_wrapped(errors.SerializationFailure("could not serialize access")))
    assert not is_retryable(_wrapped(errors.UniqueViolation("duplicate key")))


def test_a_task_sees_a_retryable_error_under_the_one_name_it_retries():
    from psycopg import errors

    from metrics.tasks import recompute_snapshots, recompute_stale_snapshots

    with pytest.raises(RetryableConflict), retryable_as_conflict():
        raise _wrapped(errors.DeadlockDetected("deadlock detected"))
    with pytest.raises(ValueError), retryable_as_conflict():
        raise ValueError("not a conflict")
    for task in (recompute_snapshots, recompute_stale_snapshots):
        # Celery sets the retry options on the task object; celery-types declares max_retries only.
        autoretry_for, backoff = task.autoretry_for, task.retry_backoff  # type: ignore[attr-defined]
        assert autoretry_for == (RetryableConflict,) and task.max_retries == 5 and backoff


def test_the_api_answers_a_deadlock_its_retries_did_not_outlast_with_503_not_500():
    from psycopg import errors

    from tracker.api_errors import exception_handler

    response = exception_handler(_wrapped(errors.DeadlockDetected("deadlock detected")), {})
    assert response is not None
    assert response.status_code == 503 and response["Retry-After"] == "1"
    assert response.data["code"] == "concurrent_change" and "send it again" in response.data["detail"]


def test_a_lost_connection_is_told_apart_from_errors_of_a_live_session():
    import sqlite3

    import psycopg
    from django import db
    from psycopg import errors

    def wrapped(error: Exception) -> Exception:  # as Django raises it, the driver's error as its cause
        try:
            try:
                raise error
            except Exception as cause:
                raise db.OperationalError(str(cause)) from cause
        except db.OperationalError as exc:
            return exc

    lost = [
        errors.AdminShutdown("terminating connection due to administrator command"),  # pg_terminate_backend
        errors.ConnectionFailure("connection failure"),
        psycopg.OperationalError("consuming input failed: server closed the connection unexpectedly"),
        psycopg.InterfaceError("the connection is closed"),
    ]
    alive = [
        errors.LockNotAvailable("canceling statement due to lock timeout"),
        errors.QueryCanceled("canceling statement due to statement timeout"),
        errors.DeadlockDetected("deadlock detected"),
        errors.UniqueViolation("duplicate key value"),
        sqlite3.OperationalError("database is locked"),
        RuntimeError("the import stopped"),
    ]
    assert all(is_connection_lost(wrapped(error)) for error in lost)
    assert not any(is_connection_lost(wrapped(error)) for error in alive)
