"""CSV lead import on PostgreSQL: lines copied as text, checked set-based in SQL, merged in bulk.

Per-value Python work (parsing, then formatting again for COPY) was most of an import's time. Here
Python only splits lines (`metrics.services.import_csv.read_batches`, the C `csv` reader, so that a
malformed line is reported with its line number) and copies the fields as text, with their line
numbers, into a temporary table. One SQL
statement per batch then types and checks the rows.

SQL accepts a row only when every value is in a plain form that `metrics.rows` reads the same way
(ISO datetimes, plain decimals, printable ASCII keys...), guarded by patterns before any cast. Every
other row — each row with an error among them — is read back and cleaned by the same `LeadCleaner`
as the JSON API, so messages and accepted forms are exactly the API's. Leads whose external_id is
new are inserted without the conflict path; the rest go through an upsert like the JSON one.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import psycopg
from django.db import IntegrityError

from experiments.models import Channel
from metrics.models import Lead
from metrics.rows import LEAD_COLUMNS, LEAD_SOURCE_COLUMNS, LeadCleaner
from metrics.services.import_csv import Batch
from metrics.services.leads import SOURCE_VALUES, LeadSource, MergeCounts, copy_text, lead_writes_lock, upsert_select
from metrics.services.rollup import rollup_defer, rollup_flush
from tracker.input_limits import visible

DONE = "metrics_import_done"

# The shape of a line whose every value SQL may cast as it stands: one Python regular expression
# per line (in C, ~1-2 us; the same checks in SQL cost ~10 us a row). Only forms that
# datetime.fromisoformat, Decimal and int read as PostgreSQL does; impossible dates (Feb 30) fail,
# so no cast can raise. Feb 29, years outside 2000-2099 (the accepted range ends in 2100) and any
# other form go to Python, as does any control character (Python refuses them).
_DATE = (
    r"20[0-9]{2}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])"
    r"|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)"
)
_TIME = r"[T ](?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,6})?)?"
_MOMENT = rf"(?:| *{_DATE}(?:{_TIME}(?:Z|[+-](?:0[0-9]|1[0-4]):[0-5][0-9])?)? *)"
_CHAR = r"[^\x00-\x1f\x7f-\x9f]"  # not a control character (nor the tab between fields)
_FIELD_PATTERNS = {
    # No whitespace at the ends (strip() is then a no-op), at most 255 characters.
    "external_id": rf"[!-~](?:{_CHAR}{{0,253}}[!-~])?",
    "created_at": _MOMENT,
    "mql_at": _MOMENT,
    "sql_at": _MOMENT,
    "won_at": _MOMENT,
    "churned_at": _MOMENT,
    # Printable ASCII: trimming and lower-casing agree with Python's.
    "utm_campaign": r"[ -~]{0,255}",
    "customer_id": rf"{_CHAR}{{0,255}}",
    "is_target": r" *(?:true|1|yes|y|t|false|0|no|n|f|null|none)? *",
    "revenue": r"(?:| *[0-9]{1,12}(?:[.,][0-9]{0,2})? *)",  # <= 999999999999.99
    "orders": r"(?:| *[0-9]{1,9} *)",
}
_TRUE = "'true', '1', 'yes', 'y', 't'"
_FALSE = "'false', '0', 'no', 'n', 'f'"
_DATETIMES = ("created_at", "mql_at", "sql_at", "won_at", "churned_at")


def line_pattern(header: Sequence[str]) -> re.Pattern[str]:
    """Matches the tab-joined fields of a line that SQL may check on its own."""
    parts = [_FIELD_PATTERNS.get(name, rf"{_CHAR}*") for name in header]
    return re.compile("\t".join(parts), re.ASCII | re.IGNORECASE)


def raw_table(width: int) -> str:
    return f"metrics_import_raw_{width}"


def validate_sql(header: list[str]) -> str:
    """SELECT every raw row typed (LEAD_COLUMNS), with `ok` true only for rows SQL fully checked.

    Datetimes without an offset are read in the session's time zone: run it with TimeZone set to
    the configured zone (as `BatchLoader.check` does).
    """
    index = {name: i for i, name in enumerate(header)}  # the last column of a name wins, as in a dict

    def raw(name: str) -> str:
        return f"c{index[name]}" if name in index else "NULL::text"

    plain = ["external_id", "utm_campaign", "customer_id", "disqualify_reason", "churn_reason"]
    s_cols = [f"{raw(n)} AS x_{n}" for n in plain]
    s_cols += [f"{raw(n)} AS x_{n}, btrim({raw(n)}) AS t_{n}" for n in (*_DATETIMES, "revenue", "orders", "channel")]
    s_cols.append(f"{raw('is_target')} AS x_is_target, lower(btrim({raw('is_target')})) AS t_is_target")
    v_cols = ["s.*", "ch.id AS channel_id"]
    v_cols += [f"CASE WHEN fmt AND t_{n} <> '' THEN t_{n}::timestamptz END AS {n}" for n in _DATETIMES]
    v_cols.append("CASE WHEN fmt AND t_revenue <> '' THEN replace(t_revenue, ',', '.')::numeric(14,2) END AS revenue")
    v_cols.append("CASE WHEN fmt AND t_orders <> '' THEN t_orders::integer END AS orders")
    v_cols.append(
        f"CASE WHEN t_is_target IN ({_TRUE}) THEN true WHEN t_is_target IN ({_FALSE}) THEN false END AS is_target"
    )

    def moment_ok(n: str) -> str:
        # Refused here near a clock change, where a local time may be skipped or happen twice and
        # PostgreSQL and Python may pick different offsets: the offsets three hours before and
        # after must agree. (Python then cleans the row, with or without an offset.)
        return (
            f"({n} IS NULL OR extract(timezone FROM {n} - interval '3 hours')"
            f" = extract(timezone FROM {n} + interval '3 hours'))"
        )

    checks = [
        "fmt",
        "x_external_id IS NOT NULL",
        "created_at IS NOT NULL",
        "(x_channel IS NULL OR x_channel = '' OR channel_id IS NOT NULL)",
        *(moment_ok(n) for n in _DATETIMES),
        *(f"({n} IS NULL OR {n} >= created_at)" for n in _DATETIMES[1:]),
    ]
    checks.append("(churned_at IS NULL OR (won_at IS NOT NULL AND churned_at >= won_at))")
    ok = " AND ".join(checks)
    values = {
        "external_id": "x_external_id",
        "created_date": "created_at::date",  # the local date, in the session's time zone
        "utm_campaign": "COALESCE(x_utm_campaign, '')",
        "utm_key": "lower(btrim(COALESCE(x_utm_campaign, '')))",
        "disqualify_reason": "COALESCE(x_disqualify_reason, '')",
        "customer_id": "COALESCE(x_customer_id, '')",
        "churn_reason": "COALESCE(x_churn_reason, '')",
    }
    out = ", ".join(f"CASE WHEN ok THEN {values.get(n, n)} END AS {n}" for n in LEAD_COLUMNS)
    width = len(header)
    channel = Channel._meta.db_table
    # OFFSET 0 keeps each level a separate step, so that every value is cast once.
    return f"""
        SELECT line, ok, {out} FROM (
            SELECT v.*, COALESCE({ok}, false) AS ok FROM (
                SELECT {", ".join(v_cols)}
                FROM (SELECT line, fmt, {", ".join(s_cols)} FROM {raw_table(width)} OFFSET 0) s
                LEFT JOIN {channel} ch ON ch.slug = s.t_channel
                OFFSET 0
            ) v OFFSET 0
        ) checked
    """  # noqa: S608 (table and column names and fixed patterns only)


def raw_create(cursor, width: int) -> None:
    """The session's temporary table of raw lines (dropped on commit, emptied after each batch)."""
    columns = ", ".join(f"c{i} text" for i in range(width))
    cursor.execute(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {raw_table(width)} (line bigint, fmt boolean, {columns}) ON COMMIT DROP"
    )


@dataclass
class BatchResult:
    rows_ok: int = 0
    rows_failed: int = 0
    errors: list[dict] = field(default_factory=list)
    unique_rows: int = 0  # accepted rows once repeated external_ids are merged (the last line wins)
    keys: set[str] = field(default_factory=set)  # their utm keys
    merged: MergeCounts | None = None


class BatchLoader:
    """Checks a batch (`check`), then merges it (`merge`); an import's merges share one transaction.

    The two steps may run on two connections at once (checking batch k + 1 while batch k merges):
    a checked batch is a plain UNLOGGED table (named after the job and the batch; crash-safety
    is not needed, a re-run starts over) of accepted rows, one per external_id, in external_id
    order, committed by `check` and dropped by `merge`. `begin` opens the merging transaction's
    settings and defers the roll-up's upserts; `finish` applies them before the caller commits,
    so an import is written whole or not at all.
    """

    # How new leads are merged, from the cheapest: a plain INSERT of the whole batch (it fails on
    # the unique index at the first known external_id and is rolled back); an INSERT of the new
    # ones after an index probe each, then an upsert of the rest; an upsert of the whole batch.
    INSERT, PROBE, UPSERT = "insert", "probe", "upsert"

    def __init__(self, header: list[str], cleaner: LeadCleaner, zone: str, job_id: int, *, source: LeadSource) -> None:
        self.header, self.cleaner, self.job_id, self.zone = header, cleaner, job_id, zone
        # Stamped on every lead the import creates or changes (parameters of each merge statement).
        self.source = source
        self.validate = validate_sql(header)
        self.mode = self.INSERT

    def table(self, number: int) -> str:
        return f"metrics_import_{self.job_id}_{number}"

    def drop_tables(self, cursor) -> None:
        """Drop this job's batch tables left by a failed or lost run."""
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE %s",
            [f"metrics\\_import\\_{self.job_id}\\_%"],
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP TABLE IF EXISTS "{name}"')

    def check(self, cursor, batch: Batch, number: int) -> BatchResult:
        """Type and check a batch into its table: `ok` and the values of each accepted line, one
        line per external_id (the last one wins), in external_id order."""
        width, table = len(self.header), self.table(number)
        result = BatchResult()
        cursor.execute("SET LOCAL jit = off")  # compiling the wide expressions costs more than it saves
        cursor.execute("SET LOCAL work_mem = '64MB'")  # the batch's sort in memory, not on disk
        raw_create(cursor, width)
        with cursor.copy(f"COPY {raw_table(width)} FROM STDIN") as copy:
            for start in range(0, len(batch.lines), 5000):
                copy.write("\n".join(batch.lines[start : start + 5000]) + "\n")
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute("SELECT current_setting('TimeZone')")
        (session_zone,) = cursor.fetchone()
        cursor.execute("SELECT set_config('TimeZone', %s, true)", [self.zone])  # local times are the zone's
        cursor.execute(f"CREATE UNLOGGED TABLE {table} AS {self.validate} ORDER BY external_id, line DESC")
        cursor.execute("SELECT set_config('TimeZone', %s, true)", [session_zone])
        cursor.execute(
            f"SELECT * FROM {raw_table(width)} WHERE line IN (SELECT line FROM {table} WHERE NOT ok) ORDER BY line"  # noqa: S608
        )
        recheck = [(row[0], row[2:]) for row in cursor.fetchall()] + batch.python_rows
        cleaned = []
        for line, fields in recheck:
            record = dict(zip(self.header, fields, strict=True))
            values, errors = self.cleaner.clean(record)
            if values is None:
                result.errors.append({"line": line, "external_id": visible(record["external_id"]), "errors": errors})
            else:
                cleaned.append((line, values))
        cols = ", ".join(LEAD_COLUMNS)
        if cleaned or batch.repeats:
            # Rows Python accepted, or repeated external_ids: merge the repeats and sort again.
            if cleaned:
                with cursor.copy(f"COPY {table} (line, ok, {cols}) FROM STDIN") as copy:
                    copy.write("".join("\t".join([str(line), "t", *map(copy_text, v)]) + "\n" for line, v in cleaned))
            cursor.execute(f"ALTER TABLE {table} RENAME TO {table}_lines")
            cursor.execute(
                f"CREATE UNLOGGED TABLE {table} AS SELECT DISTINCT ON (external_id) line, ok, {cols} "  # noqa: S608
                f"FROM {table}_lines WHERE ok ORDER BY external_id, line DESC"  # the last line of an id wins
            )
            cursor.execute(f"DROP TABLE {table}_lines")
        cursor.execute(
            f"SELECT (SELECT count(*) FROM {table} WHERE ok), "  # noqa: S608
            f"ARRAY(SELECT utm_key FROM {table} WHERE ok GROUP BY utm_key)"
        )
        result.unique_rows, keys = cursor.fetchone()
        result.keys = set(keys or ())
        cursor.execute(f"TRUNCATE {raw_table(width)}")
        result.rows_failed = len(result.errors)
        result.rows_ok = len(batch.lines) + len(batch.python_rows) - result.rows_failed
        return result

    def begin(self, cursor, *, own_transaction: bool) -> None:
        """The merging transaction: lead writes locked (imports one at a time, posts wait), its
        settings, and the roll-up deferred to `finish`."""
        lead_writes_lock(cursor, exclusive=True)
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL work_mem = '64MB'")  # the roll-up deltas' grouping in memory
        if own_transaction:
            # Foreign keys (the channel) checked at each batch's end, not queued for the whole file.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        rollup_defer(cursor)

    def finish(self, cursor) -> None:
        rollup_flush(cursor)

    def merge(self, cursor, number: int, checked: BatchResult) -> MergeCounts:
        table = self.table(number)
        merged = self._merge(cursor, table, checked) if checked.unique_rows else MergeCounts(0, 0, 0, set())
        cursor.execute(f"DROP TABLE {table}")
        return merged

    def _merge(self, cursor, table: str, checked: BatchResult) -> MergeCounts:
        rows = f"SELECT {', '.join(LEAD_COLUMNS)} FROM {table} WHERE ok"  # noqa: S608
        if self.mode == self.INSERT:
            if self._insert_all(cursor, rows):
                return MergeCounts(checked.unique_rows, 0, 0, checked.keys)
            self.mode = self.PROBE  # some leads are known: probe the index from now on
        inserted = MergeCounts(0, 0, 0, set())
        if self.mode == self.PROBE:
            created = self._insert_new(cursor, rows)
            if created is not None:
                inserted = created
                if created.created == checked.unique_rows:  # all new: nothing left to upsert
                    return inserted
                # A batch of only known leads (a re-import): upsert the next batches directly.
                self.mode = self.PROBE if created.created else self.UPSERT
                rows += f" AND NOT EXISTS (SELECT 1 FROM {DONE} d WHERE d.external_id = {table}.external_id)"  # noqa: S608
        upserted = upsert_select(cursor, f"{rows} ORDER BY external_id", source=self.source)
        if upserted.created:
            self.mode = self.PROBE
        return MergeCounts(
            inserted.created + upserted.created,
            upserted.updated,
            upserted.unchanged,
            inserted.keys | upserted.keys,
        )

    def _insert_all(self, cursor, rows: str) -> bool:
        """Insert the whole batch by a plain INSERT (no index probe, no conflict path).

        False, with nothing written, when an external_id is known already (or another writer
        inserts one of them meanwhile): the INSERT fails on the unique index at that row and is
        rolled back to its savepoint. The batch table is in external_id order already.
        """
        lead = Lead._meta.db_table
        cols, stamped = ", ".join(LEAD_COLUMNS), ", ".join(LEAD_SOURCE_COLUMNS)
        cursor.execute("SAVEPOINT import_insert")
        try:
            cursor.execute(
                f"INSERT INTO {lead} ({cols}, {stamped}, updated_at) "  # noqa: S608
                f"SELECT {cols}, {SOURCE_VALUES}, now() FROM ({rows}) src",
                self.source.params(),
            )
        except (IntegrityError, psycopg.errors.UniqueViolation):
            cursor.execute("ROLLBACK TO SAVEPOINT import_insert")
            cursor.execute("RELEASE SAVEPOINT import_insert")
            return False
        cursor.execute("RELEASE SAVEPOINT import_insert")
        return True

    def _insert_new(self, cursor, rows: str) -> MergeCounts | None:
        """Insert the leads whose external_id is new, by a plain INSERT (no conflict path).

        If another writer inserts one of them meanwhile, the INSERT fails on the unique index: it
        is rolled back to its savepoint and the caller upserts the whole batch instead (None).
        One external_id index probe per row: the batch table has no statistics (ANALYZE costs
        more than it helps), and a hash join would read the whole lead table every batch.
        """
        lead = Lead._meta.db_table
        cols, stamped = ", ".join(LEAD_COLUMNS), ", ".join(LEAD_SOURCE_COLUMNS)
        cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {DONE} (external_id text) ON COMMIT DROP")
        cursor.execute(f"TRUNCATE {DONE}")
        cursor.execute("SET LOCAL enable_hashjoin = off")
        cursor.execute("SET LOCAL enable_mergejoin = off")
        cursor.execute("SAVEPOINT import_insert")
        try:
            cursor.execute(
                f"""
                WITH ins AS (
                    INSERT INTO {lead} ({cols}, {stamped}, updated_at)
                    SELECT {cols}, {SOURCE_VALUES}, now() FROM ({rows}) src
                    WHERE NOT EXISTS (SELECT 1 FROM {lead} l WHERE l.external_id = src.external_id)
                    ORDER BY external_id
                    RETURNING external_id, utm_key
                ), done AS (INSERT INTO {DONE} (external_id) SELECT external_id FROM ins)
                SELECT (SELECT count(*) FROM ins), ARRAY(SELECT DISTINCT utm_key FROM ins)
                """,  # noqa: S608 (table and column names only; the source is parameters)
                self.source.params(),
            )
            created, keys = cursor.fetchone()
        except (IntegrityError, psycopg.errors.UniqueViolation):
            cursor.execute("ROLLBACK TO SAVEPOINT import_insert")
            created = None
        cursor.execute("RELEASE SAVEPOINT import_insert")
        cursor.execute("RESET enable_hashjoin")
        cursor.execute("RESET enable_mergejoin")
        return None if created is None else MergeCounts(created, 0, 0, set(keys))
