"""Waiting in tests without guessing how fast the machine is: poll a condition up to a generous
deadline, or until the in-process Celery worker has nothing left to do. A busy machine makes a
test slower, never wrong."""

import time
from collections.abc import Callable


def wait_for(condition: Callable[[], object], seconds: float = 30.0) -> bool:
    """Poll `condition` until it holds or `seconds` pass; its last answer."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return bool(condition())


def worker_idle() -> bool:
    """The test worker (`celery_worker`, in this process) has nothing to do: no message in its
    queue, none held back for a countdown, none waiting for a thread or running."""
    from celery.worker import state

    from tracker.celery import app

    if state.active_requests or state.reserved_requests or state.scheduled_requests:
        return False
    with app.connection_for_read() as connection:
        return connection.default_channel.queue_declare(app.conf.task_default_queue).message_count == 0


def wait_for_idle_worker(seconds: float = 60.0) -> bool:
    """Wait until the test worker has finished every job sent so far (and every job they sent).

    Idle at two polls in a row: a message the worker has just taken from the queue shows in its
    state a moment later.
    """
    polls: list[bool] = []

    def settled() -> bool:
        polls.append(worker_idle())
        return polls[-2:] == [True, True]

    return wait_for(settled, seconds)
