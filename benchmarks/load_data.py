"""The load test's company: 1,000,000 leads over 1,000 experiments in every status, with the people,
reviews, questions, regulation versions, goals, meetings and imports that the pages list.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker_load .venv/bin/python benchmarks/load_data.py

It REPLACES the data of the database it is pointed at (a scratch database: it is created if
missing). The leads are those of the import benchmark (`benchmarks/generate.py`), dated so that
"today" falls near the end of the 300 days over which experiments start: experiment i starts
(i % 300) days after `today - 280 days` and runs 30 days, so about 10% are in their test period,
6% have not started (drafts), and the rest ended: a quarter of those awaits its review, 2% were
cancelled before the end, the others are reviewed. The leads go in through the product's CSV import
(the benchmark's stage (a), in a child process), the fastest path that also fills the roll-ups.
"""

import datetime as dt
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "load-test-only-secret-key-not-for-production-use-0123456789")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")

from benchmarks.generate import experiment_spec, generate  # noqa: E402

PASSWORD = "load-test-password-2026"
DAYS_BEFORE_TODAY = 280  # the first experiment starts this long before today
# username, group (None: administrator)
PEOPLE = [
    *[(f"marketer{n}", "marketer") for n in range(1, 7)],
    *[(f"mhead{n}", "marketing_head") for n in range(1, 3)],
    *[(f"shead{n}", "sales_head") for n in range(1, 4)],
    ("founder", "founder"),
    ("admin", None),
]
MANY_QUESTIONS = 45  # on one experiment, to see the experiment page's questions paginated


def ensure_database(url: str) -> None:
    """Create the scratch database when it does not exist yet."""
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def people() -> dict[str, list]:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from rest_framework.authtoken.models import Token

    by_role: dict[str, list] = {}
    for username, group in PEOPLE:
        user, _ = get_user_model().objects.get_or_create(
            username=username, defaults={"first_name": username.title(), "email": f"{username}@example.com"}
        )
        user.set_password(PASSWORD)
        user.is_staff = user.is_superuser = group is None
        user.save()
        if group:
            user.groups.set([Group.objects.get(name=group)])
        Token.objects.get_or_create(user=user)
        by_role.setdefault(group or "admin", []).append(user)
    return by_role


def reset() -> None:
    from django.db import connection

    from experiments.models import Experiment, Notification, Question, Regulation, Review, ReviewUnlock
    from meetings.models import Goal, Meeting
    from metrics.models import ImportJob, Lead, MetricSnapshot, Spend

    models = [Lead, Spend, MetricSnapshot, ImportJob, ReviewUnlock, Review, Question, Notification, Goal, Meeting]
    tables = [model._meta.db_table for model in [*models, Experiment, Experiment.history.model]]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    Regulation.objects.filter(version__gt=1).delete()


def experiments(m: int, base: dt.date, by_role: dict) -> list:
    """M experiments as the services leave them at launch (the leads come later)."""
    from simple_history.utils import bulk_create_with_history

    from experiments.models import Channel, Experiment, Regulation

    today = base + dt.timedelta(days=DAYS_BEFORE_TODAY)
    regulation = Regulation.objects.order_by("-version").first()
    channels = {}
    owners = by_role["marketer"] + by_role["marketing_head"]
    rows = []
    for i in range(m):
        utm, start, period, slug = experiment_spec(i, base)
        if slug not in channels:
            channels[slug], _ = Channel.objects.get_or_create(slug=slug, defaults={"name": slug.replace("-", " ")})
        started = start <= today
        ended = start + dt.timedelta(days=period) <= today
        status = Experiment.Status.RUNNING if started else Experiment.Status.DRAFT
        if ended and i % 50 == 7:
            status = Experiment.Status.CANCELLED
        rows.append(
            Experiment(
                title=f"Hypothesis {i}: {slug.replace('-', ' ')} for segment {i % 17}",
                hypothesis="If we reach this segment through this channel, then its leads convert better.",
                channel=channels[slug],
                owner=owners[i % len(owners)],
                utm_campaign=utm,
                start_date=start,
                test_period_days=period,
                ends_on=start + dt.timedelta(days=period),
                budget=f"{50_000 + 1_000 * (i % 90)}.00",
                targets={"max_cpl": "2500.00", "min_mql": 200},
                status=status,
                regulation=regulation if status != Experiment.Status.DRAFT else None,
                launched_at=_moment(start) if started else None,
            )
        )
    # With their first history record, as the registration would have left.
    return bulk_create_with_history(rows, Experiment, batch_size=1000)


def _moment(day: dt.date) -> dt.datetime:
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(day, dt.time(10)))


def leads(n: int, m: int, base: dt.date, directory: Path) -> dict:
    from benchmarks.run import run_child_import

    path = directory / f"leads-{n}-{m}-{base.isoformat()}.csv"
    if not path.exists():
        generate(path, leads=n, experiments=m, base=base)
    return run_child_import(path)


def spend(ids: list[int]) -> None:
    from metrics.services import spend_create

    rows = [
        {"experiment": pk, "date": "2026-03-01", "amount": f"{1000 + (n * 37) % 9000}.50", "kind": kind, "visits": 100}
        for n, pk in enumerate(ids)
        for kind in ("marketing", "marketing", "sales")
    ]
    for start in range(0, len(rows), 10_000):
        spend_create(rows=rows[start : start + 10_000])


def reviews(by_role: dict) -> int:
    """Three quarters of the experiments awaiting a review get one (bulk: the pages only read them)."""
    from experiments.models import Experiment, Review

    waiting = list(
        Experiment.objects.filter(status=Experiment.Status.AWAITING_REVIEW)
        .select_related("unlock", "snapshot")
        .order_by("id")
    )
    verdicts = list(Review.Verdict.values)
    recommendations = list(Review.Recommendation.values)
    chosen = [e for e in waiting if e.pk % 4 != 3]
    Review.objects.bulk_create(
        [
            Review(
                experiment=e,
                author=by_role["sales_head"][e.pk % len(by_role["sales_head"])],
                verdict=verdicts[e.pk % len(verdicts)],
                summary="Leads came in as planned; the numbers say what the verdict says.",
                loss_reasons="Price, and no integration with the CRM they use." if e.pk % 2 else "",
                recommendation=recommendations[e.pk % len(recommendations)],
                unlock_reason=e.unlock.reason,
                regulation_id=e.regulation_id,
                metrics=e.snapshot.data,
            )
            for e in chosen
        ]
    )
    Experiment.objects.filter(pk__in=[e.pk for e in chosen]).update(status=Experiment.Status.REVIEWED)
    return len(chosen)


def questions(by_role: dict) -> int:
    from experiments.models import Experiment
    from experiments.services.questions import question_answer, question_ask

    rng = random.Random(5)
    open_ids = list(
        Experiment.objects.exclude(status=Experiment.Status.DRAFT).order_by("id").values_list("id", flat=True)
    )
    asked = 0
    targets = [rng.choice(open_ids) for _ in range(300)] + [open_ids[-1]] * MANY_QUESTIONS
    asking = by_role["sales_head"] + by_role["founder"]
    for n, pk in enumerate(targets):
        experiment = Experiment.objects.get(pk=pk)
        question = question_ask(
            experiment=experiment, by=asking[n % len(asking)], text=f"Why did segment {n % 17} bring so few SQL?"
        )
        if n % 3:
            question_answer(
                question=question,
                by=by_role["marketing_head"][n % 2],
                text="The list was older than we thought; we asked the partner for a fresh one.",
            )
        asked += 1
    return asked


def regulations(by_role: dict, versions: int = 25) -> None:
    from experiments.models import Channel
    from experiments.services.regulations import regulation_create

    channels = list(Channel.objects.order_by("id"))
    for n in range(versions):
        regulation_create(
            by=by_role["admin"][0],
            review_due_days=5 + n % 5,
            channel_thresholds={channels[n % len(channels)].pk: f"0.{25 + n % 20}"},
        )


def goals(by_role: dict, today: dt.date) -> int:
    from meetings.services.goals import goal_create

    targets = {"leads_total": "90000", "mql": "40000", "customers": "2500", "cpl": "1500", "revenue": "300000000"}
    made = 0
    month = today.replace(day=1)
    for _ in range(12):
        following = (month + dt.timedelta(days=32)).replace(day=1)
        for metric, target in targets.items():
            goal_create(
                by=by_role["founder"][0], metric=metric, period_start=month, period_end=following, target=target
            )
            made += 1
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return made


def meetings(today: dt.date) -> int:
    from meetings.models import Meeting
    from meetings.services.meetings import meeting_create

    made = 0
    for kind, every in ((Meeting.Kind.SYNC, 14), (Meeting.Kind.FOUNDER, 7)):
        day = today - dt.timedelta(days=DAYS_BEFORE_TODAY)
        while day + dt.timedelta(days=every) <= today:
            made += meeting_create(kind=kind, date=day + dt.timedelta(days=every), date_from=day) is not None
            day += dt.timedelta(days=every)
    return made


def imports(by_role: dict, count: int = 60) -> None:
    """Finished imports for the imports page: most clean, some with errors, one with the most kept."""
    from django.utils import timezone

    from metrics.models import ImportJob
    from metrics.services.imports import MAX_STORED_ERRORS

    now = timezone.now()
    uploaders = by_role["marketer"] + by_role["sales_head"]
    jobs = []
    for n in range(count):
        failed = MAX_STORED_ERRORS if n == 0 else (n % 7) * 3
        errors = [
            {"line": line + 2, "external_id": f"crm-x{line}", "errors": {"created_at": ["Enter a valid date/time."]}}
            for line in range(failed)
        ]
        jobs.append(
            ImportJob(
                file=f"imports/load-{n}.csv",
                created_by=uploaders[n % len(uploaders)],
                status=ImportJob.Status.DONE,
                progress=1.0,
                rows_total=10_000 + failed,
                rows_ok=10_000,
                rows_failed=failed,
                errors=errors,
                started_at=now - dt.timedelta(days=n, minutes=2),
                finished_at=now - dt.timedelta(days=n),
            )
        )
    ImportJob.objects.bulk_create(jobs)


def build(*, n: int, m: int, directory: Path) -> dict:
    """Fill the database; returns the plan the locustfile reads (`write_plan`)."""
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from metrics.services import dirty, snapshots_recompute

    dirty.recompute_enqueue = lambda **kwargs: True  # no worker here; the recompute runs below
    steps = {}

    def step(name, fn, *args):
        started = time.perf_counter()
        result = fn(*args)
        steps[name] = round(time.perf_counter() - started, 1)
        print(f"  {name}: {steps[name]} s", flush=True)
        return result

    today = timezone.localdate()
    base = today - dt.timedelta(days=DAYS_BEFORE_TODAY)
    directory.mkdir(parents=True, exist_ok=True)
    step("reset", reset)
    by_role = step("people", people)
    ids = [e.pk for e in step("experiments", experiments, m, base, by_role)]
    imported = step("leads (product CSV import)", leads, n, m, base, directory)
    step("spend", spend, ids)
    with connection.cursor() as cursor:
        for table in ("metrics_lead", "metrics_leadday", "metrics_leaddaychurn", "metrics_spend"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    # Also records the review unlock of every ended test (and of every exception that holds).
    step("snapshots and unlocks", lambda: snapshots_recompute(experiment_ids=ids))
    step("reviews", reviews, by_role)
    step("questions", questions, by_role)
    step("regulation versions", regulations, by_role)
    step("goals", goals, by_role, today)
    step("meetings", meetings, today)
    step("imports", imports, by_role)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return write_plan(directory, steps=steps, leads=imported)


def write_plan(directory: Path, **extra) -> dict:
    """What the locustfile reads: the users with their tokens, and the ids it picks pages from."""
    from django.db.models import Count
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from experiments.models import Channel, Experiment
    from meetings.models import Meeting
    from metrics.models import ImportJob

    users: dict[str, list] = {}
    for username, group in PEOPLE:
        users.setdefault(group or "admin", []).append(
            {"username": username, "token": Token.objects.get(user__username=username).key}
        )
    plan = {
        "built": timezone.localdate().isoformat(),
        **extra,
        "experiments": dict(Experiment.objects.order_by().values_list("status").annotate(n=Count("id"))),
        "password": PASSWORD,
        "users": users,
        "experiment_ids": list(Experiment.objects.order_by("id").values_list("id", flat=True)),
        "many_questions_experiment": Experiment.objects.annotate(n=Count("questions")).order_by("-n").first().pk,
        "channels": list(Channel.objects.filter(experiments__isnull=False).distinct().values_list("slug", flat=True)),
        "channel_ids": list(Channel.objects.filter(experiments__isnull=False).distinct().values_list("id", flat=True)),
        "meetings": {
            kind: list(Meeting.objects.filter(kind=kind).values_list("id", flat=True)) for kind in Meeting.Kind.values
        },
        "imports": list(ImportJob.objects.order_by("id").values_list("id", flat=True)),
    }
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "plan.json").write_text(json.dumps(plan, indent=2))
    return plan


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--experiments", type=int, default=1_000)
    parser.add_argument("--dir", type=Path, default=Path(os.environ.get("TRACKER_VAR_DIR", ROOT / "var")) / "load")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit(
            "The load test runs on PostgreSQL: set DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/tracker_load)."
        )
    ensure_database(url)
    import subprocess

    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0"], check=True)
    plan = build(n=args.leads, m=args.experiments, directory=args.dir)
    print(json.dumps({k: plan[k] for k in ("leads", "experiments", "steps")}, indent=2))
    print(f"plan: {args.dir / 'plan.json'}")


if __name__ == "__main__":
    main()
