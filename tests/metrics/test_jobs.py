"""The Celery jobs with a real worker on the configured broker (Redis when REDIS_URL is set)."""

import datetime as dt
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from metrics.models import ImportJob, Lead, MetricSnapshot
from metrics.services import import_job_create, import_job_run, imports_resume_stalled, leads_upsert
from metrics.services import imports as imports_module
from metrics.tasks import recompute_stale_snapshots, resume_stalled_imports
from tests.metrics.conftest import lead
from tests.waiting import wait_for, wait_for_idle_worker


def fresh(experiment_id: int, leads: int) -> bool:
    snapshot = MetricSnapshot.objects.filter(experiment_id=experiment_id).first()
    return bool(snapshot and snapshot.dirty_since is None and snapshot.data.get("leads_total") == leads)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_many_posts_within_the_debounce_cost_one_recompute(celery_worker, experiment, settings, monkeypatch):
    from metrics import services
    from metrics.services import snapshots

    settings.METRICS_RECOMPUTE_DEBOUNCE_SECONDS = 2.0
    runs = []
    real, real_job = snapshots._recompute_chunk, services.snapshots_recompute_dirty
    posted = threading.Event()

    def counted(ids):
        runs.append(list(ids))
        return real(ids)

    def after_the_posts(**kwargs):
        # However slowly the posts go, they all land within the debounce: the job waits for them.
        assert posted.wait(60)
        return real_job(**kwargs)

    monkeypatch.setattr(snapshots, "_recompute_chunk", counted)
    monkeypatch.setattr(services, "snapshots_recompute_dirty", after_the_posts)
    for i in range(5):
        leads_upsert(rows=[lead(f"j{i}", "2026-12-02T10:00:00+03:00", is_target=False)])
    posted.set()
    assert wait_for(lambda: fresh(experiment.id, 5))
    assert wait_for_idle_worker()  # nothing else is pending
    assert runs == [[experiment.id]]
    assert MetricSnapshot.objects.get(experiment=experiment).data["non_target_leads"] == 5


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_post_after_the_recompute_triggers_another(celery_worker, experiment, settings):
    settings.METRICS_RECOMPUTE_DEBOUNCE_SECONDS = 0.2
    leads_upsert(rows=[lead("k1", "2026-12-02T10:00:00+03:00")])
    assert wait_for(lambda: fresh(experiment.id, 1))
    leads_upsert(rows=[lead("k2", "2026-12-02T10:00:00+03:00")])
    assert wait_for(lambda: fresh(experiment.id, 2))


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_csv_import_runs_in_the_worker(celery_worker, client_for, marketer, experiment):
    content = "\ufeffexternal_id;created_at;utm_campaign;is_target\nw1;2026-12-02T10:00:00+03:00;partner_dec;false\n"
    upload = SimpleUploadedFile("leads.csv", content.encode(), content_type="text/csv")
    response = client_for(marketer).post("/api/v1/imports/", {"file": upload}, format="multipart")
    assert response.status_code == 202 and response.json()["status"] == "queued"
    job_id = response.json()["id"]
    assert wait_for(lambda: ImportJob.objects.get(id=job_id).status == ImportJob.Status.DONE)
    assert ImportJob.objects.get(id=job_id).rows_ok == 1
    assert wait_for(lambda: fresh(experiment.id, 1))


@pytest.mark.django_db(transaction=True)
def test_the_beat_sweep_repairs_what_a_lost_message_missed(experiment, monkeypatch):
    from metrics.services import dirty

    monkeypatch.setattr(dirty, "recompute_enqueue", lambda **kwargs: False)  # the broker is down
    leads_upsert(rows=[lead("s1", "2026-12-02T10:00:00+03:00")])
    assert MetricSnapshot.objects.get(experiment=experiment).dirty_since is not None
    assert recompute_stale_snapshots() >= 1
    assert fresh(experiment.id, 1)


def _job_without_a_message(marketer, monkeypatch, name: str = "w2") -> ImportJob:
    """An upload whose message never reached the broker (it was down)."""
    content = f"external_id,created_at,utm_campaign\n{name},2026-12-02T10:00:00+03:00,partner_dec\n"
    with monkeypatch.context() as patch:
        patch.setattr(imports_module, "import_job_enqueue", lambda job_id: None)
        return import_job_create(file=SimpleUploadedFile("leads.csv", content.encode()), by=marketer)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_sweep_runs_an_import_whose_message_was_lost(celery_worker, marketer, experiment, monkeypatch):
    job = _job_without_a_message(marketer, monkeypatch)
    ImportJob.objects.filter(id=job.id).update(created_at=timezone.now() - dt.timedelta(minutes=5))
    resume_stalled_imports.delay()  # as the beat sends it
    assert wait_for(lambda: ImportJob.objects.get(id=job.id).status == ImportJob.Status.DONE)
    assert Lead.objects.filter(external_id="w2").exists()
    assert wait_for(lambda: fresh(experiment.id, 1))


@pytest.mark.django_db(transaction=True)
def test_the_sweep_resends_only_lost_or_stalled_jobs(marketer, monkeypatch, settings):
    settings.IMPORT_STALLED_SECONDS = 600
    now, long_ago = timezone.now(), timezone.now() - dt.timedelta(minutes=30)
    names = ("new", "lost", "alive", "dead", "done", "old-run")
    jobs = {name: _job_without_a_message(marketer, monkeypatch, name) for name in names}
    ImportJob.objects.filter(id=jobs["lost"].id).update(created_at=long_ago)
    ImportJob.objects.filter(id=jobs["alive"].id).update(created_at=long_ago, status="running", heartbeat_at=now)
    ImportJob.objects.filter(id=jobs["dead"].id).update(created_at=long_ago, status="running", heartbeat_at=long_ago)
    ImportJob.objects.filter(id=jobs["done"].id).update(created_at=long_ago, status="done")
    # Running since before heartbeats were written.
    ImportJob.objects.filter(id=jobs["old-run"].id).update(status="running", started_at=long_ago, heartbeat_at=None)
    sent = []
    monkeypatch.setattr(imports_module, "import_job_enqueue", sent.append)
    assert imports_resume_stalled() == sent == [jobs["lost"].id, jobs["dead"].id, jobs["old-run"].id]


@pytest.mark.django_db(transaction=True)
def test_a_running_job_is_not_run_twice_unless_its_worker_is_gone(marketer, monkeypatch):
    job = _job_without_a_message(marketer, monkeypatch, "twice")
    ImportJob.objects.filter(id=job.id).update(status="running", heartbeat_at=timezone.now())
    assert import_job_run(job_id=job.id).status == ImportJob.Status.RUNNING  # another worker has it
    assert not Lead.objects.filter(external_id="twice").exists()
    ImportJob.objects.filter(id=job.id).update(heartbeat_at=timezone.now() - dt.timedelta(hours=1))
    assert import_job_run(job_id=job.id).status == ImportJob.Status.DONE
    assert Lead.objects.filter(external_id="twice").exists()


@pytest.mark.django_db(transaction=True)
def test_a_run_that_lost_a_deadlock_starts_over_and_a_running_one_keeps_its_lease(marketer, monkeypatch, settings):
    from psycopg import errors

    job = _job_without_a_message(marketer, monkeypatch, "retried")
    real_run, attempts, beats = imports_module._run, [], []

    def heartbeat() -> dt.datetime:
        return ImportJob.objects.get(id=job.id).heartbeat_at

    def run(job, *args):
        attempts.append(job.id)
        if len(attempts) == 1:
            raise errors.DeadlockDetected("deadlock detected")
        before = heartbeat()
        wait_for(lambda: heartbeat() > before)  # the next beat, however late the machine lets it come
        beats.append((before, heartbeat()))
        return real_run(job, *args)

    monkeypatch.setattr(imports_module, "_run", run)
    settings.IMPORT_STALLED_SECONDS = 0.25
    settings.IMPORT_HEARTBEAT_SECONDS = 0.05  # the retry waits 1 s
    assert import_job_run(job_id=job.id).status == ImportJob.Status.DONE
    assert len(attempts) == 2 and Lead.objects.filter(external_id="retried").exists()
    before, after = beats[0]
    assert after > before  # the heartbeat thread moved it while the run went on
