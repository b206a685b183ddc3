"""A Redis outage of any length: the worker and beat outlive it and the work sent meanwhile gets done.

Everything is real and in its own process: a redis-server of the test's own on a free port, a Celery
worker and beat on it and on the test database, and a "web" process (`manage.py shell`) that sends
work. Redis is killed while the worker holds an unacknowledged message (the case that used to stop
the worker), work is created while it is down, and Redis comes back empty, as it does without
persistence.
"""

import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from metrics.models import ImportJob, MetricSnapshot
from tests.factories import ExperimentFactory, UserFactory
from tests.processes import BASE_DIR, database_url, free_port, wait_for

SWEEP_SECONDS = 3
# The resume sweep sends again an import queued for two minutes (metrics.services.imports); the
# rest is slack for a busy machine.
IMPORT_DEADLINE_SECONDS = 120 + 180

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed"),
    pytest.mark.skipif(not settings.REDIS_URL, reason="the embedded broker has no Redis to lose"),
]


class Redis:
    def __init__(self, port: int, log: Path):
        self.port, self.log = port, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("a") as out:
            self.process = subprocess.Popen(  # noqa: S603 (fixed arguments)
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],  # noqa: S607
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        assert wait_for(self.answers, 30), self.log.read_text()

    def kill(self) -> None:
        """Gone at once, as in a crash: no shutdown, its queues lost."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False


class Processes:
    """Worker, beat and one-off "web" scripts, all on the test's Redis and database."""

    def __init__(self, redis_url: str, logs: Path):
        self.logs = logs
        self.running: dict[str, subprocess.Popen[bytes]] = {}
        self.env = {
            **os.environ,
            "DEBUG": "true",
            "DATABASE_URL": database_url(),
            "REDIS_URL": redis_url,
            "IMPORT_SWEEP_SECONDS": str(SWEEP_SECONDS),
            "STALE_SWEEP_SECONDS": str(SWEEP_SECONDS),
            "LOCK_SWEEP_SECONDS": "3600",
            "PYTHONUNBUFFERED": "1",
        }

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        with (self.logs / f"{name}.log").open("w") as out:
            process = subprocess.Popen(  # noqa: S603 (our own program with fixed arguments)
                [sys.executable, "-m", "celery", "-A", "tracker", *args],
                cwd=BASE_DIR,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.running[name] = process
        return process

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")

    def web(self, code: str) -> str:
        """Run `code` the way a request would: in a process of its own, through the services."""
        result = subprocess.run(  # noqa: S603 (our own manage.py with fixed arguments)
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=BASE_DIR,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    def stop(self) -> None:
        for process in self.running.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.running.values():
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)


@pytest.fixture
def outage(tmp_path) -> Iterator[tuple[Redis, Processes]]:
    redis = Redis(free_port(), tmp_path / "redis.log")
    redis.start()
    processes = Processes(f"redis://127.0.0.1:{redis.port}/0", tmp_path)
    try:
        yield redis, processes
    finally:
        processes.stop()
        redis.kill()


def test_worker_and_beat_outlive_a_redis_outage_and_finish_the_work_sent_meanwhile(outage, capsys):
    redis, processes = outage
    uploader = UserFactory.create(username="uploader")
    experiment = ExperimentFactory.create(running=True, utm_campaign="outage_test")
    worker = processes.start("worker", "worker", "--loglevel=INFO", "--concurrency=2", "-n", "outage@%h")
    beat = processes.start("beat", "beat", "--loglevel=INFO", "-s", str(processes.logs / "beat-schedule"))
    assert wait_for(lambda: " ready." in processes.log("worker"), 120), processes.log("worker")

    # A message the worker holds unacknowledged when Redis goes: a debounced recompute due later.
    processes.web(
        "from metrics.services import recompute_enqueue; "
        f"assert recompute_enqueue(experiment_ids=[{experiment.id}], countdown=600)"
    )
    assert wait_for(lambda: "Task metrics.tasks.recompute_snapshots[" in processes.log("worker"), 60)

    redis.kill()
    down_at = time.monotonic()
    assert wait_for(lambda: "Connection to broker lost" in processes.log("worker"), 60), processes.log("worker")

    # Work created while Redis is down: a CSV import and a recompute request. Both are stored; their
    # messages cannot be sent (logged, not raised), and the beat sweeps must send them again.
    created_at = timezone.localtime() - dt.timedelta(days=1)
    rows = [f"out-{i},{created_at.isoformat()},outage_test" for i in (1, 2)]
    csv = "\n".join(["external_id,created_at,utm_campaign", *rows]) + "\n"
    job_id = int(
        processes.web(
            "from django.core.files.uploadedfile import SimpleUploadedFile; "
            "from django.contrib.auth import get_user_model; "
            "from experiments.models import Experiment; "
            "from metrics.services import import_job_create, snapshot_recompute_request; "
            f"job = import_job_create(file=SimpleUploadedFile('leads.csv', {csv!r}.encode()), "
            f"by=get_user_model().objects.get(pk={uploader.pk})); "
            f"snapshot_recompute_request(experiment=Experiment.objects.get(pk={experiment.id})); "
            "print(job.id)"
        ).splitlines()[-1]
    )
    assert ImportJob.objects.get(id=job_id).status == ImportJob.Status.QUEUED
    assert MetricSnapshot.objects.get(experiment=experiment).dirty_since is not None

    # Down long enough for several failed reconnections of the worker and failed sends of beat.
    time.sleep(max(0.0, 20 - (time.monotonic() - down_at)))
    assert worker.poll() is None, processes.log("worker")
    redis.start()
    back_at = time.monotonic()

    def snapshot_fresh() -> bool:
        snapshot = MetricSnapshot.objects.get(experiment=experiment)
        return snapshot.dirty_since is None and snapshot.data.get("leads_total") == 2

    def import_done() -> bool:
        return ImportJob.objects.get(id=job_id).status == ImportJob.Status.DONE

    recomputed = wait_for(lambda: MetricSnapshot.objects.get(experiment=experiment).dirty_since is None, 120)
    recomputed_after = time.monotonic() - back_at
    assert recomputed, processes.log("worker")[-5000:]
    assert wait_for(import_done, IMPORT_DEADLINE_SECONDS), processes.log("worker")[-5000:]
    imported_after = time.monotonic() - back_at
    assert wait_for(snapshot_fresh, 120), processes.log("worker")[-5000:]
    fresh_after = time.monotonic() - back_at

    job = ImportJob.objects.get(id=job_id)
    assert (job.rows_ok, job.rows_failed) == (2, 0)
    assert worker.poll() is None, processes.log("worker")
    assert beat.poll() is None, processes.log("beat")
    worker_log = processes.log("worker")
    assert "Unrecoverable error" not in worker_log
    assert worker_log.count("Connected to") >= 2  # it did reconnect
    with capsys.disabled():
        print(
            f"\nRedis down {back_at - down_at:.0f} s; after it came back: snapshot recomputed in "
            f"{recomputed_after:.0f} s, queued import done in {imported_after:.0f} s, "
            f"snapshot with the imported leads in {fresh_after:.0f} s"
        )
