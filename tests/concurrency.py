"""Run writers at the same moment, each in its own thread with its own database connection."""

import threading
from collections.abc import Callable


def run_at_once(*calls: Callable[[], object]) -> tuple[list, list[Exception]]:
    """Start every call at once (a barrier); return their results and the exceptions they raised."""
    from django.db import connections

    barrier = threading.Barrier(len(calls))
    results, failures = [], []

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
