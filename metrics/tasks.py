"""Celery jobs of lead data and metrics. Thin: ids in, a service call, nothing else."""

from celery import shared_task

from metrics import services
from metrics.services.dirty import debounce_seconds, recompute_enqueue

SWEEP_CHUNK = 500


@shared_task(name="metrics.tasks.recompute_snapshots", acks_late=True)
def recompute_snapshots(experiment_ids: list[int] | None = None) -> int:
    """The debounced recompute: claims the dirty snapshots (or the given experiments).

    Changes that arrived while it computed kept their flag; it sends itself again for them.
    """
    still_dirty = services.snapshots_recompute_dirty(experiment_ids=experiment_ids)
    if still_dirty:
        recompute_enqueue(countdown=debounce_seconds())
    return len(still_dirty)


@shared_task(name="metrics.tasks.recompute_stale_snapshots", acks_late=True)
def recompute_stale_snapshots() -> int:
    """Periodic repair: whatever a lost message (broker down, worker killed) left stale, with the
    daily roll-up of those experiments rebuilt from the leads."""
    ids = services.snapshots_stale_ids()
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
