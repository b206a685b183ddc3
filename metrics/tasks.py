"""Celery jobs of lead data and metrics. Thin: ids in, a service call, nothing else."""

from typing import TypedDict

from celery import shared_task

from metrics import services
from metrics.services.dirty import debounce_seconds, recompute_enqueue
from tracker.db import RetryableConflict, retryable_as_conflict

SWEEP_CHUNK = 500


class RetryOptions(TypedDict):
    """`shared_task`'s keywords for retrying on its own."""

    autoretry_for: tuple[type[BaseException], ...]
    retry_backoff: bool
    retry_backoff_max: int
    retry_jitter: bool
    max_retries: int


# A transaction PostgreSQL aborted for a concurrent one (which the services retry a few times
# already) runs again later: 1, 2, 4... seconds apart with jitter, five times at most. Anything
# left after that is dirty still, and the beat sweep recomputes it.
RETRY_CONFLICTS: RetryOptions = {
    "autoretry_for": (RetryableConflict,),
    "retry_backoff": True,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(name="metrics.tasks.recompute_snapshots", acks_late=True, **RETRY_CONFLICTS)
def recompute_snapshots(experiment_ids: list[int] | None = None) -> int:
    """The debounced recompute: claims the dirty snapshots (or the given experiments).

    Changes that arrived while it computed kept their flag; it sends itself again for them.
    """
    with retryable_as_conflict():
        still_dirty = services.snapshots_recompute_dirty(experiment_ids=experiment_ids)
    if still_dirty:
        recompute_enqueue(countdown=debounce_seconds())
    return len(still_dirty)


@shared_task(name="metrics.tasks.recompute_stale_snapshots", acks_late=True, **RETRY_CONFLICTS)
def recompute_stale_snapshots() -> int:
    """Periodic repair: whatever a lost message (broker down, worker killed) left stale, with the
    daily roll-up of those experiments rebuilt from the leads."""
    ids = services.snapshots_stale_ids()
    with retryable_as_conflict():
        for start in range(0, len(ids), SWEEP_CHUNK):
            services.snapshots_repair(experiment_ids=ids[start : start + SWEEP_CHUNK])
    return len(ids)


# Registered under its former name: messages sent before the rename may still be in the queue.
@shared_task(name="metrics.tasks.import_run", acks_late=True)
def run_import(job_id: int) -> str:
    return services.import_job_run(job_id=job_id).status


@shared_task(name="metrics.tasks.resume_stalled_imports", acks_late=True)
def resume_stalled_imports() -> int:
    """Periodic repair: import jobs whose message was lost are sent again."""
    return len(services.imports_resume_stalled())


@shared_task(name="metrics.tasks.forget_old_uploads", acks_late=True)
def forget_old_uploads() -> int:
    """Daily: previewed files nobody imported within IMPORT_UPLOAD_DAYS are deleted."""
    return services.import_uploads_forget()
