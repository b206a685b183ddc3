"""Triggers that keep metrics_leaddaychurn exact under every write to metrics_lead (as 0004 does
for metrics_leadday): churned customers counted per (key, local date, churn reason)."""

from django.db import migrations

CHURNED = "r.won_at IS NOT NULL AND r.churned_at IS NOT NULL"


def _pg_function(op: str) -> str:
    parts = []
    if op in ("insert", "update"):
        parts.append(f"SELECT r.utm_key, r.created_date, r.churn_reason, 1 AS n FROM new_rows r WHERE {CHURNED}")
    if op in ("delete", "update"):
        parts.append(f"SELECT r.utm_key, r.created_date, r.churn_reason, -1 AS n FROM old_rows r WHERE {CHURNED}")
    return f"""
CREATE OR REPLACE FUNCTION metrics_leaddaychurn_{op}() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    INSERT INTO metrics_leaddaychurn AS c (utm_key, created_date, churn_reason, churned)
    SELECT utm_key, created_date, churn_reason, SUM(n)
    FROM ({" UNION ALL ".join(parts)}) AS x
    GROUP BY utm_key, created_date, churn_reason
    HAVING SUM(n) <> 0
    ORDER BY utm_key, created_date, md5(churn_reason)
    ON CONFLICT (utm_key, created_date, md5(churn_reason)) DO UPDATE SET churned = c.churned + EXCLUDED.churned;
    RETURN NULL;
END
$body$;
"""


PG_INSTALL = [
    "ALTER TABLE metrics_leaddaychurn SET (fillfactor = 70)",
    "CREATE UNIQUE INDEX leaddaychurn_key_date_reason ON metrics_leaddaychurn (utm_key, created_date, md5(churn_reason))",
    _pg_function("insert"),
    _pg_function("update"),
    _pg_function("delete"),
    """CREATE OR REPLACE FUNCTION metrics_leaddaychurn_truncate() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    DELETE FROM metrics_leaddaychurn;
    RETURN NULL;
END
$body$;""",
    "CREATE TRIGGER metrics_leaddaychurn_insert AFTER INSERT ON metrics_lead REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION metrics_leaddaychurn_insert()",
    "CREATE TRIGGER metrics_leaddaychurn_update AFTER UPDATE ON metrics_lead REFERENCING OLD TABLE AS old_rows "
    "NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION metrics_leaddaychurn_update()",
    "CREATE TRIGGER metrics_leaddaychurn_delete AFTER DELETE ON metrics_lead REFERENCING OLD TABLE AS old_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION metrics_leaddaychurn_delete()",
    "CREATE TRIGGER metrics_leaddaychurn_truncate AFTER TRUNCATE ON metrics_lead "
    "FOR EACH STATEMENT EXECUTE FUNCTION metrics_leaddaychurn_truncate()",
]
PG_REMOVE = [
    *(
        f"DROP TRIGGER IF EXISTS metrics_leaddaychurn_{op} ON metrics_lead"
        for op in ("insert", "update", "delete", "truncate")
    ),
    *(f"DROP FUNCTION IF EXISTS metrics_leaddaychurn_{op}()" for op in ("insert", "update", "delete", "truncate")),
    "DROP INDEX IF EXISTS leaddaychurn_key_date_reason",
]


def _sqlite_apply(row: str, sign: str) -> list[str]:
    churned = CHURNED.replace("r.", row + ".")
    match = (
        f"utm_key = {row}.utm_key AND created_date = {row}.created_date AND churn_reason = {row}.churn_reason"
    )
    statements = []
    if sign == "+":
        statements.append(
            "INSERT INTO metrics_leaddaychurn (utm_key, created_date, churn_reason, churned) "
            f"SELECT {row}.utm_key, {row}.created_date, {row}.churn_reason, 0 WHERE {churned} "
            f"AND NOT EXISTS (SELECT 1 FROM metrics_leaddaychurn WHERE {match});"
        )
    statements.append(f"UPDATE metrics_leaddaychurn SET churned = churned {sign} 1 WHERE {churned} AND {match};")
    if sign == "-":
        # `<= 0` also covers a flush that emptied the roll-up before the leads.
        statements.append(f"DELETE FROM metrics_leaddaychurn WHERE {match} AND churned <= 0;")
    return statements


SQLITE_INSTALL = [
    "CREATE TRIGGER metrics_leaddaychurn_insert AFTER INSERT ON metrics_lead BEGIN "
    + " ".join(_sqlite_apply("NEW", "+"))
    + " END",
    "CREATE TRIGGER metrics_leaddaychurn_update AFTER UPDATE ON metrics_lead BEGIN "
    + " ".join([*_sqlite_apply("OLD", "-"), *_sqlite_apply("NEW", "+")])
    + " END",
    "CREATE TRIGGER metrics_leaddaychurn_delete AFTER DELETE ON metrics_lead BEGIN "
    + " ".join(_sqlite_apply("OLD", "-"))
    + " END",
]
SQLITE_REMOVE = [f"DROP TRIGGER IF EXISTS metrics_leaddaychurn_{op}" for op in ("insert", "update", "delete")]


def _run(statements_by_vendor: dict):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("metrics", "0007_leaddaychurn")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_INSTALL, "sqlite": SQLITE_INSTALL}),
            _run({"postgresql": PG_REMOVE, "sqlite": SQLITE_REMOVE}),
        )
    ]
