"""Lead import and metrics benchmark, side by side on PostgreSQL (see benchmarks/README.md).

    DATABASE_URL=postgres://.../tracker_bench .venv/bin/python benchmarks/run.py --leads 50000

It REPLACES the lead, spend, snapshot and import data of the database it is pointed at and
creates M benchmark experiments (utm_campaign camp_NNNN): never point it at real data.

Stages, all on the same generated CSV:
  (a) the product's CSV import end to end: store the file, run the import job to "done"
      (in a child process, to measure its peak memory; also at a quarter of the size);
  (c) PostgreSQL COPY of the same CSV into a scratch table with the lead table's indexes, and
      into a bare table (the lower bound);
  (b) recomputing every experiment's snapshot (the product's service);
  (d) one raw SQL GROUP BY computing the same counts over the lead table;
  (f) a daily refresh: 10,000 new or changed rows POSTed to /api/v1/leads/ in batches of 1,000,
      then the recompute job until every affected snapshot is fresh;
  (e) pandas reading the whole CSV and computing the same per-experiment figures.

And on the same leads written as an amoCRM deals export (generate.py, `generate_amocrm`):
  (g) the import of the Windows-1251 `;` export (preset amocrm, its stages mapped) against the
      import of the tracker CSV that the export means (the same database work), at N/4 and N;
  (x) the import of the same export as XLSX against the same tracker CSV, beside openpyxl's own
      read of the workbook (opening it, then every row's values) and a plain expat read of it
      (benchmarks/xlsx_expat.py), at N/4 and N.
At N, each file's rows are also read alone by the import's reader, with no database work.
"""

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
# Production-like: no query logging (DEBUG keeps every SQL statement in memory).
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-not-for-production-use-0123456789")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")  # required with DEBUG off; (f) posts through the test client

from benchmarks.generate import (  # noqa: E402
    AMOCRM_OPTIONS,
    HEADER,
    amocrm_paths,
    experiment_spec,
    generate,
    generate_amocrm,
)


def _django():
    import django

    django.setup()


def rss_peak_mb() -> float:
    """This process's peak resident memory. On Linux the kernel's high-water mark of its own address
    space (`VmHWM`): `getrusage`'s `ru_maxrss` also counts the parent's resident memory at the fork
    (Linux keeps it across `exec`), so a child reported at least the parent's ~117 MiB."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- setup -------------------------------------------------------------------------------------


def reset(experiments: int) -> list[int]:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from experiments.models import Channel, Experiment, Regulation
    from metrics.services import dirty, spend_create

    dirty.recompute_enqueue = lambda **kwargs: True  # no worker here; the stages recompute themselves
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE metrics_lead, metrics_spend, metrics_metricsnapshot, metrics_importjob, "
            "experiments_reviewunlock RESTART IDENTITY"
        )
    Experiment.history.filter(utm_campaign__startswith="camp_").delete()
    Experiment.objects.filter(utm_campaign__startswith="camp_").delete()
    owner, _ = get_user_model().objects.get_or_create(username="bench-owner")
    regulation = Regulation.objects.order_by("-version").first() or Regulation.objects.create(version=1)
    channels = {}
    for i in range(experiments):
        slug = experiment_spec(i)[3]
        if slug not in channels:
            channels[slug], _ = Channel.objects.get_or_create(slug=slug, defaults={"name": slug.replace("-", " ")})
    objects = []
    for i in range(experiments):
        utm, start, period, slug = experiment_spec(i)
        objects.append(
            Experiment(
                title=f"Benchmark {i}",
                hypothesis="If ..., then ...",
                channel=channels[slug],
                owner=owner,
                utm_campaign=utm,
                start_date=start,
                test_period_days=period,
                ends_on=start + dt.timedelta(days=period),
                status=Experiment.Status.RUNNING,
                regulation=regulation,
            )
        )
    ids = [e.id for e in Experiment.objects.bulk_create(objects, batch_size=1000)]
    spend = [
        {"experiment": pk, "date": "2026-03-01", "amount": f"{1000 + (n * 37) % 9000}.50", "kind": kind, "visits": 100}
        for n, pk in enumerate(ids)
        for kind in ("marketing", "marketing", "sales")
    ]
    for start in range(0, len(spend), 10_000):
        spend_create(rows=spend[start : start + 10_000])
    return ids


def truncate_leads() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE metrics_lead, metrics_importjob RESTART IDENTITY")


# --- (a) the product's import, in a child process ------------------------------------------------


def child_import(path: Path, options: dict, *, fingerprint: bool = False, profile: Path | None = None) -> None:
    """Run in a child process: store the file as an upload would (with the import's options, if
    any), run the job, report."""
    _django()
    from django.core.files import File

    from metrics.models import ImportJob
    from metrics.services import dirty, import_job_create
    from metrics.services import imports as imports_module

    truncate_leads()
    imports_module.import_job_enqueue = lambda job_id: None  # the job runs right here, not in a worker
    dirty.recompute_enqueue = lambda **kwargs: True  # no worker here
    rss_before = rss_peak_mb()
    profiler = None
    if profile is not None:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started, cpu = time.perf_counter(), time.process_time()
    with path.open("rb") as handle:
        job = import_job_create(file=File(handle, name=path.name), by=None, **options)
    imports_module.import_job_run(job_id=job.id)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(profile)
    job = ImportJob.objects.get(id=job.id)
    assert job.status == ImportJob.Status.DONE, job.failure
    job.file.delete(save=False)
    result = {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,  # of this process's threads; the database's work is not in it
        "rows": job.rows_ok,
        "failed": job.rows_failed,
        "rss_mb": rss_peak_mb(),
        "rss_before_mb": rss_before,
    }
    if fingerprint:
        result["leads_md5"] = leads_fingerprint()
    print(json.dumps(result))


def child_read(path: Path, options: dict) -> None:
    """Run in a child process: the job's rows as the import reads them (`job_rows`: the file's
    rows converted to the tracker's rows), with no database work; the upload is stored first (not
    timed)."""
    _django()
    from django.core.files import File

    from metrics.services import import_job_create
    from metrics.services import imports as imports_module
    from metrics.services.import_rows import job_rows

    imports_module.import_job_enqueue = lambda job_id: None
    with path.open("rb") as handle:
        job = import_job_create(file=File(handle, name=path.name), by=None, **options)
    started, cpu = time.perf_counter(), time.process_time()
    with job_rows(job) as rows:
        count = sum(1 for _line, fields, _problem in rows.rows if fields is not None)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    job.file.delete(save=False)
    job.delete()
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu_seconds, "rows": count, "rss_mb": rss_peak_mb()}))


def run_child_read(path: Path, options: dict | None = None) -> dict:
    command = [sys.executable, __file__, "--child-read", str(path)]
    if options:
        command += ["--child-options", json.dumps(options)]
    return _child(command)


def leads_fingerprint() -> str:
    """One digest of every lead's fields as stored (not timed): two imports that stored the same
    leads have the same digest."""
    from django.db import connection

    columns = ", ".join("channel_id" if c == "channel" else c for c in HEADER)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT md5(string_agg(md5(ROW({columns})::text), '' ORDER BY external_id)) FROM metrics_lead"  # noqa: S608
        )
        return cursor.fetchone()[0]


def run_child_import(path: Path, options: dict | None = None, *, fingerprint: bool = False) -> dict:
    command = [sys.executable, __file__, "--child-import", str(path)]
    if options:
        command += ["--child-options", json.dumps(options)]
    if fingerprint:
        command.append("--child-fingerprint")
    if profile := os.environ.get("BENCH_PROFILE_DIR"):
        command += ["--child-profile", str(Path(profile) / f"{path.stem}.prof")]
    return _child(command)


def _child(command: list[str]) -> dict:
    """Run a child process and read the JSON line it prints last; its errors are shown."""
    out = subprocess.run(command, check=False, capture_output=True, text=True)
    if out.returncode:
        sys.stderr.write(out.stderr[-5000:])
        raise SystemExit(f"{' '.join(command[:4])} ... failed (exit status {out.returncode})")
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- (x) openpyxl's own read of the workbook, in a child process ---------------------------------


def child_openpyxl(path: Path) -> None:
    """Open the workbook read-only, then read every row's values: what any XLSX import built on
    openpyxl pays. The sheet's stated dimensions are dropped, as the import does
    (`metrics.sources.tables`), so that rows are read to their end. A sheet that states none (as
    openpyxl's write-only mode writes it) is parsed once more by `load_workbook` to find its size:
    that is in `open`."""
    from openpyxl import load_workbook

    rss_before = rss_peak_mb()
    started, cpu = time.perf_counter(), time.process_time()
    workbook = load_workbook(path, read_only=True, data_only=True)
    worksheet = workbook.worksheets[0]
    worksheet.reset_dimensions()
    opened = time.perf_counter()
    rows = sum(1 for _ in worksheet.iter_rows(values_only=True))
    done = time.perf_counter()
    workbook.close()
    print(
        json.dumps(
            {
                "seconds": done - started,
                "cpu_seconds": time.process_time() - cpu,
                "open": opened - started,
                "rows_read": done - opened,
                "rows": rows - 1,
                "rss_mb": rss_peak_mb(),
                "rss_before_mb": rss_before,
            }
        )
    )


def child_expat(path: Path) -> None:
    """The same rows read by `benchmarks.xlsx_expat` (expat, no cell objects): a lower bound."""
    from benchmarks.xlsx_expat import rows

    started, cpu = time.perf_counter(), time.process_time()
    count = sum(1 for _ in rows(path))
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu_seconds, "rows": count - 1, "rss_mb": rss_peak_mb()}))


def run_child_openpyxl(path: Path) -> dict:
    return _child([sys.executable, __file__, "--child-openpyxl", str(path)])


def amocrm_stages(stages: set[str], directory: Path, n: int, m: int) -> dict:
    """(g) and (x): each import at N/4 and at N, the tracker CSV twin first; the leads of every
    run are compared by digest with the twin's (at N)."""
    from django.conf import settings

    results: dict = {}
    sizes = {"quarter": n // 4, "full": n}
    for size, leads in sizes.items():
        csv_path, xlsx_path, twin_path = amocrm_paths(directory, leads, m)
        if not csv_path.exists() or not twin_path.exists() or ("x" in stages and not xlsx_path.exists()):
            t = time.perf_counter()
            generate_amocrm(
                csv_path,
                twin_path,
                xlsx_path if "x" in stages else None,
                leads=leads,
                experiments=m,
                zone=settings.TIME_ZONE,
            )
            print(f"data: amoCRM export of {leads:,} leads generated in {time.perf_counter() - t:.1f} s")
        check = size == "full"
        results[f"twin_{size}"] = twin = run_child_import(twin_path, fingerprint=check)
        print(f"    twin CSV {leads:,}: {twin['seconds']:.2f} s, peak RSS {twin['rss_mb']:.0f} MiB")
        if "g" in stages:
            results[f"g_{size}"] = run = run_child_import(csv_path, AMOCRM_OPTIONS, fingerprint=check)
            print(f"    (g) amoCRM CSV {leads:,}: {run['seconds']:.2f} s, peak RSS {run['rss_mb']:.0f} MiB")
            assert run["rows"] == twin["rows"] == leads and not run["failed"], (run, twin)
            assert run.get("leads_md5") == twin.get("leads_md5"), "the export stored other leads than its twin"
        if "x" in stages:
            results[f"x_openpyxl_{size}"] = floor = run_child_openpyxl(xlsx_path)
            print(f"    (x) openpyxl read {leads:,}: {floor['seconds']:.2f} s (open {floor['open']:.2f} s)")
            results[f"x_expat_{size}"] = expat = _child([sys.executable, __file__, "--child-expat", str(xlsx_path)])
            print(f"    (x) expat read {leads:,}: {expat['seconds']:.2f} s")
            results[f"x_{size}"] = run = run_child_import(xlsx_path, AMOCRM_OPTIONS, fingerprint=check)
            print(f"    (x) amoCRM XLSX {leads:,}: {run['seconds']:.2f} s, peak RSS {run['rss_mb']:.0f} MiB")
            assert run["rows"] == twin["rows"] == leads and not run["failed"], (run, twin)
            assert run.get("leads_md5") == twin.get("leads_md5"), "the workbook stored other leads than its twin"
        if size == "full":
            # The reading alone, no database: where the time of the imports above differs.
            results["read_twin"] = read = run_child_read(twin_path)
            print(f"    reading alone, tracker CSV {leads:,}: {read['seconds']:.2f} s")
            if "g" in stages:
                results["read_g"] = read = run_child_read(csv_path, AMOCRM_OPTIONS)
                print(f"    reading alone, amoCRM CSV {leads:,}: {read['seconds']:.2f} s")
            if "x" in stages:
                results["read_x"] = read = run_child_read(xlsx_path, AMOCRM_OPTIONS)
                print(f"    reading alone, amoCRM XLSX {leads:,}: {read['seconds']:.2f} s")
        results[f"sizes_{size}"] = {
            "leads": leads,
            "csv_mib": round(csv_path.stat().st_size / 2**20, 1),
            "twin_mib": round(twin_path.stat().st_size / 2**20, 1),
            **({"xlsx_mib": round(xlsx_path.stat().st_size / 2**20, 1)} if "x" in stages else {}),
        }
    return results


# --- (c) COPY baselines ---------------------------------------------------------------------------

SCRATCH_COLUMNS = """
    external_id text NOT NULL, created_at timestamptz NOT NULL, utm_campaign text, channel text,
    is_target boolean, disqualify_reason text, mql_at timestamptz, sql_at timestamptz,
    won_at timestamptz, revenue numeric(14,2), orders integer, customer_id text,
    churned_at timestamptz, churn_reason text
"""


def copy_baseline(path: Path, *, indexed: bool) -> float:
    from django.db import connection, transaction

    table = "bench_scratch_indexed" if indexed else "bench_scratch_bare"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        if indexed:
            # The lead table's indexes: primary key, unique external_id, attribution, created date,
            # partial churn index, partial channel index.
            cursor.execute(f"CREATE TABLE {table} (id bigserial PRIMARY KEY, {SCRATCH_COLUMNS})")
            cursor.execute(f"CREATE UNIQUE INDEX ON {table} (external_id)")
            cursor.execute(f"CREATE INDEX ON {table} (lower(btrim(utm_campaign)), created_at)")
            cursor.execute(f"CREATE INDEX ON {table} (created_at)")
            cursor.execute(f"CREATE INDEX ON {table} (churned_at) WHERE churned_at IS NOT NULL")
            cursor.execute(f"CREATE INDEX ON {table} (channel) WHERE channel IS NOT NULL")
        else:
            cursor.execute(f"CREATE TABLE {table} ({SCRATCH_COLUMNS})")
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor, path.open("rb") as handle:
        columns = ", ".join(HEADER)
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
            while chunk := handle.read(1 << 20):
                copy.write(chunk)
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {table}")
    return seconds


# --- (b), (d) -------------------------------------------------------------------------------------


def recompute_all(ids: list[int]) -> float:
    from metrics.services import snapshots_recompute

    started = time.perf_counter()
    snapshots_recompute(experiment_ids=ids)
    return time.perf_counter() - started


def raw_group_by() -> tuple[float, int]:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT e.id, COUNT(*), COUNT(l.is_target), COUNT(*) FILTER (WHERE l.is_target = false),
                   COUNT(l.mql_at), COUNT(l.sql_at), COUNT(l.won_at),
                   COUNT(l.won_at) FILTER (WHERE l.sql_at IS NOT NULL),
                   SUM(COALESCE(l.orders, 1)) FILTER (WHERE l.won_at IS NOT NULL),
                   SUM(l.revenue) FILTER (WHERE l.won_at IS NOT NULL),
                   COUNT(l.churned_at) FILTER (WHERE l.won_at IS NOT NULL)
            FROM metrics_lead l
            JOIN experiments_experiment e
              ON l.utm_key = lower(btrim(e.utm_campaign))
             AND l.created_date >= e.start_date AND l.created_date < e.ends_on
            WHERE e.utm_campaign LIKE 'camp\\_%%'
            GROUP BY e.id
            """
        )
        rows = cursor.fetchall()
    return time.perf_counter() - started, len(rows)


# --- (f) daily refresh ----------------------------------------------------------------------------


def daily_refresh(leads: int, experiments: int, *, restore: bool = False) -> tuple[float, int]:
    import random

    from rest_framework.test import APIClient

    from benchmarks.generate import lead_row
    from metrics.models import MetricSnapshot
    from metrics.services import dirty
    from metrics.tasks import recompute_snapshots

    rng = random.Random(7)
    rows = []
    for n in range(10_000):
        if n % 2 == 0:  # a changed existing lead: judged non-target now
            values = lead_row(random.Random(n), rng.randrange(leads), experiments)
            values[4], values[5] = "false", "wrong region"
            values[6:14] = [""] * 8
            values[0] = f"crm-{rng.randrange(leads):08d}"
        else:  # a new lead
            values = lead_row(rng, leads + n, experiments)
        rows.append({k: v for k, v in zip(HEADER, values, strict=True) if v != ""})
    # One external_id per batch at most once (a CRM sends each changed lead once).
    unique = {}
    for row in rows:
        unique[row["external_id"]] = row
    rows = list(unique.values())
    batches = [json.dumps(rows[i : i + 1000]).encode() for i in range(0, len(rows), 1000)]

    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="bench-owner")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client = APIClient()
    client.force_authenticate(user)
    dirty.recompute_enqueue = lambda **kwargs: True  # the job runs right here (no countdown)

    if restore:
        # Keep the rows (f) changes, to put them back afterwards (not timed) so that the loaded
        # data can be reused by the next run.
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS bench_f_backup")
            cursor.execute(
                "CREATE TABLE bench_f_backup AS SELECT * FROM metrics_lead WHERE external_id = ANY(%s)",
                [list(unique)],
            )

    started = time.perf_counter()
    for body in batches:
        response = client.generic("POST", "/api/v1/leads/", data=body, content_type="application/json")
        assert response.status_code == 200, response.content[:500]
        assert not response.json()["errors"], response.json()["errors"][:3]
    posted = time.perf_counter()
    while MetricSnapshot.objects.filter(dirty_since__isnull=False).exists():
        recompute_snapshots()
    done = time.perf_counter()
    print(f"    (f) posts {posted - started:.2f} s, recompute of the affected snapshots {done - posted:.2f} s")
    if restore:
        _restore_refresh(list(unique))
    return done - started, len(rows)


def _restore_refresh(external_ids: list[str]) -> None:
    """Undo (f): delete the leads it created, put back the ones it changed, recompute."""
    from django.db import connection, transaction

    from metrics.models import MetricSnapshot
    from metrics.rows import LEAD_COLUMNS, LEAD_SOURCE_COLUMNS
    from metrics.tasks import recompute_snapshots

    columns = [*LEAD_COLUMNS, *LEAD_SOURCE_COLUMNS, "updated_at"]
    sets = ", ".join(f"{c} = b.{c}" for c in columns)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM metrics_lead l WHERE l.external_id = ANY(%s) "
            "AND NOT EXISTS (SELECT 1 FROM bench_f_backup b WHERE b.external_id = l.external_id)",
            [external_ids],
        )
        cursor.execute(f"UPDATE metrics_lead l SET {sets} FROM bench_f_backup b WHERE b.external_id = l.external_id")  # noqa: S608
        cursor.execute("DROP TABLE bench_f_backup")
        cursor.execute("UPDATE metrics_metricsnapshot SET dirty_since = now(), dirty_seq = dirty_seq + 1")
    while MetricSnapshot.objects.filter(dirty_since__isnull=False).exists():
        recompute_snapshots()


# --- (e) pandas -----------------------------------------------------------------------------------


def pandas_figures(path: Path, experiments: int) -> tuple[float, int]:
    import pandas as pd
    from django.conf import settings

    started = time.perf_counter()
    frame = pd.read_csv(
        path,
        dtype={"external_id": str, "utm_campaign": str, "channel": str, "customer_id": str},
        keep_default_na=True,
    )
    created = pd.to_datetime(frame["created_at"], utc=True).dt.tz_convert(settings.TIME_ZONE)
    frame["created_date"] = created.dt.tz_localize(None).dt.normalize()
    frame["key"] = frame["utm_campaign"].fillna("").str.strip().str.lower()
    specs = [experiment_spec(i) for i in range(experiments)]
    exps = pd.DataFrame(
        {
            "exp": range(experiments),
            "key": [s[0] for s in specs],
            "start": pd.to_datetime([s[1] for s in specs]),
            "ends": pd.to_datetime([s[1] + dt.timedelta(days=s[2]) for s in specs]),
        }
    )
    joined = frame.merge(exps, on="key", how="inner")
    cohort = joined[(joined["created_date"] >= joined["start"]) & (joined["created_date"] < joined["ends"])].copy()
    won = cohort["won_at"].notna()
    cohort["judged"] = cohort["is_target"].notna()
    cohort["non_target"] = cohort["is_target"] == False  # noqa: E712 (elementwise)
    cohort["mql"] = cohort["mql_at"].notna()
    cohort["sql"] = cohort["sql_at"].notna()
    cohort["customer"] = won
    cohort["sql_customer"] = won & cohort["sql"]
    cohort["orders_n"] = cohort["orders"].fillna(1).where(won, 0)
    cohort["revenue_w"] = cohort["revenue"].fillna(0).where(won, 0)
    cohort["churned"] = won & cohort["churned_at"].notna()
    figures = cohort.groupby("exp").agg(
        leads_total=("external_id", "size"),
        judged_leads=("judged", "sum"),
        non_target_leads=("non_target", "sum"),
        mql=("mql", "sum"),
        sql=("sql", "sum"),
        customers=("customer", "sum"),
        sql_customers=("sql_customer", "sum"),
        orders=("orders_n", "sum"),
        revenue=("revenue_w", "sum"),
        churned_customers=("churned", "sum"),
    )
    return time.perf_counter() - started, len(figures)


# --- main -----------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--experiments", type=int, default=1_000)
    parser.add_argument(
        "--dir", type=Path, default=Path(os.environ.get("TRACKER_VAR_DIR", ROOT / "var")) / "benchmarks"
    )
    parser.add_argument(
        "--stages",
        default="acbdfe",
        help="which stages to run, e.g. bdfe (default: acbdfe); without (a) the leads already loaded are "
        "used; (g) and (x), the amoCRM export as CSV and as XLSX, run last and replace the leads",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the experiments and leads already in the database (loaded by an earlier run's (a))",
    )
    parser.add_argument("--child-import", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-options", type=json.loads, default={}, help=argparse.SUPPRESS)
    parser.add_argument("--child-fingerprint", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child-profile", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-openpyxl", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-read", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-expat", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_expat:
        child_expat(args.child_expat)
        return
    if args.child_read:
        child_read(args.child_read, args.child_options)
        return
    if args.child_import:
        child_import(
            args.child_import, args.child_options, fingerprint=args.child_fingerprint, profile=args.child_profile
        )
        return
    if args.child_openpyxl:
        child_openpyxl(args.child_openpyxl)
        return

    _django()
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("The benchmark compares against PostgreSQL COPY: set DATABASE_URL to a PostgreSQL database.")
    n, m = args.leads, args.experiments
    stages = set(args.stages)
    csv_path = args.dir / f"leads-{n}-{m}.csv"
    quarter_path = args.dir / f"leads-{n // 4}-{m}.csv"
    t = time.perf_counter()
    if not csv_path.exists():
        generate(csv_path, leads=n, experiments=m)
    if not quarter_path.exists() and "a" in stages:
        generate(quarter_path, leads=n // 4, experiments=m)
    print(
        f"data: {n:,} leads over {m:,} experiments, {csv_path.stat().st_size / 2**20:.1f} MiB "
        f"(generated or found in {time.perf_counter() - t:.1f} s)"
    )

    ids = reuse(n, m) if args.reuse or not stages & set("agx") else reset(m)
    results: dict = {"leads": n, "experiments": m, "csv_mib": round(csv_path.stat().st_size / 2**20, 1)}
    results["stages"] = "".join(sorted(stages))
    if "a" in stages:
        results["a_import_quarter"] = run_child_import(quarter_path)
        results["a_import"] = run_child_import(csv_path)
    if "c" in stages:
        results["c_copy_indexed"] = copy_baseline(csv_path, indexed=True)
        results["c_copy_bare"] = copy_baseline(csv_path, indexed=False)
    from django.db import connection as conn

    with conn.cursor() as cursor:
        # What autovacuum does after a bulk load anyway; later stages run on settled tables. The
        # roll-ups and snapshots are updated in place by every run: vacuumed for the same reason.
        for table in ("metrics_lead", "metrics_leadday", "metrics_leaddaychurn", "metrics_metricsnapshot"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    if "b" in stages:
        # The first recompute also records a review unlock for every experiment whose test period
        # has ended (one transaction each, once in an experiment's life); (b) is the steady state.
        results["b_recompute_first"] = recompute_all(ids)
        results["b_recompute_all"] = recompute_all(ids)
    if "d" in stages:
        results["d_raw_group_by"], results["d_groups"] = raw_group_by()
    if "f" in stages:
        results["f_daily_refresh"], results["f_rows"] = daily_refresh(n, m, restore=True)
    if "e" in stages:
        results["e_pandas"], results["e_figures"] = pandas_figures(csv_path, m)
    if stages & set("gx"):
        results.update(amocrm_stages(stages, args.dir, n, m))
    report(results, n, m, args.dir)


def reuse(n: int, m: int) -> list[int]:
    """The benchmark experiments already in the database, after checking the leads are loaded."""
    from experiments.models import Experiment
    from metrics.models import Lead
    from metrics.services import dirty

    dirty.recompute_enqueue = lambda **kwargs: True  # no worker here; the stages recompute themselves
    ids = list(Experiment.objects.filter(utm_campaign__startswith="camp_").order_by("id").values_list("id", flat=True))
    loaded = Lead.objects.filter(external_id__lt=f"crm-{n:08d}").count()
    if len(ids) != m or loaded != n:
        sys.exit(
            f"--reuse needs {m:,} experiments and {n:,} leads loaded (found {len(ids):,} and {loaded:,}): run (a)."
        )
    return ids


def report(results: dict, n: int, m: int, directory: Path) -> None:
    r = results
    lines = []
    if "a_import" in r:
        a, quarter, a_s = r["a_import"], r["a_import_quarter"], r["a_import"]["seconds"]
        q_s = quarter["seconds"]
        lines += [
            f"(a) CSV import, upload to done      {a_s:8.2f} s {a['rows'] / a_s:>10,.0f} rows/s  "
            f"peak RSS {a['rss_mb']:.0f} MiB",
            f"    same at N/4 ({quarter['rows']:,} rows) {q_s:8.2f} s {quarter['rows'] / q_s:>10,.0f} rows/s  "
            f"peak RSS {quarter['rss_mb']:.0f} MiB",
        ]
    if "c_copy_indexed" in r:
        c_s, bare = r["c_copy_indexed"], r["c_copy_bare"]
        lines += [
            f"(c) COPY into indexed scratch table {c_s:8.2f} s {n / c_s:>10,.0f} rows/s",
            f"    COPY into bare table            {bare:8.2f} s {n / bare:>10,.0f} rows/s",
        ]
    if "b_recompute_all" in r:
        lines.append(
            f"(b) recompute all {m:,} snapshots   {r['b_recompute_all']:8.2f} s  (first run, recording review "
            f"unlocks: {r['b_recompute_first']:.2f} s)"
        )
    if "d_raw_group_by" in r:
        lines.append(f"(d) raw SQL GROUP BY ({r['d_groups']} groups) {r['d_raw_group_by']:8.2f} s")
    if "f_daily_refresh" in r:
        f_s = r["f_daily_refresh"]
        lines.append(f"(f) daily refresh, {r['f_rows']:,} rows    {f_s:8.2f} s {r['f_rows'] / f_s:>10,.0f} rows/s")
    if "e_pandas" in r:
        lines.append(
            f"(e) pandas read + figures ({r['e_figures']})  {r['e_pandas']:8.2f} s {n / r['e_pandas']:>10,.0f} rows/s"
        )
    for size, label in (("quarter", f"N/4 = {n // 4:,}"), ("full", f"N = {n:,}")):
        if f"twin_{size}" not in r:
            continue
        twin = r[f"twin_{size}"]
        lines.append(
            f"    amoCRM export, {label} rows: the tracker CSV it means {twin['seconds']:8.2f} s  "
            f"peak RSS {twin['rss_mb']:.0f} MiB"
        )
        if f"g_{size}" in r:
            g = r[f"g_{size}"]
            lines.append(
                f"(g) Windows-1251 CSV import            {g['seconds']:8.2f} s  peak RSS {g['rss_mb']:.0f} MiB  "
                f"g/twin = {g['seconds'] / twin['seconds']:.2f} (goal <= 1.3)"
            )
        if f"x_{size}" in r:
            x, floor = r[f"x_{size}"], r[f"x_openpyxl_{size}"]
            lines += [
                f"(x) XLSX import                        {x['seconds']:8.2f} s  peak RSS {x['rss_mb']:.0f} MiB  "
                f"x/twin = {x['seconds'] / twin['seconds']:.2f} (goal <= 3)",
                f"    openpyxl read alone                {floor['seconds']:8.2f} s  (open {floor['open']:.2f} s, "
                f"rows {floor['rows_read']:.2f} s)  peak RSS {floor['rss_mb']:.0f} MiB  "
                f"openpyxl/twin = {floor['seconds'] / twin['seconds']:.2f}",
            ]
            if f"x_expat_{size}" in r:
                expat = r[f"x_expat_{size}"]
                lines.append(
                    f"    expat read (xlsx_expat.py)         {expat['seconds']:8.2f} s  "
                    f"peak RSS {expat['rss_mb']:.0f} MiB  expat/twin = {expat['seconds'] / twin['seconds']:.2f}"
                )
    if "read_twin" in r:
        reads = [f"tracker CSV {r['read_twin']['seconds']:.2f} s"]
        reads += [f"amoCRM CSV {r['read_g']['seconds']:.2f} s"] if "read_g" in r else []
        reads += [f"amoCRM XLSX {r['read_x']['seconds']:.2f} s"] if "read_x" in r else []
        lines.append(f"    reading alone (no database), N rows: {', '.join(reads)}")
    ratios = []
    if "a_import" in r and "c_copy_indexed" in r:
        ratios.append(f"a/c = {r['a_import']['seconds'] / r['c_copy_indexed']:.2f} (goal <= 1.5)")
    if "b_recompute_all" in r and "d_raw_group_by" in r:
        ratios.append(f"b/d = {r['b_recompute_all'] / r['d_raw_group_by']:.2f} (goal <= 1.5)")
    if "f_daily_refresh" in r and "e_pandas" in r:
        ratios.append(f"f/e = {r['f_daily_refresh'] / r['e_pandas']:.2f} (goal <= 0.5)")
    lines.append("   ".join(ratios))
    print("\n".join(lines))
    out = directory / f"results-{n}-{m}-{r['stages']}.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"results: {out}")


if __name__ == "__main__":
    main()
