"""Run writers at the same moment, each in its own thread with its own database connection; wait
until PostgreSQL shows one of them blocked on a lock."""

import threading
import time
from collections.abc import Callable

# Generous: a wait returns as soon as its condition holds; this only bounds a hung test.
WAIT_SECONDS = 120.0


def run_at_once(*calls: Callable[[], object]) -> tuple[list[object], list[Exception]]:
    """Start every call at once (a barrier); return their results and the exceptions they raised."""
    from django.db import connections

    barrier = threading.Barrier(len(calls))
    results: list[object] = []
    failures: list[Exception] = []

    def run(call):
        try:
            barrier.wait()
            results.append(call())
        except Exception as exc:  # the caller asserts there were none
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, failures


def wait_for_a_lock_wait(seconds: float = WAIT_SECONDS) -> bool:
    """Poll (PostgreSQL) until a session of the test database waits for a lock (a row another
    transaction wrote, an advisory lock). False if none did in time."""
    from django.db import connection

    # A connection of its own, in autocommit: inside a transaction the activity view does not change.
    watcher = connection.get_new_connection(connection.get_connection_params())
    watcher.autocommit = True
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            waiting = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            ).fetchone()[0]
            if waiting:
                return True
            time.sleep(0.05)
        return False
    finally:
        watcher.close()
