"""Repairing the daily roll-up (`metrics.models.LeadDay`) from the leads.

Triggers keep it exact as leads change (migration 0004); this recomputes rows from the lead table
so that drift (a trigger disabled for a bulk fix, a manual edit) can be repaired: all keys by the
`metrics_rebuild_rollup` command, the keys of stale experiments by the beat sweep.
"""

from collections.abc import Iterable

from django.db import connections, transaction

from metrics.models import Lead, LeadDay, LeadDayChurn

# (column, contribution of one lead row `r`): the same expressions as the triggers.
CONTRIBUTIONS = (
    ("leads_total", "1"),
    ("judged_leads", "CASE WHEN r.is_target IS NOT NULL THEN 1 ELSE 0 END"),
    ("non_target_leads", "CASE WHEN NOT r.is_target THEN 1 ELSE 0 END"),
    ("mql", "CASE WHEN r.mql_at IS NOT NULL THEN 1 ELSE 0 END"),
    ("sql", "CASE WHEN r.sql_at IS NOT NULL THEN 1 ELSE 0 END"),
    ("customers", "CASE WHEN r.won_at IS NOT NULL THEN 1 ELSE 0 END"),
    ("sql_customers", "CASE WHEN r.won_at IS NOT NULL AND r.sql_at IS NOT NULL THEN 1 ELSE 0 END"),
    ("orders", "CASE WHEN r.won_at IS NOT NULL THEN COALESCE(r.orders, 1) ELSE 0 END"),
    (
        "revenue_cents",
        "CASE WHEN r.won_at IS NOT NULL THEN CAST(ROUND(COALESCE(r.revenue, 0) * 100) AS BIGINT) ELSE 0 END",
    ),
    ("churned_customers", "CASE WHEN r.won_at IS NOT NULL AND r.churned_at IS NOT NULL THEN 1 ELSE 0 END"),
)
ROLLUP_NAMES = tuple(name for name, _ in CONTRIBUTIONS)


def leaddays_rebuild(*, keys: Iterable[str] | None = None, using: str = "default", churn: bool = True) -> int:
    """Recompute the roll-up rows (LeadDay and, with `churn`, LeadDayChurn) of these attribution
    keys (all keys when None) from the leads.

    PostgreSQL: the roll-ups are locked against the triggers' writes (SHARE ROW EXCLUSIVE) before
    the leads are read, so a lead change either committed before the read (and is counted) or
    applies its delta after the rebuild. Returns the number of LeadDay rows written.
    """
    connection = connections[using]
    day, lead = LeadDay._meta.db_table, Lead._meta.db_table
    names = ", ".join(ROLLUP_NAMES)
    sums = ", ".join(f"SUM({expr})" for _, expr in CONTRIBUTIONS)
    wanted = None if keys is None else sorted(set(keys))
    if wanted is not None and not wanted:
        return 0
    with transaction.atomic(using=using), connection.cursor() as cursor:
        churn_table = LeadDayChurn._meta.db_table
        if connection.vendor == "postgresql":
            tables = f"{day}, {churn_table}" if churn else day
            cursor.execute(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")
        where, params = "", []
        if wanted is not None:
            marks = ", ".join("%s" for _ in wanted)
            where, params = f" WHERE utm_key IN ({marks})", wanted
        cursor.execute(f"DELETE FROM {day}{where}", params)  # noqa: S608 (table names; values are parameters)
        cursor.execute(
            f"""
            INSERT INTO {day} (utm_key, created_date, {names})
            SELECT r.utm_key, r.created_date, {sums} FROM {lead} r{where.replace("utm_key", "r.utm_key")}
            GROUP BY r.utm_key, r.created_date
            """,  # noqa: S608 (table names and constants; values are parameters)
            params,
        )
        written = cursor.rowcount
        if churn:
            cursor.execute(f"DELETE FROM {churn_table}{where}", params)  # noqa: S608 (table names; values are parameters)
            scope = where.replace("utm_key", "r.utm_key").replace("WHERE", "AND")
            cursor.execute(
                f"""
                INSERT INTO {churn_table} (utm_key, created_date, churn_reason, churned)
                SELECT r.utm_key, r.created_date, r.churn_reason, COUNT(*) FROM {lead} r
                WHERE r.won_at IS NOT NULL AND r.churned_at IS NOT NULL{scope}
                GROUP BY r.utm_key, r.created_date, r.churn_reason
                """,  # noqa: S608 (table names and constants; values are parameters)
                params,
            )
        return written


def rollup_defer(cursor) -> None:
    """PostgreSQL: until `rollup_flush`, the roll-up triggers of this transaction append their
    deltas to a temporary table instead of upserting roll-up rows statement by statement
    (migration 0011). For a bulk writer whose statements each touch most roll-up rows."""
    cursor.execute("SELECT metrics_rollup_defer()")


def rollup_flush(cursor) -> None:
    """PostgreSQL: apply the deltas deferred in this transaction in one grouped upsert; must run
    before the transaction commits."""
    cursor.execute("SELECT metrics_rollup_flush()")
