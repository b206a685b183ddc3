"""A bulk writer may defer the roll-up's upserts to the end of its transaction (PostgreSQL).

The triggers of 0004 and 0008 upsert one roll-up row per (key, day) a statement touches. A CSV
import of randomly ordered leads touches most days of most keys in every batch, so a million
leads cost about ten times as many roll-up upserts as there are roll-up rows. After
`SELECT metrics_rollup_defer()` the same triggers, still computing their deltas from the exact
old and new rows of each statement, append them to a temporary table of the transaction instead;
`SELECT metrics_rollup_flush()` applies them all in one grouped upsert and turns deferral off.
Both are transaction-local (a transaction-local setting and ON COMMIT DROP tables), so a rollback,
to a savepoint included, undoes deferral, pending deltas and writes together. A writer that defers
must flush before it commits. SQLite (demo) keeps its row triggers unchanged.
"""

from importlib import import_module

from django.db import migrations

_DAY = import_module("metrics.migrations.0004_leadday_triggers")
_CHURN = import_module("metrics.migrations.0008_leaddaychurn_triggers")

SETTING = "metrics.rollup_deferred"
NAMES = _DAY.NAMES
DAY_SETS = ", ".join(f"{name} = d.{name} + EXCLUDED.{name}" for name, _ in _DAY.CONTRIBUTIONS)
DAY_CHANGED = " OR ".join(f"SUM({name}) <> 0" for name, _ in _DAY.CONTRIBUTIONS)
DAY_SUMS = ", ".join(f"SUM({name})" for name, _ in _DAY.CONTRIBUTIONS)


def _day_function(op: str) -> str:
    plus = ", ".join(f"{expr} AS {name}" for name, expr in _DAY.CONTRIBUTIONS)
    minus = ", ".join(f"-({expr}) AS {name}" for name, expr in _DAY.CONTRIBUTIONS)
    parts = []
    if op in ("insert", "update"):
        parts.append(f"SELECT r.utm_key, r.created_date, {plus} FROM new_rows r")
    if op in ("delete", "update"):
        parts.append(f"SELECT r.utm_key, r.created_date, {minus} FROM old_rows r")
    deltas = f"SELECT utm_key, created_date, {DAY_SUMS} FROM ({' UNION ALL '.join(parts)}) AS x GROUP BY utm_key, created_date"
    deferred = f"""
    IF current_setting('{SETTING}', true) = 'on' THEN
        INSERT INTO pg_temp.metrics_leadday_pending (utm_key, created_date, {NAMES}) {deltas};
        RETURN NULL;
    END IF;"""
    return f"""
CREATE OR REPLACE FUNCTION metrics_leadday_{op}() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN{deferred}
    INSERT INTO metrics_leadday AS d (utm_key, created_date, {NAMES})
    {deltas}
    HAVING {DAY_CHANGED}
    ORDER BY utm_key, created_date
    ON CONFLICT (utm_key, created_date) DO UPDATE SET {DAY_SETS};
    RETURN NULL;
END
$body$;
"""


def _churn_function(op: str) -> str:
    parts = []
    if op in ("insert", "update"):
        parts.append(f"SELECT r.utm_key, r.created_date, r.churn_reason, 1 AS n FROM new_rows r WHERE {_CHURN.CHURNED}")
    if op in ("delete", "update"):
        parts.append(f"SELECT r.utm_key, r.created_date, r.churn_reason, -1 AS n FROM old_rows r WHERE {_CHURN.CHURNED}")
    deltas = (
        f"SELECT utm_key, created_date, churn_reason, SUM(n) FROM ({' UNION ALL '.join(parts)}) AS x "
        "GROUP BY utm_key, created_date, churn_reason"
    )
    deferred = f"""
    IF current_setting('{SETTING}', true) = 'on' THEN
        INSERT INTO pg_temp.metrics_leaddaychurn_pending (utm_key, created_date, churn_reason, churned) {deltas};
        RETURN NULL;
    END IF;"""
    return f"""
CREATE OR REPLACE FUNCTION metrics_leaddaychurn_{op}() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN{deferred}
    INSERT INTO metrics_leaddaychurn AS c (utm_key, created_date, churn_reason, churned)
    {deltas}
    HAVING SUM(n) <> 0
    ORDER BY utm_key, created_date, md5(churn_reason)
    ON CONFLICT (utm_key, created_date, md5(churn_reason)) DO UPDATE SET churned = c.churned + EXCLUDED.churned;
    RETURN NULL;
END
$body$;
"""


_DEFER = f"""
CREATE OR REPLACE FUNCTION metrics_rollup_defer() RETURNS void LANGUAGE plpgsql AS $body$
BEGIN
    IF to_regclass('pg_temp.metrics_leadday_pending') IS NULL THEN
        CREATE TEMPORARY TABLE metrics_leadday_pending (
            utm_key text, created_date date, {", ".join(f"{name} bigint" for name, _ in _DAY.CONTRIBUTIONS)}
        ) ON COMMIT DROP;
        CREATE TEMPORARY TABLE metrics_leaddaychurn_pending (
            utm_key text, created_date date, churn_reason text, churned bigint
        ) ON COMMIT DROP;
    END IF;
    PERFORM set_config('{SETTING}', 'on', true);
END
$body$;
"""

_FLUSH = f"""
CREATE OR REPLACE FUNCTION metrics_rollup_flush() RETURNS void LANGUAGE plpgsql AS $body$
BEGIN
    IF current_setting('{SETTING}', true) IS DISTINCT FROM 'on' THEN
        RETURN;
    END IF;
    PERFORM set_config('{SETTING}', 'off', true);
    INSERT INTO metrics_leadday AS d (utm_key, created_date, {NAMES})
    SELECT utm_key, created_date, {DAY_SUMS} FROM pg_temp.metrics_leadday_pending
    GROUP BY utm_key, created_date
    HAVING {DAY_CHANGED}
    ORDER BY utm_key, created_date
    ON CONFLICT (utm_key, created_date) DO UPDATE SET {DAY_SETS};
    INSERT INTO metrics_leaddaychurn AS c (utm_key, created_date, churn_reason, churned)
    SELECT utm_key, created_date, churn_reason, SUM(churned) FROM pg_temp.metrics_leaddaychurn_pending
    GROUP BY utm_key, created_date, churn_reason
    HAVING SUM(churned) <> 0
    ORDER BY utm_key, created_date, md5(churn_reason)
    ON CONFLICT (utm_key, created_date, md5(churn_reason)) DO UPDATE SET churned = c.churned + EXCLUDED.churned;
    TRUNCATE pg_temp.metrics_leadday_pending, pg_temp.metrics_leaddaychurn_pending;
END
$body$;
"""

_OPS = ("insert", "update", "delete")
PG_INSTALL = [
    *(_day_function(op) for op in _OPS),
    *(_churn_function(op) for op in _OPS),
    _DEFER,
    _FLUSH,
]
PG_REMOVE = [
    *(_DAY._pg_function(op) for op in _OPS),
    *(_CHURN._pg_function(op) for op in _OPS),
    "DROP FUNCTION IF EXISTS metrics_rollup_defer()",
    "DROP FUNCTION IF EXISTS metrics_rollup_flush()",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("metrics", "0010_lead_external_id_constraint")]

    operations = [migrations.RunPython(_run(PG_INSTALL), _run(PG_REMOVE))]
