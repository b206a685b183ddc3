"""Triggers that keep metrics_leadday exact under every write to metrics_lead.

Triggers rather than service code: every writer (the JSON upsert, the CSV import's own merge, the
admin, deletes) must move the roll-up with the lead, in the same transaction, and only the
database sees the exact old and new row versions when concurrent upserts race on the same leads.
PostgreSQL: statement-level triggers with transition tables, one grouped upsert of deltas per
statement (row order by key and date, so concurrent statements lock roll-up rows in one order).
SQLite (demo): row-level triggers; writers are serialised there.
"""

from django.db import migrations

# (column, contribution of one lead row `r`); keep in step with metrics.services.rollup.
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
NAMES = ", ".join(name for name, _ in CONTRIBUTIONS)


def _pg_function(op: str) -> str:
    plus = ", ".join(f"{expr} AS {name}" for name, expr in CONTRIBUTIONS)
    minus = ", ".join(f"-({expr}) AS {name}" for name, expr in CONTRIBUTIONS)
    parts = []
    if op in ("insert", "update"):
        parts.append(f"SELECT r.utm_key, r.created_date, {plus} FROM new_rows r")
    if op in ("delete", "update"):
        parts.append(f"SELECT r.utm_key, r.created_date, {minus} FROM old_rows r")
    sums = ", ".join(f"SUM({name})" for name, _ in CONTRIBUTIONS)
    sets = ", ".join(f"{name} = d.{name} + EXCLUDED.{name}" for name, _ in CONTRIBUTIONS)
    changed = " OR ".join(f"SUM({name}) <> 0" for name, _ in CONTRIBUTIONS)
    return f"""
CREATE OR REPLACE FUNCTION metrics_leadday_{op}() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    INSERT INTO metrics_leadday AS d (utm_key, created_date, {NAMES})
    SELECT utm_key, created_date, {sums}
    FROM ({" UNION ALL ".join(parts)}) AS x
    GROUP BY utm_key, created_date
    HAVING {changed}
    ORDER BY utm_key, created_date
    ON CONFLICT (utm_key, created_date) DO UPDATE SET {sets};
    RETURN NULL;
END
$body$;
"""


PG_INSTALL = [
    # Room in each page so that the counters' updates stay HOT (pruned in place, no index entry).
    "ALTER TABLE metrics_leadday SET (fillfactor = 70)",
    _pg_function("insert"),
    _pg_function("update"),
    _pg_function("delete"),
    """CREATE OR REPLACE FUNCTION metrics_leadday_truncate() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    DELETE FROM metrics_leadday;
    RETURN NULL;
END
$body$;""",
    "CREATE TRIGGER metrics_leadday_insert AFTER INSERT ON metrics_lead REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION metrics_leadday_insert()",
    "CREATE TRIGGER metrics_leadday_update AFTER UPDATE ON metrics_lead REFERENCING OLD TABLE AS old_rows "
    "NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION metrics_leadday_update()",
    "CREATE TRIGGER metrics_leadday_delete AFTER DELETE ON metrics_lead REFERENCING OLD TABLE AS old_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION metrics_leadday_delete()",
    "CREATE TRIGGER metrics_leadday_truncate AFTER TRUNCATE ON metrics_lead "
    "FOR EACH STATEMENT EXECUTE FUNCTION metrics_leadday_truncate()",
]
PG_REMOVE = [
    *(
        f"DROP TRIGGER IF EXISTS metrics_leadday_{op} ON metrics_lead"
        for op in ("insert", "update", "delete", "truncate")
    ),
    *(f"DROP FUNCTION IF EXISTS metrics_leadday_{op}()" for op in ("insert", "update", "delete", "truncate")),
]


def _sqlite_apply(row: str, sign: str) -> list[str]:
    sets = ", ".join(f"{name} = {name} {sign} ({expr.replace('r.', row + '.')})" for name, expr in CONTRIBUTIONS)
    return [
        f"INSERT OR IGNORE INTO metrics_leadday (utm_key, created_date, {NAMES}) "
        f"VALUES ({row}.utm_key, {row}.created_date, {', '.join('0' for _ in CONTRIBUTIONS)});",
        f"UPDATE metrics_leadday SET {sets} WHERE utm_key = {row}.utm_key AND created_date = {row}.created_date;",
    ]


SQLITE_INSTALL = [
    "CREATE TRIGGER metrics_leadday_insert AFTER INSERT ON metrics_lead BEGIN "
    + " ".join(_sqlite_apply("NEW", "+"))
    + " END",
    "CREATE TRIGGER metrics_leadday_update AFTER UPDATE ON metrics_lead BEGIN "
    + " ".join([*_sqlite_apply("OLD", "-"), *_sqlite_apply("NEW", "+")])
    + " END",
    # A day without leads is dropped. `<= 0` also covers a flush that emptied the roll-up before
    # the leads (Django's test flush deletes table by table on SQLite).
    "CREATE TRIGGER metrics_leadday_delete AFTER DELETE ON metrics_lead BEGIN "
    + " ".join(_sqlite_apply("OLD", "-"))
    + " DELETE FROM metrics_leadday WHERE utm_key = OLD.utm_key AND created_date = OLD.created_date"
    + " AND leads_total <= 0; END",
]
SQLITE_REMOVE = [f"DROP TRIGGER IF EXISTS metrics_leadday_{op}" for op in ("insert", "update", "delete")]


def _run(statements_by_vendor: dict):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("metrics", "0003_leadday")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_INSTALL, "sqlite": SQLITE_INSTALL}),
            _run({"postgresql": PG_REMOVE, "sqlite": SQLITE_REMOVE}),
        )
    ]
