"""The Celery jobs with a real worker on the configured broker (Redis when REDIS_URL is set)."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from metrics.models import ImportJob, MetricSnapshot
from metrics.services import leads_upsert
from metrics.tasks import recompute_stale_snapshots
from tests.metrics.conftest import lead


def wait_for(condition, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def fresh(experiment_id: int, leads: int) -> bool:
    snapshot = MetricSnapshot.objects.filter(experiment_id=experiment_id).first()
    return bool(snapshot and snapshot.dirty_since is None and snapshot.data.get("leads_total") == leads)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_many_posts_within_the_debounce_cost_one_recompute(celery_worker, experiment, settings, monkeypatch):
    from metrics.services import snapshots

    settings.METRICS_RECOMPUTE_DEBOUNCE_SECONDS = 2.0
    runs = []
    real = snapshots._recompute_chunk

    def counted(ids):
        runs.append(list(ids))
        return real(ids)

    monkeypatch.setattr(snapshots, "_recompute_chunk", counted)
    for i in range(5):
        leads_upsert(rows=[lead(f"j{i}", "2026-12-02T10:00:00+03:00", is_target=False)])
    assert wait_for(lambda: fresh(experiment.id, 5))
    time.sleep(2.5)  # nothing else is pending
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
