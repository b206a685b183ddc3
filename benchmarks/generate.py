"""Deterministic test data: N leads over M experiments, as a CSV file in the import format.

The same seed gives byte-identical files. Experiment i has utm_campaign `camp_<i>`, starts on
2026-01-01 (or `base`) + (i % 300) days and runs 30 days. About 85% of the leads carry an experiment's
utm_campaign (some in mixed case or padded with spaces), created from 3 days before its start to
3 days after its end, so some fall outside the cohort; the rest have another or no campaign.

`generate_amocrm` writes the same leads as an amoCRM deals export (Windows-1251 CSV and XLSX), with
the tracker CSV that the export means once its stages are mapped (imports.md), for comparing the
two imports on the same database work.
"""

import argparse
import csv
import datetime as dt
import random
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

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


# --- the same leads as an amoCRM deals export --------------------------------------------------------

AMOCRM_HEADER = [
    "ID",
    "Название сделки",
    "Бюджет",
    "Этап сделки",
    "Дата создания сделки",
    "Дата закрытия",
    "Причина отказа",
    "utm_campaign",
]
AMOCRM_ID_BASE = 10_000_000  # amoCRM deal ids are numbers
# The stage a deal stands at, by the furthest level its lead reached. A target lead that reached no
# step of the funnel has no level of its own in a CRM's pipeline: it stands at the first stage.
AMOCRM_STAGE = {
    "won": "Успешно реализовано",
    "non_target": "Закрыто и не реализовано",
    "sql": "Переговоры",
    "mql": "Квалифицирован",
    "new": "Первичный контакт",
}
AMOCRM_REASON = "Нецелевой"
AMOCRM_OPEN = "не закрыта"
# The import options that read the export (`import_job_create(preset="amocrm", ...)`): the
# preset's own proposal for the lost stage (the level it reached) and the loss reason that marks
# junk, as an amoCRM account marks it.
AMOCRM_OPTIONS = {
    "preset": "amocrm",
    "mapping": {
        "external_id": "ID",
        "created_at": "Дата создания сделки",
        "utm_campaign": "utm_campaign",
        "stage": "Этап сделки",
        "reason": "Причина отказа",
        "won_at": "Дата закрытия",
        "revenue": "Бюджет",
    },
    "stages": {
        "Успешно реализовано": "won",
        "Закрыто и не реализовано": "mql",
        "Переговоры": "sql",
        "Квалифицирован": "mql",
        "Первичный контакт": "new",
    },
    "reasons": {AMOCRM_REASON: "non_target"},
}
ZONE = "Europe/Moscow"  # the product's default TIME_ZONE: the export's local times


def lead_level(row: list[str]) -> str:
    """The furthest level a generated lead reached."""
    if row[8]:
        return "won"
    if row[7]:
        return "sql"
    if row[6]:
        return "mql"
    return "non_target" if row[4] == "false" else "new"


def _local(text: str, zone: ZoneInfo) -> dt.datetime:
    """An ISO datetime as the CRM shows it: local, naive, to the second."""
    return dt.datetime.fromisoformat(text).astimezone(zone).replace(tzinfo=None, microsecond=0)


def _budget(amount: str) -> str:
    """`12500.50` as amoCRM writes it: `12 500,50`."""
    return f"{Decimal(amount):,.2f}".replace(",", " ").replace(".", ",") if amount else "0"


def amocrm_deal(row: list[str], serial: int, zone: ZoneInfo) -> list[object]:
    """A tracker row as an amoCRM deal: typed cells (datetimes local and naive, numbers)."""
    level = lead_level(row)
    created = _local(row[1], zone)
    closed: object = AMOCRM_OPEN
    if level == "won":
        closed = _local(row[8], zone)
    elif level == "non_target":
        closed = created + dt.timedelta(hours=1 + serial % 47)
    revenue = Decimal(row[9]) if level == "won" and row[9] else Decimal(0)
    return [
        AMOCRM_ID_BASE + serial,
        f"Заявка с сайта №{serial}",
        revenue,
        AMOCRM_STAGE[level],
        created,
        closed,
        AMOCRM_REASON if level == "non_target" else "",
        row[2],
    ]


def amocrm_csv_cells(deal: list[object]) -> list[str]:
    """The deal as amoCRM's CSV writes it: `01.12.2026 09:05:33`, `12 500,50`."""
    cells = []
    for cell in deal:
        if isinstance(cell, dt.datetime):
            cells.append(cell.strftime("%d.%m.%Y %H:%M:%S"))
        elif isinstance(cell, Decimal):
            cells.append(_budget(f"{cell:f}") if cell else "0")
        else:
            cells.append(str(cell))
    return cells


# The tracker's columns an amoCRM export fills once mapped (`metrics.sources.mapping.LeadBatches`).
AMOCRM_MEANING_HEADER = [
    "external_id",
    "created_at",
    "utm_campaign",
    "is_target",
    "disqualify_reason",
    "mql_at",
    "sql_at",
    "won_at",
    "revenue",
]


def amocrm_meaning(deal: list[object]) -> list[str]:
    """The tracker row (AMOCRM_MEANING_HEADER) the deal means once its stages are mapped, as the
    import reads it (imports.md, "From a CRM stage to the funnel"): events at the creation time, the
    won date from `Дата закрытия`, local times without an offset (read in TIME_ZONE)."""
    external_id, _name, revenue, stage, created, closed, reason, utm = deal
    level = next(level for level, name in AMOCRM_STAGE.items() if name == stage)
    assert isinstance(created, dt.datetime)
    created_at = created.isoformat()
    row = [str(external_id), created_at, str(utm).strip(), "", "", "", "", "", ""]
    if level == "non_target":
        row[3], row[4] = "false", str(reason)
    elif level != "new":
        row[3] = "true"
        row[5] = created_at
        if level in ("sql", "won"):
            row[6] = created_at
        if level == "won":
            assert isinstance(closed, dt.datetime)
            row[7] = closed.isoformat()
            row[8] = f"{revenue:f}"
    return row


def amocrm_paths(directory: Path, leads: int, experiments: int) -> tuple[Path, Path, Path]:
    """(the amoCRM CSV, the same as XLSX, the tracker CSV it means) of N leads over M experiments."""
    return (
        directory / f"amocrm-{leads}-{experiments}.csv",
        directory / f"amocrm-{leads}-{experiments}.xlsx",
        directory / f"leads_amo_equiv-{leads}-{experiments}.csv",
    )


def generate_amocrm(
    csv_path: Path,
    meaning_path: Path,
    xlsx_path: Path | None = None,
    *,
    leads: int,
    experiments: int,
    seed: int = 2026,
    base: dt.date = BASE,
    zone: str = ZONE,
) -> None:
    """The leads `generate` writes (same seed, same rows) as an amoCRM export: a Windows-1251 CSV
    with `;`, the same rows as an XLSX workbook (date cells, number cells) if `xlsx_path` is given,
    and the tracker CSV of what the export means."""
    tz = ZoneInfo(zone)
    rng = random.Random(seed)
    for path in (csv_path, meaning_path, xlsx_path):
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
    workbook = sheet = None
    if xlsx_path is not None:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Сделки")
        sheet.append(AMOCRM_HEADER)
    with (
        csv_path.open("w", newline="", encoding="cp1251") as amocrm_out,
        meaning_path.open("w", newline="", encoding="utf-8") as meaning_out,
    ):
        amocrm = csv.writer(amocrm_out, delimiter=";")
        meaning = csv.writer(meaning_out)
        amocrm.writerow(AMOCRM_HEADER)
        meaning.writerow(AMOCRM_MEANING_HEADER)
        for serial in range(leads):
            deal = amocrm_deal(lead_row(rng, serial, experiments, base), serial, tz)
            amocrm.writerow(amocrm_csv_cells(deal))
            meaning.writerow(amocrm_meaning(deal))
            if sheet is not None:
                sheet.append([float(cell) if isinstance(cell, Decimal) else cell for cell in deal])
    if workbook is not None and xlsx_path is not None:
        workbook.save(xlsx_path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", type=Path, help="the CSV file (with --amocrm: the directory of the three files)")
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--experiments", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--base", type=dt.date.fromisoformat, default=BASE, help="the first experiment's start")
    parser.add_argument(
        "--amocrm",
        action="store_true",
        help="write the same leads as an amoCRM export into the directory PATH: amocrm-N-M.csv "
        "(Windows-1251), amocrm-N-M.xlsx and leads_amo_equiv-N-M.csv (the tracker CSV it means)",
    )
    args = parser.parse_args()
    if args.amocrm:
        csv_path, xlsx_path, meaning_path = amocrm_paths(args.path, args.leads, args.experiments)
        generate_amocrm(
            csv_path,
            meaning_path,
            xlsx_path,
            leads=args.leads,
            experiments=args.experiments,
            seed=args.seed,
            base=args.base,
        )
        return
    generate(args.path, leads=args.leads, experiments=args.experiments, seed=args.seed, base=args.base)


if __name__ == "__main__":
    main()
