"""Row locks in one order (`metrics.services.snapshots`): writers that run at once never fail,
and no recompute stores older numbers over newer ones. PostgreSQL only (SQLite runs one writer at
a time).

The first test runs launches, cancels, lead posts, a CSV import, spend, the recompute job, unlock
recording and review filing from many threads that start together, round after round, over shared
experiments; a path that took its locks out of order would deadlock there sooner or later. It
compares no elapsed time: it counts what failed and checks what was stored.
"""

import datetime as dt
import functools
import logging
import random
import time
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from experiments.models import Experiment, Review
from experiments.services.experiments import experiment_cancel, experiment_create, experiment_launch
from experiments.services.reviews import review_file
from experiments.services.unlocks import review_locks_sweep, unlocks_record_due
from metrics.aggregates import experiment_counts
from metrics.formulas import metrics_from_counts
from metrics.models import ImportJob, MetricSnapshot
from metrics.services import (
    import_job_create,
    import_job_run,
    leads_upsert,
    spend_create,
    spend_row_create,
    spend_row_delete,
    spend_row_update,
)
from metrics.tasks import recompute_snapshots
from tests.concurrency import run_at_once
from tests.factories import ChannelFactory, ExperimentFactory

pytestmark = [
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row-level locks need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]

ROUNDS = 12
DRAFTS = 3  # registered and launched (through the API) in every round


def _day(date: dt.date) -> str:
    return f"{date.isoformat()}T12:00:00+03:00"


def _leads(prefix: str, campaigns: list[tuple[str, dt.date]], rng: random.Random) -> list[dict[str, object]]:
    """Two leads per campaign, mostly non-target (so that running tests unlock by the exception),
    some of them the same external ids as other writers' rows (updates racing inserts)."""
    rows: list[dict[str, object]] = []
    for utm, start in campaigns:
        for n in range(2):
            rows.append(
                {
                    "external_id": f"{utm}-{prefix if n else 'shared'}",
                    "created_at": _day(start + dt.timedelta(days=1)),
                    "utm_campaign": utm,
                    "is_target": rng.random() < 0.2,
                }
            )
    return rows


def _csv(rows: list[dict[str, object]]) -> str:
    lines = ["external_id,created_at,utm_campaign,is_target"]
    lines += [f"{r['external_id']},{r['created_at']},{r['utm_campaign']},{str(r['is_target']).lower()}" for r in rows]
    return "\n".join(lines) + "\n"


def _import(rows: list[dict[str, object]], by) -> str:
    job = import_job_create(file=SimpleUploadedFile("leads.csv", _csv(rows).encode()), by=by)
    return import_job_run(job_id=job.id).status


def _fresh() -> dict[int, dict[str, object]]:
    """What a recompute computes now, for every experiment with a snapshot."""
    experiments = list(Experiment.objects.filter(snapshot__isnull=False))
    counts = experiment_counts(experiments)
    return {e.id: metrics_from_counts(counts[e.id]) for e in experiments}


def _deadlocks_in_database() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        row = cursor.fetchone()
        assert row is not None
        deadlocks: int = row[0]
        return deadlocks


def test_concurrent_writers_never_fail_and_leave_exact_snapshots(client_for, marketer, sales_head, caplog):
    caplog.set_level(logging.WARNING)
    channel = ChannelFactory.create(slug="partner-mailings", name="Partner mailings")
    client = client_for(marketer)
    rng = random.Random(20261201)
    today = timezone.localdate()
    ended = today - dt.timedelta(days=40)  # a 14-day test that started then unlocks once launched
    steady = []
    for i in range(3):  # long tests every round's leads land on; they unlock by the exception
        draft = experiment_create(
            by=marketer,
            title=f"Steady {i}",
            hypothesis="h",
            channel=channel,
            utm_campaign=f"steady_{i}",
            start_date=today - dt.timedelta(days=5),
            test_period_days=60,
        )
        steady.append(experiment_launch(experiment=draft, by=marketer))
    campaigns = [(e.utm_campaign, e.start_date) for e in steady]
    # A row entered on the experiment page, corrected every round.
    page_row = spend_row_create(experiment=steady[0], by=marketer, date=today, amount=Decimal("1.00"), kind="marketing")
    deadlocks_before = _deadlocks_in_database()
    failures: list[Exception] = []
    launches: list[int] = []

    for number in range(ROUNDS):
        drafts = [
            experiment_create(
                by=marketer,
                title=f"Round {number}.{i}",
                hypothesis="h",
                channel=channel,
                utm_campaign=f"r{number}_{i}",
                start_date=ended,
                test_period_days=14,
            )
            for i in range(DRAFTS)
        ]
        # A draft written without the services (a bulk fix, an older release) has no snapshot
        # row until its first mark or recompute creates one.
        drafts.append(
            ExperimentFactory.create(
                channel=channel,
                owner=marketer,
                utm_campaign=f"r{number}_bare",
                start_date=ended,
                test_period_days=14,
                ends_on=ended + dt.timedelta(days=14),
            )
        )
        doomed = experiment_create(
            by=marketer,
            title=f"Doomed {number}",
            hypothesis="h",
            channel=channel,
            utm_campaign=f"r{number}_doomed",
            start_date=ended,
            test_period_days=14,
        )
        campaigns += [(e.utm_campaign, e.start_date) for e in drafts]
        ids = list(MetricSnapshot.objects.values_list("experiment_id", flat=True)) + [e.id for e in drafts]
        to_review = (
            Experiment.objects.filter(status=Experiment.Status.AWAITING_REVIEW, reviews__isnull=True)
            .order_by("?")
            .first()
        )
        recent = campaigns[-12:]
        forward, backward = _leads(f"a{number}", recent, rng), _leads(f"b{number}", recent[::-1], rng)
        spend = [
            {"experiment": e.id, "date": today.isoformat(), "amount": "10.00", "kind": "marketing"}
            for e in reversed(steady + drafts[:DRAFTS])
        ]

        # A row entered on a page, deleted while the others write.
        victim = spend_row_create(experiment=steady[1], by=marketer, date=today, amount=Decimal("2.00"), kind="sales")

        def launch(experiment):
            response = client.post(f"/api/v1/experiments/{experiment.id}/launch/")
            launches.append(response.status_code)
            return response.status_code

        calls: list[Callable[[], object]] = [
            *(functools.partial(launch, draft) for draft in drafts),
            functools.partial(experiment_cancel, experiment=doomed, by=marketer),
            functools.partial(leads_upsert, rows=forward),
            functools.partial(leads_upsert, rows=backward),
            functools.partial(_import, _leads(f"c{number}", rng.sample(recent, len(recent)), rng), marketer),
            functools.partial(spend_create, rows=spend),
            functools.partial(
                spend_row_create, experiment=steady[2], by=marketer, date=today, amount=Decimal("3"), kind="marketing"
            ),
            functools.partial(spend_row_update, spend=page_row, by=marketer, amount=Decimal(number)),
            functools.partial(spend_row_delete, spend=victim, by=marketer),
            recompute_snapshots,  # the debounced job: whatever is dirty
            functools.partial(recompute_snapshots, experiment_ids=rng.sample(ids, len(ids))),
            review_locks_sweep,
            functools.partial(unlocks_record_due, experiment_ids=rng.sample(ids, len(ids))),
        ]
        if to_review is not None:
            calls.append(
                functools.partial(
                    review_file,
                    experiment=to_review,
                    by=sales_head,
                    verdict=Review.Verdict.CONFIRMED,
                    summary="Calls agree.",
                    recommendation=Review.Recommendation.SCALE,
                )
            )
        _, failed = run_at_once(*calls)
        failures += failed

    deadlocks = _deadlocks_in_database() - deadlocks_before
    retried = [r.getMessage() for r in caplog.records if "deadlock" in r.getMessage()]
    print(f"deadlocks detected by PostgreSQL: {deadlocks}; retried: {len(retried)}; failed calls: {len(failures)}")
    assert failures == []
    assert launches == [200] * (ROUNDS * (DRAFTS + 1))
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert not ImportJob.objects.exclude(status=ImportJob.Status.DONE).exists()
    assert Review.objects.count() >= ROUNDS // 2  # the review path ran against the others

    # A clean snapshot holds what a recompute computes now: no late writer overwrote newer numbers.
    fresh = _fresh()
    clean = dict(MetricSnapshot.objects.filter(dirty_since__isnull=True).values_list("experiment_id", "data"))
    assert {pk: data for pk, data in clean.items()} == {pk: fresh[pk] for pk in clean}
    # The job's message for the dirty ones (sent after the last commits) leaves every one exact.
    for _ in range(3):
        if not recompute_snapshots():
            break
    assert not MetricSnapshot.objects.filter(dirty_since__isnull=False).exists()
    assert dict(MetricSnapshot.objects.values_list("experiment_id", "data")) == fresh
    assert MetricSnapshot.objects.count() == Experiment.objects.count()


def test_a_recompute_that_read_before_a_change_never_stores_over_newer_numbers(experiment, monkeypatch):
    from metrics.services import snapshots
    from tests.metrics.conftest import lead

    leads_upsert(rows=[lead("before", "2026-12-02T10:00:00+03:00")])
    snapshots.snapshots_recompute(experiment_ids=[experiment.id])
    counted = experiment_counts  # metrics.aggregates', which the recompute calls by this name

    def counts_then_a_change(experiments):
        counts = counted(experiments)  # the numbers before the change below
        monkeypatch.setattr(snapshots, "experiment_counts", counted)
        # Meanwhile, on another connection, a lead arrives and its recompute stores the new numbers.
        _, failures = run_at_once(
            lambda: (
                leads_upsert(rows=[lead("after", "2026-12-02T11:00:00+03:00")]),
                snapshots.snapshots_recompute(experiment_ids=[experiment.id]),
            )
        )
        assert failures == []
        return counts

    monkeypatch.setattr(snapshots, "experiment_counts", counts_then_a_change)
    late = snapshots.snapshots_recompute(experiment_ids=[experiment.id])[experiment.id]
    assert late.data["leads_total"] == 1  # what it computed; it did not store it
    snapshot = MetricSnapshot.objects.get(experiment=experiment)
    assert snapshot.data["leads_total"] == 2 and snapshot.dirty_since is None


@pytest.mark.worker
def test_a_recompute_job_that_loses_a_deadlock_runs_again(celery_worker, experiment, settings, monkeypatch):
    from django.db import OperationalError
    from psycopg import errors

    from metrics import services
    from tests.metrics.conftest import lead

    settings.METRICS_RECOMPUTE_DEBOUNCE_SECONDS = 0.1
    computed, attempts = services.snapshots_recompute_dirty, []

    def deadlocked_once(**kwargs):
        attempts.append(kwargs)
        if len(attempts) == 1:  # as Django raises it: the driver's error is its cause
            raise OperationalError("deadlock detected") from errors.DeadlockDetected("deadlock detected")
        return computed(**kwargs)

    monkeypatch.setattr(services, "snapshots_recompute_dirty", deadlocked_once)
    leads_upsert(rows=[lead("d1", "2026-12-02T10:00:00+03:00")])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and MetricSnapshot.objects.get(experiment=experiment).dirty_since is not None:
        time.sleep(0.1)
    assert MetricSnapshot.objects.get(experiment=experiment).data["leads_total"] == 1
    assert len(attempts) == 2
