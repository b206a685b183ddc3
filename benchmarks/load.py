"""Load test: 20 people at once on every page and API read of the production server, on PostgreSQL
with 1,000,000 leads over 1,000 experiments (see benchmarks/README.md, "Load test").

    .venv/bin/python benchmarks/load.py [--duration 90] [--rebuild]      # or: make load-test

1. Fills the database (`benchmarks/load_data.py`) unless it holds the data already (`--rebuild`
   fills it again). The database is a scratch one: `DATABASE_URL`, by default
   postgres://postgres@127.0.0.1:5432/tracker_load, which is created when missing.
2. Starts the production server as `make serve` does (DEBUG off, `check --deploy`, migrate,
   collectstatic, then the `web:` line of Procfile.prod: gunicorn, 2 workers); no worker or beat,
   so that nothing but the requests runs.
3. Runs Locust headless (`benchmarks/locustfile.py`): a warm-up, then `--duration` seconds measured.
4. Prints and writes a table: p50 and p95 of each page and API read, their ratio to the trivial
   page's p95 in the same run (goal <= 5), and the largest response (goal <= 100 KB of HTML).
"""

import argparse
import datetime as dt
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent
TRIVIAL = "healthz (trivial page)"
GOAL_RATIO = 5.0
GOAL_HTML_KB = 100


def server_env(port: int, var: Path) -> dict:
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tracker_load")
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    env.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    env.update(
        DEBUG="false",
        SECRET_KEY=env.get("SECRET_KEY") or "load-test-only-secret-key-not-for-production-use-0123456789",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        TRACKER_VAR_DIR=str(var),
        STATIC_ROOT=str(var / "static"),
        PORT=str(port),
        PATH=f"{BIN}:{env.get('PATH', '')}",
        # The access log names each request as the locustfile did, with the time gunicorn spent on it.
        GUNICORN_CMD_ARGS="--access-logformat '%({x-load-name}i)s|%(s)s|%(M)s'",
    )
    return env


def data_ready(env: dict) -> bool:
    """Whether the database holds the load test's company already (its leads and experiments)."""
    probe = (
        "import django; django.setup(); "
        "from metrics.models import Lead; from experiments.models import Experiment; "
        "print(Lead.objects.count() >= 1_000_000 and Experiment.objects.count() >= 1_000)"
    )
    out = subprocess.run([PYTHON, "-c", probe], env=env, cwd=ROOT, capture_output=True, text=True)
    return out.returncode == 0 and out.stdout.strip().endswith("True")


def fill(env: dict, var: Path) -> None:
    subprocess.run([PYTHON, "benchmarks/load_data.py", "--dir", str(var)], env=env, cwd=ROOT, check=True)


def write_plan(env: dict, var: Path) -> None:
    code = (
        "import sys; sys.path.insert(0, '.'); import django; django.setup(); from pathlib import Path; "
        f"from benchmarks.load_data import write_plan; write_plan(Path({str(var)!r}))"
    )
    subprocess.run([PYTHON, "-c", code], env=env, cwd=ROOT, check=True)


def start_server(env: dict, var: Path) -> subprocess.Popen:
    """`make serve` without the worker and beat: the deploy checks, then Procfile.prod's web line."""
    for command in (
        ["check", "--deploy"],
        ["migrate", "--noinput", "-v", "0"],
        ["collectstatic", "--noinput", "-v", "0"],
    ):
        subprocess.run([PYTHON, "manage.py", *command], env=env, cwd=ROOT, check=True)
    web = next(
        line.split(":", 1)[1].strip()
        for line in (ROOT / "Procfile.prod").read_text().splitlines()
        if line.startswith("web:")
    )
    log = (var / "gunicorn.log").open("w")
    server = subprocess.Popen(
        ["bash", "-c", f"exec {web}"], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{env['PORT']}/accounts/login/"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})
            if urllib.request.urlopen(request, timeout=5).status == 200:  # noqa: S310 (our own server)
                return server
        except OSError:
            time.sleep(0.5)
        if server.poll() is not None:
            break
    stop_server(server)
    sys.exit(f"The server did not start: see {var / 'gunicorn.log'}")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def locust(env: dict, var: Path, *, users: int, seconds: int, results: Path | None) -> None:
    run_env = {**env, "LOAD_PLAN": str(var / "plan.json")}
    if results is not None:
        run_env["LOAD_RESULTS"] = str(results)
    command = [
        str(BIN / "locust"),
        "-f",
        "benchmarks/locustfile.py",
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(users),
        "--run-time",
        f"{seconds}s",
        "--host",
        f"http://127.0.0.1:{env['PORT']}",
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--stop-timeout",
        "30",
    ]
    out = subprocess.run(command, env=run_env, cwd=ROOT, capture_output=True, text=True)
    (var / ("locust.log" if results else "locust-warmup.log")).write_text(out.stdout + out.stderr)


def percentile(values: list[float], q: float) -> float:
    """The q-quantile, linear between the closest ranks (statistics' "inclusive" method)."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


def machine() -> str:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        model = next(
            (
                line.split(":", 1)[1].strip()
                for line in cpuinfo.read_text().splitlines()
                if line.startswith("model name")
            ),
            "",
        )
    cores = f"{os.cpu_count()} cores" + (f" ({model})" if model else "")
    return f"{cores}, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def _load(values: tuple) -> str:
    return " ".join(f"{x:.1f}" for x in values)


def access_log_times(path: Path, start: int) -> dict[str, list[float]]:
    """Milliseconds gunicorn spent on each request since `start` (a byte offset), by request name."""
    times: dict[str, list[float]] = {}
    with path.open("rb") as log:
        log.seek(start)
        for line in log.read().decode(errors="replace").splitlines():
            parts = line.rsplit("|", 2)
            if len(parts) == 3 and parts[0] != "-" and parts[2].isdigit():
                times.setdefault(parts[0], []).append(float(parts[2]))
    return times


def report(
    results: dict,
    server: dict[str, list[float]],
    *,
    seconds: int,
    users: int,
    load_before: tuple,
    load_after: tuple,
    var: Path,
) -> str:
    timings, sizes, failures = results["timings"], results["sizes"], results["failures"]
    if TRIVIAL not in timings:
        sys.exit(f"No successful request of the trivial page: see {var / 'locust.log'}")
    trivial = percentile(timings[TRIVIAL], 0.95)
    plan = json.loads((var / "plan.json").read_text())
    lines = [
        f"Run of {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}: {users} users for {seconds} s "
        f"(after a warm-up); {machine()}.",
        f"Data: {sum(plan['experiments'].values()):,} experiments {plan['experiments']}, 1,000,000 leads.",
        f"Load average (1, 5, 15 min) before / after: {_load(load_before)} / {_load(load_after)}"
        " (other processes share the cores).",
        "",
        "p50 and p95 as the users saw them (waiting for a free worker included); the server's own p50 / p95",
        "from gunicorn's access log (from the moment a worker took the request). Sizes as sent (no compression).",
        "",
        "| page or API read | requests | p50 ms | p95 ms | p95 / trivial p95 | server p50 / p95 ms "
        "| largest response KB | goal |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]

    def order(name: str) -> tuple:
        return (name != TRIVIAL, name.startswith("api:"), name.startswith("login"), name)

    for name in sorted(timings, key=order):
        values = timings[name]
        p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
        ratio = p95 / trivial
        size_kb = sizes.get(name, 0) / 1024
        page = not name.startswith("api:") and not name.startswith("login")
        met = ratio <= GOAL_RATIO and (not page or size_kb <= GOAL_HTML_KB)
        goal = "—" if name == TRIVIAL or name.startswith("login") else ("met" if met else "**missed**")
        failed = f" ({failures[name]} failed)" if failures.get(name) else ""
        own = server.get(name)
        own_text = f"{percentile(own, 0.5):.0f} / {percentile(own, 0.95):.0f}" if own else "—"
        lines.append(
            f"| {name} | {len(values)}{failed} | {p50:.0f} | {p95:.0f} | {ratio:.1f} | {own_text} "
            f"| {size_kb:.1f} | {goal} |"
        )
    other = {name: n for name, n in failures.items() if name not in timings}
    if other:
        lines.append(f"\nFailed without any success: {other}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=90, help="seconds measured (default 90)")
    parser.add_argument("--warmup", type=int, default=15, help="seconds of load before measuring (default 15)")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--port", type=int, default=int(os.environ.get("LOAD_PORT", "8765")))
    parser.add_argument("--rebuild", action="store_true", help="fill the database again")
    parser.add_argument("--dir", type=Path, default=Path(os.environ.get("TRACKER_VAR_DIR", ROOT / "var")) / "load")
    args = parser.parse_args()
    var = args.dir.resolve()
    var.mkdir(parents=True, exist_ok=True)
    env = server_env(args.port, var)
    if not env["DATABASE_URL"].startswith("postgres"):
        sys.exit("The load test runs on PostgreSQL: set DATABASE_URL.")
    if args.rebuild or not data_ready(env):
        fill(env, var)
    write_plan(env, var)
    server = start_server(env, var)
    try:
        if args.warmup:
            locust(env, var, users=args.users, seconds=args.warmup, results=None)
        load_before = os.getloadavg()
        results_path = var / "results.json"
        log_start = (var / "gunicorn.log").stat().st_size
        locust(env, var, users=args.users, seconds=args.duration, results=results_path)
        load_after = os.getloadavg()
        server_times = access_log_times(var / "gunicorn.log", log_start)
    finally:
        stop_server(server)
    table = report(
        json.loads(results_path.read_text()),
        server_times,
        seconds=args.duration,
        users=args.users,
        load_before=load_before,
        load_after=load_after,
        var=var,
    )
    out = var / f"results-{dt.datetime.now():%Y%m%d-%H%M%S}.md"
    out.write_text(table + "\n")
    print(table)
    print(f"\nwritten to {out}")


if __name__ == "__main__":
    main()
