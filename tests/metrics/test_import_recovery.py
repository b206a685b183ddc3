"""An import lost to a dead worker or a killed database connection resumes, and runs exactly once."""

import datetime as dt

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from metrics.models import ImportJob, Lead
from metrics.services import import_job_create, import_job_run, import_orm, import_pg
from metrics.services import imports as imports_module
from metrics.services.import_lease import ImportLease
from metrics.services.import_sql import BatchLoader
from metrics.tasks import resume_stalled_imports, run_import
from tests.metrics.test_rollup import actual_churn, actual_days, expected_churn, expected_days
from tests.waiting import wait_for, wait_for_idle_worker

C = "2026-12-02T10:00:00+03:00"


def _job(marketer, monkeypatch, names: list[str]) -> ImportJob:
    """An upload whose message is not sent: the test runs it (or the sweep sends it)."""
    lines = "".join(f"{name},{C},partner_dec,{C}\n" for name in names)
    content = f"external_id,created_at,utm_campaign,won_at\n{lines}".encode()
    with monkeypatch.context() as patch:
        patch.setattr(imports_module, "import_job_enqueue", lambda job_id: None)
        return import_job_create(file=SimpleUploadedFile("leads.csv", content), by=marketer)


def _small_batches(monkeypatch, rows: int) -> None:
    monkeypatch.setattr(import_pg, "BATCH_ROWS", rows)
    monkeypatch.setattr(import_orm, "BATCH_ROWS", rows)


def _count_runs(monkeypatch) -> list[int]:
    """The job ids of every run (first attempts and repeats alike)."""
    runs, real = [], imports_module._run

    def counted(job, *args):
        runs.append(job.id)
        return real(job, *args)

    monkeypatch.setattr(imports_module, "_run", counted)
    return runs


def _terminate(pid: int) -> None:
    """End a PostgreSQL session from another one, as an operator (or a failover) would, and wait
    until it is gone."""
    other = connection.get_new_connection(connection.get_connection_params())
    other.autocommit = True
    try:
        (ended,) = other.execute("SELECT pg_terminate_backend(%s, 60000)", [pid]).fetchone()
        assert ended
    finally:
        other.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("killed", ["merging", "checking", "worker's own"])
def test_an_import_whose_database_connection_is_killed_starts_over_and_stores_its_file_once(
    marketer, experiment, monkeypatch, killed
):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite (demo) has no connection to lose; it commits an import batch by batch")
    job_before = _job(marketer, monkeypatch, ["known"])
    import_job_run(job_id=job_before.id)
    names = ["known", *(f"k{i}" for i in range(8))]  # three batches of three
    job = _job(marketer, monkeypatch, names)
    _small_batches(monkeypatch, 3)
    runs = _count_runs(monkeypatch)
    kills = []

    def kill_once(pid: int) -> None:
        if not kills:
            kills.append(pid)
            _terminate(pid)

    # Hooks in the import path: batch 1 of the first run, or its first progress report.
    check, merge, progress = BatchLoader.check, BatchLoader.merge, ImportLease.progress

    def checking(self, cursor, batch, number):
        if killed == "checking" and number == 1:
            kill_once(cursor.connection.info.backend_pid)
        return check(self, cursor, batch, number)

    def merging(self, cursor, number, checked):
        if killed == "merging" and number == 1:
            kill_once(cursor.connection.info.backend_pid)
        return merge(self, cursor, number, checked)

    def reporting(self, *args):
        if killed == "worker's own":
            kill_once(connection.connection.info.backend_pid)
        return progress(self, *args)

    monkeypatch.setattr(BatchLoader, "check", checking)
    monkeypatch.setattr(BatchLoader, "merge", merging)
    monkeypatch.setattr(ImportLease, "progress", reporting)
    result = import_job_run(job_id=job.id)

    job.refresh_from_db()
    assert len(kills) == 1 and runs == [job.id, job.id]  # killed once, started over once
    assert result.status == job.status == ImportJob.Status.DONE and job.failure == ""
    assert (job.rows_total, job.rows_ok, job.rows_failed) == (9, 9, 0)
    # Stored once: the first run left nothing behind, so the second one created them.
    assert (job.created, job.updated, job.unchanged) == (8, 0, 1)
    assert sorted(Lead.objects.values_list("external_id", flat=True)) == sorted(names)
    assert (actual_days(), actual_churn()) == (expected_days(), expected_churn())
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'metrics\\_import\\_%%'")
        assert cursor.fetchone()[0] == 0


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_sweep_resumes_an_import_whose_heartbeat_is_older_than_the_lease_once_and_leaves_a_live_one(
    celery_worker, marketer, experiment, monkeypatch, settings
):
    settings.IMPORT_STALLED_SECONDS = 600  # however slow the machine, "alive" stays within its lease
    dead, alive = _job(marketer, monkeypatch, ["dead"]), _job(marketer, monkeypatch, ["alive"])
    now = timezone.now()
    started = now - dt.timedelta(hours=1)
    ImportJob.objects.filter(id=dead.id).update(
        status="running", started_at=started, heartbeat_at=now - dt.timedelta(seconds=601)
    )
    ImportJob.objects.filter(id=alive.id).update(status="running", started_at=started, heartbeat_at=now)
    runs = _count_runs(monkeypatch)

    resume_stalled_imports.delay()  # as the beat sends it
    resume_stalled_imports.delay()  # and once more, before the first has run
    run_import.delay(dead.id)  # the dead worker's message, redelivered late
    assert wait_for(lambda: ImportJob.objects.get(id=dead.id).status == ImportJob.Status.DONE)
    assert wait_for_idle_worker()

    dead.refresh_from_db()
    alive.refresh_from_db()
    assert runs == [dead.id]  # one run, whatever the number of messages
    assert (dead.rows_ok, dead.created, dead.unchanged) == (1, 1, 0)
    assert dead.started_at > started  # claimed anew
    assert (alive.status, alive.started_at, alive.heartbeat_at) == (ImportJob.Status.RUNNING, started, now)
    assert list(Lead.objects.values_list("external_id", flat=True)) == ["dead"]


@pytest.mark.django_db(transaction=True)
def test_a_run_whose_job_was_claimed_again_stops_and_leaves_the_job_to_the_new_run(marketer, monkeypatch):
    job = _job(marketer, monkeypatch, ["a", "b", "c"])
    _small_batches(monkeypatch, 1)
    runs = _count_runs(monkeypatch)
    progress, taken_at = ImportLease.progress, []

    def claimed_meanwhile(self, *args):
        if not taken_at:  # the sweep thought this worker dead and another worker claimed the job
            taken_at.append(timezone.now())
            ImportJob.objects.filter(id=self.job_id).update(started_at=taken_at[0], heartbeat_at=taken_at[0])
        return progress(self, *args)

    monkeypatch.setattr(ImportLease, "progress", claimed_meanwhile)
    result = import_job_run(job_id=job.id)

    job.refresh_from_db()
    assert runs == [job.id]  # stopped, not started over
    assert result.status == job.status == ImportJob.Status.RUNNING  # the new run's to finish
    assert (job.started_at, job.finished_at, job.rows_total, job.errors) == (taken_at[0], None, 0, [])
    if connection.vendor == "postgresql":
        assert not Lead.objects.exists()  # one transaction, rolled back


def test_a_lost_import_resumes_within_90_seconds_by_default():
    """Lease plus sweep interval: the longest a lost import waits for the sweep to send it again.
    (Run with the configured values: the test environment sets none of them.)"""
    sweep = django_settings.CELERY_BEAT_SCHEDULE["resume-stalled-imports"]["schedule"]
    assert django_settings.IMPORT_STALLED_SECONDS + sweep <= 90
    assert django_settings.IMPORT_HEARTBEAT_SECONDS * 2 <= django_settings.IMPORT_STALLED_SECONDS


def test_a_job_sent_by_name_before_the_rename_still_runs():
    assert run_import.name == "metrics.tasks.import_run"
