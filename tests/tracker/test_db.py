"""tracker.db: a transaction PostgreSQL aborts to break a deadlock runs again."""

import functools
import threading

import pytest
from django.db import connection

from experiments.models import Channel
from tests.concurrency import run_at_once
from tracker.db import atomic_retrying_deadlocks, is_connection_lost, is_deadlock


@pytest.mark.django_db(transaction=True)
def test_two_writers_that_deadlock_both_finish(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("row-level locks need PostgreSQL")
    first = Channel.objects.create(slug="first", name="First")
    second = Channel.objects.create(slug="second", name="Second")
    runs = []
    both_hold_one = threading.Barrier(2, timeout=60)

    @atomic_retrying_deadlocks
    def rename(ids: tuple[int, int], name: str) -> None:
        runs.append(name)
        for pk in ids:  # opposite orders: each holds one row and waits for the other's
            Channel.objects.select_for_update().get(pk=pk)
            if pk == ids[0] and runs.count(name) == 1:
                both_hold_one.wait()  # however the threads are scheduled
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

    try:
        try:
            raise errors.DeadlockDetected("deadlock detected")
        except errors.DeadlockDetected as exc:
            raise RuntimeError("the import stopped") from exc
    except RuntimeError as wrapped:
        assert is_deadlock(wrapped)
    assert not is_deadlock(RuntimeError("something else"))


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
