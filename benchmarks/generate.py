"""Deterministic test data: N leads over M experiments, as a CSV file in the import format.

The same seed gives byte-identical files. Experiment i has utm_campaign `camp_<i>`, starts on
2026-01-01 (or `base`) + (i % 300) days and runs 30 days. About 85% of the leads carry an experiment's
utm_campaign (some in mixed case or padded with spaces), created from 3 days before its start to
3 days after its end, so some fall outside the cohort; the rest have another or no campaign.
"""

import argparse
import csv
import datetime as dt
import random
from pathlib import Path

HEADER = [
    "external_id",
    "created_at",
    "utm_campaign",
    "channel",
    "is_target",
    "disqualify_reason",
    "mql_at",
    "sql_at",
    "won_at",
    "revenue",
    "orders",
    "customer_id",
    "churned_at",
    "churn_reason",
]
BASE = dt.date(2026, 1, 1)
TZ = dt.timezone(dt.timedelta(hours=3))
CHANNELS = ["partner-mailings", "paid-search", "events", "content-seo", "webinars"]
REASONS = ["price", "missing integration", " price ", "", "closed business"]


def experiment_spec(i: int, base: dt.date = BASE) -> tuple[str, dt.date, int, str]:
    """(utm_campaign, start_date, test_period_days, channel slug) of experiment i."""
    return f"camp_{i:04d}", base + dt.timedelta(days=i % 300), 30, CHANNELS[i % len(CHANNELS)]


def lead_row(rng: random.Random, serial: int, experiments: int, base: dt.date = BASE) -> list[str]:
    i = rng.randrange(experiments)
    utm, start, period, _ = experiment_spec(i, base)
    roll = rng.random()
    if roll < 0.05:
        utm = utm.upper()
    elif roll < 0.08:
        utm = f"  {utm} "
    elif roll < 0.12:
        utm = rng.choice(["newsletter", "direct", ""])
    elif roll < 0.15:
        utm = f"camp_other_{i}"
    offset = rng.uniform(-3, period + 3)
    created = dt.datetime.combine(start, dt.time(), TZ) + dt.timedelta(days=offset)
    created = created.replace(microsecond=0)
    row = [f"crm-{serial:08d}", created.isoformat(), utm, "", "", "", "", "", "", "", "", "", "", ""]
    if rng.random() < 0.1:
        row[3] = CHANNELS[rng.randrange(len(CHANNELS))]
    judged = rng.random()
    if judged < 0.25:
        row[4], row[5] = "false", "no budget"
        return row
    if judged < 0.4:
        return row  # not judged yet
    row[4] = "true"
    step = created
    for column, chance in ((6, 0.7), (7, 0.5), (8, 0.4)):
        if rng.random() > chance:
            return row
        step += dt.timedelta(hours=rng.uniform(1, 200))
        row[column] = step.isoformat()
    row[9] = f"{rng.uniform(1000, 250000):.2f}"
    row[10] = str(rng.choice([1, 1, 2, 3])) if rng.random() < 0.8 else ""
    row[11] = f"cust-{serial:08d}"
    if rng.random() < 0.15:
        row[12] = (step + dt.timedelta(days=rng.uniform(5, 120))).isoformat()
        row[13] = rng.choice(REASONS)
    return row


def generate(path: Path, *, leads: int, experiments: int, seed: int = 2026, base: dt.date = BASE) -> Path:
    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for serial in range(leads):
            writer.writerow(lead_row(rng, serial, experiments, base))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", type=Path)
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--experiments", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--base", type=dt.date.fromisoformat, default=BASE, help="the first experiment's start")
    args = parser.parse_args()
    generate(args.path, leads=args.leads, experiments=args.experiments, seed=args.seed, base=args.base)


if __name__ == "__main__":
    main()
