"""The SQL that counts: one aggregate query for many experiments, and the scoreboard's groups.

Counts come from `COUNT/SUM ... FILTER (WHERE ...)` (PostgreSQL and SQLite >= 3.30 both have it),
rates from `metrics.formulas.metrics_from_counts`. Experiment attribution keys are computed in
Python (`metrics.rows.utm_key`) and passed in as a small relation, so "case-insensitive" means the
same thing on every database (SQLite's LOWER() only folds ASCII).
"""

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

from django.db import connection

from experiments.models import Experiment
from metrics.models import Lead, LeadDay, LeadDayChurn, Spend
from metrics.rows import utm_key
from tracker.numbers import parse_decimal

LEAD_COUNT_SELECT = """
    COUNT(l.id) AS leads_total,
    COUNT(l.is_target) AS judged_leads,
    COUNT(l.id) FILTER (WHERE l.is_target = false) AS non_target_leads,
    COUNT(l.mql_at) AS mql,
    COUNT(l.sql_at) AS sql,
    COUNT(l.won_at) AS customers,
    COUNT(l.won_at) FILTER (WHERE l.sql_at IS NOT NULL) AS sql_customers,
    COALESCE(SUM(COALESCE(l.orders, 1)) FILTER (WHERE l.won_at IS NOT NULL), 0) AS orders,
    COALESCE(SUM(l.revenue) FILTER (WHERE l.won_at IS NOT NULL), 0) AS revenue,
    COUNT(l.churned_at) FILTER (WHERE l.won_at IS NOT NULL) AS churned_customers
"""
LEAD_COUNT_NAMES = (
    "leads_total",
    "judged_leads",
    "non_target_leads",
    "mql",
    "sql",
    "customers",
    "sql_customers",
    "orders",
    "revenue",
    "churned_customers",
)
SPEND_SELECT = """
    COALESCE(SUM(s.amount) FILTER (WHERE s.kind = 'marketing'), 0) AS marketing_spend,
    COALESCE(SUM(s.amount) FILTER (WHERE s.kind = 'sales'), 0) AS sales_spend,
    COALESCE(SUM(s.visits), 0) AS visits
"""
SPEND_NAMES = ("marketing_spend", "sales_spend", "visits")
# The {reason: count} breakdowns: why customers churned, why sales judged leads non-target.
REASON_BREAKDOWNS = ("churn_reasons", "non_target_reasons")

_PG_TYPES = {int: "bigint", str: "text", dt.date: "date", dt.datetime: "timestamptz"}


def relation(name: str, columns: Sequence[str], types: Sequence[type], rows: Sequence[tuple]) -> tuple[str, list]:
    """A CTE `name(columns)` holding `rows`.

    PostgreSQL: one JSON text parameter expanded by json_to_recordset (binding thousands of
    separate values, or arrays, costs more in the driver than the query itself). Elsewhere: VALUES.
    """
    if connection.vendor == "postgresql":
        spec = ", ".join(f"{column} {_PG_TYPES[kind]}" for column, kind in zip(columns, types, strict=True))
        payload = json.dumps([dict(zip(columns, row, strict=True)) for row in rows], default=str)
        return f"{name} AS (SELECT * FROM json_to_recordset(%s::json) AS u({spec}))", [payload]  # noqa: S608
    if not rows:
        nulls = ", ".join("NULL" for _ in columns)
        return f"{name}({', '.join(columns)}) AS (SELECT {nulls} WHERE 0)", []
    values = ", ".join("(" + ", ".join("%s" for _ in columns) + ")" for _ in rows)
    return f"{name}({', '.join(columns)}) AS (VALUES {values})", [_param(v) for row in rows for v in row]


def _param(value):
    """A raw SQL parameter as the backend stores it (SQLite keeps dates and UTC times as text)."""
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, dt.date):
        return connection.ops.adapt_datefield_value(value)
    return value


def _tables() -> tuple[str, str]:
    return Lead._meta.db_table, Spend._meta.db_table


DAY_COUNT_SELECT = """
    COALESCE(SUM(d.leads_total), 0), COALESCE(SUM(d.judged_leads), 0), COALESCE(SUM(d.non_target_leads), 0),
    COALESCE(SUM(d.mql), 0), COALESCE(SUM(d.sql), 0), COALESCE(SUM(d.customers), 0),
    COALESCE(SUM(d.sql_customers), 0), COALESCE(SUM(d.orders), 0), COALESCE(SUM(d.revenue_cents), 0),
    COALESCE(SUM(d.churned_customers), 0)
"""


def experiment_counts(experiments: Sequence[Experiment]) -> dict[int, dict]:
    """Raw counts (metrics.md "Counts") of each experiment's cohort and spend, in one query over
    the daily roll-up (a cohort is a range of days of one key: at most `test_period_days` rows),
    plus one more grouped query for the reasons: churn reasons over the daily churn roll-up and
    the reasons sales gave for non-target leads over the cohorts' non-target leads."""
    if not experiments:
        return {}
    lead, spend = _tables()
    day, churn = LeadDay._meta.db_table, LeadDayChurn._meta.db_table
    exp_cte, params = relation(
        "exp",
        ("id", "key", "start_date", "ends_on"),
        (int, str, dt.date, dt.date),
        [(e.id, utm_key(e.utm_campaign), e.start_date, e.ends_on) for e in experiments],
    )
    sql = f"""
        WITH {exp_cte},
        lc AS (
            SELECT exp.id AS id, {DAY_COUNT_SELECT}
            FROM exp LEFT JOIN {day} d
              ON d.utm_key = exp.key AND d.created_date >= exp.start_date AND d.created_date < exp.ends_on
            GROUP BY exp.id
        ),
        sp AS (
            SELECT s.experiment_id AS id, {SPEND_SELECT}
            FROM {spend} s WHERE s.experiment_id IN (SELECT id FROM exp)
            GROUP BY s.experiment_id
        )
        SELECT lc.*, COALESCE(sp.marketing_spend, 0), COALESCE(sp.sales_spend, 0), COALESCE(sp.visits, 0)
        FROM lc LEFT JOIN sp ON sp.id = lc.id
    """  # noqa: S608 (table names and constants only; values are parameters)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = ("id", *LEAD_COUNT_NAMES, *SPEND_NAMES)
        counts = {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}
        for row in counts.values():
            row["revenue"] = Decimal(int(row["revenue"])).scaleb(-2)  # the roll-up keeps cents
        # Both breakdowns in one query: why customers churned (from the daily churn roll-up) and
        # why sales judged leads non-target (from the cohorts' non-target leads).
        cursor.execute(
            f"""
            WITH {exp_cte}
            SELECT 'churn_reasons', exp.id, c.churn_reason, SUM(c.churned)
            FROM exp JOIN {churn} c
              ON c.utm_key = exp.key AND c.created_date >= exp.start_date AND c.created_date < exp.ends_on
            GROUP BY exp.id, c.churn_reason
            HAVING SUM(c.churned) > 0
            UNION ALL
            SELECT 'non_target_reasons', exp.id, l.disqualify_reason, COUNT(*)
            FROM exp JOIN {lead} l
              ON l.utm_key = exp.key AND l.created_date >= exp.start_date AND l.created_date < exp.ends_on
            WHERE l.is_target = false
            GROUP BY exp.id, l.disqualify_reason
            """,  # noqa: S608 (table names and constants only; values are parameters)
            params,
        )
        for breakdown, experiment_id, reason, number in cursor.fetchall():
            add_reason(counts[experiment_id].setdefault(breakdown, {}), reason, number)
    return counts


def reason_label(reason: str | None) -> str:
    """metrics.md: reason text trimmed; an empty reason counts as "unspecified"."""
    return (reason or "").strip() or "unspecified"


def add_reason(reasons: dict[str, int], reason: str | None, number: int) -> None:
    """Count `number` under the reason's label (reasons that differ only in spaces share one): the
    churn reasons of churned customers and the disqualify reasons of non-target leads alike."""
    label = reason_label(reason)
    reasons[label] = reasons.get(label, 0) + number


def reasons_by_count(reasons: dict[str, int] | None) -> list[tuple[str, int]]:
    """(reason, count) pairs, most frequent first, then by reason (a stored JSON object keeps no order)."""
    return sorted((reasons or {}).items(), key=lambda item: (-item[1], item[0]))


def utm_channels() -> list[tuple[str, int]]:
    """(attribution key, channel id): the channel of the experiment a utm_campaign belongs to.

    Several experiments may share a key when all but one are cancelled; the active one wins,
    then the oldest.
    """
    mapping: dict[str, int] = {}
    rows = Experiment.objects.order_by("id").values_list("utm_campaign", "channel_id", "status")
    for active_first in (True, False):
        for utm, channel_id, status in rows:
            if (status != Experiment.Status.CANCELLED) == active_first:
                mapping.setdefault(utm_key(utm), channel_id)
    return sorted(mapping.items())


def period_counts(
    *, date_from: dt.date, date_to: dt.date, start: dt.datetime, end: dt.datetime
) -> dict[int | None, dict]:
    """Scoreboard counts per channel (None: leads of no channel) over a period.

    Leads created on a local date in [date_from, date_to); spend dated in it; churn counted by
    `churned_at` in [start, end) against customers active at `start` (metrics.md, churn rate).
    """
    lead, spend = _tables()
    map_cte, map_params = relation("chmap", ("key", "channel_id"), (str, int), utm_channels())
    channel_of = "COALESCE(l.channel_id, chmap.channel_id)"
    groups: dict[int | None, dict] = defaultdict(lambda: {"churn_reasons": {}, "non_target_reasons": {}})
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH {map_cte}
            SELECT {channel_of} AS ch, {LEAD_COUNT_SELECT}
            FROM {lead} l LEFT JOIN chmap ON chmap.key = l.utm_key
            WHERE l.created_date >= %s AND l.created_date < %s
            GROUP BY {channel_of}
            """,  # noqa: S608 (table names and constants only; values are parameters)
            [*map_params, _param(date_from), _param(date_to)],
        )
        for row in cursor.fetchall():
            groups[row[0]].update(zip(LEAD_COUNT_NAMES, row[1:], strict=True))
        # Churn of the period is about every customer, whenever the lead was created.
        cursor.execute(
            f"""
            WITH {map_cte}
            SELECT {channel_of} AS ch,
                COUNT(l.id) FILTER (WHERE l.churned_at >= %s AND l.churned_at < %s) AS churned,
                COUNT(l.id) FILTER (WHERE l.won_at < %s AND (l.churned_at IS NULL OR l.churned_at >= %s)) AS active
            FROM {lead} l LEFT JOIN chmap ON chmap.key = l.utm_key
            WHERE l.won_at IS NOT NULL AND l.won_at < %s
            GROUP BY {channel_of}
            """,  # noqa: S608 (table names and constants only; values are parameters)
            [*map_params, *map(_param, (start, end, start, start, end))],
        )
        for ch, churned, active in cursor.fetchall():
            groups[ch]["churned_customers"] = churned
            groups[ch]["active_customers_at_start"] = active
        cursor.execute(
            f"""
            WITH {map_cte}
            SELECT {channel_of} AS ch, l.churn_reason, COUNT(*)
            FROM {lead} l LEFT JOIN chmap ON chmap.key = l.utm_key
            WHERE l.won_at IS NOT NULL AND l.churned_at >= %s AND l.churned_at < %s
            GROUP BY {channel_of}, l.churn_reason
            """,  # noqa: S608 (table names and constants only; values are parameters)
            [*map_params, _param(start), _param(end)],
        )
        for ch, reason, number in cursor.fetchall():
            add_reason(groups[ch]["churn_reasons"], reason, number)
        cursor.execute(
            f"""
            WITH {map_cte}
            SELECT {channel_of} AS ch, l.disqualify_reason, COUNT(*)
            FROM {lead} l LEFT JOIN chmap ON chmap.key = l.utm_key
            WHERE l.created_date >= %s AND l.created_date < %s AND l.is_target = false
            GROUP BY {channel_of}, l.disqualify_reason
            """,  # noqa: S608 (table names and constants only; values are parameters)
            [*map_params, _param(date_from), _param(date_to)],
        )
        for ch, reason, number in cursor.fetchall():
            add_reason(groups[ch]["non_target_reasons"], reason, number)
        cursor.execute(
            f"""
            SELECT e.channel_id AS ch, {SPEND_SELECT}
            FROM {spend} s JOIN {Experiment._meta.db_table} e ON e.id = s.experiment_id
            WHERE s.date >= %s AND s.date < %s
            GROUP BY e.channel_id
            """,  # noqa: S608 (table names and constants only; values are parameters)
            [_param(date_from), _param(date_to)],
        )
        for row in cursor.fetchall():
            groups[row[0]].update(zip(SPEND_NAMES, row[1:], strict=True))
    return dict(groups)


def periods_counts(periods: Sequence[tuple[dt.date, dt.date, dt.datetime, dt.datetime]]) -> list[dict]:
    """The department totals of `period_counts` (every channel together) for many periods at once.

    Each period is (date_from, date_to, start, end) as in `period_counts`. Lead counts are summed
    from the daily roll-up (a period is a range of its days); churn of each period from ranges of
    the index on customers; spend from one grouped query. The cost grows with the days and
    customers involved, not with the number of periods times the leads.
    """
    if not periods:
        return []
    lead, spend = _tables()
    day = LeadDay._meta.db_table
    cte, params = relation(
        "p",
        ("i", "date_from", "date_to", "start_at", "end_at"),
        (int, dt.date, dt.date, dt.datetime, dt.datetime),
        [(i, *period) for i, period in enumerate(periods)],
    )
    counts: list[dict] = [
        {"churn_reasons": {}, "non_target_reasons": {}, "churned_customers": 0, "active_customers_at_start": 0}
        for _ in periods
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH {cte}
            SELECT p.i, {DAY_COUNT_SELECT}
            FROM p LEFT JOIN {day} d ON d.created_date >= p.date_from AND d.created_date < p.date_to
            GROUP BY p.i
            """,  # noqa: S608 (table names and constants only; values are parameters)
            params,
        )
        for i, *values in cursor.fetchall():
            counts[i].update(zip(LEAD_COUNT_NAMES, values, strict=True))
            counts[i]["revenue"] = Decimal(int(counts[i]["revenue"])).scaleb(-2)  # the roll-up keeps cents
        # Churn of a period is about every customer, whenever the lead was created: two ranges of
        # the index on won customers per period (`lead_won`), read from the index alone.
        cursor.execute(
            f"""
            WITH {cte}
            SELECT p.i,
                (SELECT COUNT(*) FROM {lead} w
                 WHERE w.won_at < p.end_at AND w.churned_at >= p.start_at AND w.churned_at < p.end_at),
                (SELECT COUNT(*) FROM {lead} w
                 WHERE w.won_at < p.start_at AND (w.churned_at IS NULL OR w.churned_at >= p.start_at))
            FROM p
            """,  # noqa: S608 (table names and constants only; values are parameters)
            params,
        )
        for i, churned, active in cursor.fetchall():
            counts[i]["churned_customers"], counts[i]["active_customers_at_start"] = churned, active
        # The bounds of all periods together let the churn index find the rows: joined to the
        # periods alone, PostgreSQL scanned every lead.
        cursor.execute(
            f"""
            WITH {cte}
            SELECT p.i, l.churn_reason, COUNT(*)
            FROM p JOIN {lead} l ON l.churned_at >= p.start_at AND l.churned_at < p.end_at
            WHERE l.won_at IS NOT NULL
              AND l.churned_at >= (SELECT MIN(start_at) FROM p) AND l.churned_at < (SELECT MAX(end_at) FROM p)
            GROUP BY p.i, l.churn_reason
            """,  # noqa: S608 (table names and constants only; values are parameters)
            params,
        )
        for i, reason, number in cursor.fetchall():
            add_reason(counts[i]["churn_reasons"], reason, number)
        cursor.execute(
            f"""
            WITH {cte}
            SELECT p.i, l.disqualify_reason, COUNT(*)
            FROM p JOIN {lead} l ON l.created_date >= p.date_from AND l.created_date < p.date_to
            WHERE l.is_target = false
            GROUP BY p.i, l.disqualify_reason
            """,  # noqa: S608 (table names and constants only; values are parameters)
            params,
        )
        for i, reason, number in cursor.fetchall():
            add_reason(counts[i]["non_target_reasons"], reason, number)
        cursor.execute(
            f"""
            WITH {cte}
            SELECT p.i, {SPEND_SELECT}
            FROM p JOIN {spend} s ON s.date >= p.date_from AND s.date < p.date_to
            GROUP BY p.i
            """,  # noqa: S608 (table names and constants only; values are parameters)
            params,
        )
        for i, *values in cursor.fetchall():
            counts[i].update(zip(SPEND_NAMES, values, strict=True))
    return counts


def merge_counts(groups: Sequence[dict]) -> dict:
    """The sum of several groups' raw counts (money as Decimal, reasons merged)."""
    total: dict = {name: {} for name in REASON_BREAKDOWNS}
    for group in groups:
        for name, value in group.items():
            if name in REASON_BREAKDOWNS:
                for reason, number in value.items():
                    total[name][reason] = total[name].get(reason, 0) + number
            elif value is not None:
                if isinstance(value, float):
                    value = parse_decimal(value)
                total[name] = total.get(name, 0) + value
    return total
