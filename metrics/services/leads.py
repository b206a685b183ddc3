"""Idempotent lead upserts by `external_id`.

PostgreSQL: the cleaned rows are copied (COPY) into a temporary staging table and merged by one
`INSERT ... ON CONFLICT DO UPDATE ... WHERE <something changed>` statement, so concurrent posts of
overlapping rows neither duplicate nor lose a row and an identical row is not even rewritten.
SQLite (demo): a bulk read-compare-write; SQLite transactions here begin IMMEDIATE, so writers are
serialised and the read cannot go stale.

Both stamp each lead they create or change with its source (`LeadSource`: who, which import,
when), one value per batch; an unchanged row keeps the source it had.
"""

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection
from django.utils import timezone
from django.utils.translation import gettext as _

from experiments.models import Channel
from metrics.models import ImportJob, Lead
from metrics.rows import LEAD_COLUMNS, LEAD_SOURCE_COLUMNS, LeadCleaner, local_zone
from metrics.services.dirty import snapshots_mark_dirty_by_keys
from metrics.sources.cleaner import ExportCleaner
from tracker.db import atomic_retrying_deadlocks
from tracker.errors import Busy

MAX_ROWS = 10_000

_PG_TYPES = {
    "external_id": "text",
    "created_at": "timestamptz",
    "created_date": "date",
    "utm_campaign": "text",
    "utm_key": "text",
    "channel_id": "bigint",
    "is_target": "boolean",
    "disqualify_reason": "text",
    "mql_at": "timestamptz",
    "sql_at": "timestamptz",
    "won_at": "timestamptz",
    "revenue": "numeric(14,2)",
    "orders": "integer",
    "customer_id": "text",
    "churned_at": "timestamptz",
    "churn_reason": "text",
}
STAGE_TABLE = "metrics_lead_stage"


@dataclass
class LeadUpsertResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class LeadSource:
    """Who writes a batch of leads: stamped on each lead the batch creates or changes.

    `user_id` is the poster (the API token's user) or an import's uploader; `import_id` the CSV
    import job, if any; `at` one moment for the whole batch.
    """

    user_id: int | None = None
    import_id: int | None = None
    at: dt.datetime = field(default_factory=timezone.now)

    @classmethod
    def of_user(cls, user: AbstractBaseUser | AnonymousUser | None) -> "LeadSource":
        """A post's source: the signed-in poster (the API token's user), else unknown."""
        return cls(user_id=user.pk if user is not None and user.is_authenticated else None)

    @classmethod
    def of_import(cls, job: ImportJob) -> "LeadSource":
        """A CSV import's source: the job and its uploader."""
        return cls(user_id=job.created_by_id, import_id=job.pk)

    def params(self) -> list[int | dt.datetime | None]:
        """The values of LEAD_SOURCE_COLUMNS, in that order."""
        return [self.user_id, self.import_id, self.at]

    def fields(self) -> dict[str, int | dt.datetime | None]:
        return dict(zip(LEAD_SOURCE_COLUMNS, self.params(), strict=True))


# The source as constants of the merge statement, LEAD_SOURCE_COLUMNS order (parameters of `params()`).
SOURCE_VALUES = "%s::bigint, %s::bigint, %s::timestamptz"


@dataclass
class MergeCounts:
    created: int
    updated: int
    unchanged: int
    keys: set[str]


# A PostgreSQL advisory lock (a pair of int4 keys, apart from any single-key lock): a CSV import
# holds it exclusively for its whole transaction, lead posts share it. An import's merge keeps
# every lead it writes locked until it commits, batch after batch in file order, so a post that
# wrote some of the same leads could deadlock with it; instead a post waits for a running import
# and imports run one at a time.
LEAD_WRITES_LOCK = (0x4C45, 0x4144)


def lead_writes_lock(cursor, *, exclusive: bool) -> None:
    """Take the lead-writes lock for the rest of the transaction (PostgreSQL).

    A post waits at most LEAD_POST_WAIT_SECONDS for a running import, then is refused with a
    `Busy` (HTTP 503, `import_running`, Retry-After): a client sends it again rather than hold a
    request open for a large file's whole import.
    """
    if exclusive:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", list(LEAD_WRITES_LOCK))
        return
    wait = settings.LEAD_POST_WAIT_SECONDS
    cursor.execute(
        "SELECT current_setting('lock_timeout'), set_config('lock_timeout', %s, true)", [f"{round(wait * 1000)}ms"]
    )
    (previous, _set) = cursor.fetchone()
    try:
        cursor.execute("SELECT pg_advisory_xact_lock_shared(%s, %s)", list(LEAD_WRITES_LOCK))
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) != "55P03":  # lock_not_available
            raise
        raise Busy(
            _("A CSV import is being written; send these leads again in a minute."),
            code="import_running",
            retry_after=60,
        ) from exc
    cursor.execute("SELECT set_config('lock_timeout', %s, true)", [previous])


def too_many_rows(count: int) -> str:
    return _("At most %(limit)s rows per request; got %(count)s.") % {"limit": f"{MAX_ROWS:,}", "count": f"{count:,}"}


def lead_cleaner(*, exported: bool = False) -> LeadCleaner:
    """The row cleaner of the JSON API; `exported`: of an import, which also reads values as people
    write them in exports (`metrics.sources.cleaner`)."""
    cleaner = ExportCleaner if exported else LeadCleaner
    return cleaner(channels=dict(Channel.objects.values_list("slug", "id")), zone=local_zone())


@atomic_retrying_deadlocks
def leads_upsert(*, rows: list[dict], by=None) -> LeadUpsertResult:
    """Upsert up to 10,000 lead rows; valid rows are stored even when others fail.

    Errors name the row's index in `rows`. A second occurrence of an external_id in the same
    request is an error (which one should win would be a guess). Affected experiments' snapshots
    are marked dirty and a debounced recompute is enqueued after commit. Created and changed leads
    record `by` (the token's user on the API) as their source.
    """
    if not isinstance(rows, list):
        raise ValidationError({"non_field_errors": [_("Send a JSON list of lead rows.")]})
    if len(rows) > MAX_ROWS:
        raise ValidationError({"non_field_errors": [too_many_rows(len(rows))]})
    cleaner = lead_cleaner()
    result = LeadUpsertResult()
    valid: list[tuple] = []
    seen: dict[str, int] = {}
    for index, row in enumerate(rows):
        values, errors = cleaner.clean(row)
        if values is not None and values[0] in seen:
            errors = {
                "external_id": [
                    _("Also in row %(row)s of this request; send each lead once.") % {"row": seen[values[0]]}
                ]
            }
            values = None
        if values is None:
            external_id = row.get("external_id") if isinstance(row, dict) else None
            result.errors.append({"index": index, "external_id": external_id, "errors": errors})
            continue
        seen[values[0]] = index
        valid.append(values)
    if valid:
        merged = leads_merge(rows=valid, source=LeadSource.of_user(by))
        result.created, result.updated, result.unchanged = merged.created, merged.updated, merged.unchanged
        snapshots_mark_dirty_by_keys(keys=merged.keys)
    return result


def leads_merge(*, rows: Sequence[tuple], source: LeadSource) -> MergeCounts:
    """Merge cleaned rows (LEAD_COLUMNS order, unique external_id) into the lead table.

    Must run inside a transaction; the caller marks the returned utm keys dirty.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            lead_writes_lock(cursor, exclusive=False)
            stage_create(cursor)
            stage_copy(cursor, rows, start_line=0)
            return stage_merge(cursor, source=source)
    return leads_merge_orm(rows=rows, source=source)


def stage_create(cursor) -> None:
    """A temporary staging table for this transaction (dropped on commit)."""
    columns = ", ".join(f"{name} {_PG_TYPES[name]}" for name in LEAD_COLUMNS)
    cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGE_TABLE} ({columns}, line bigint) ON COMMIT DROP")


def stage_copy(cursor, rows: Iterable[tuple], *, start_line: int) -> None:
    """COPY rows into the staging table; `line` keeps their order (the last occurrence wins).

    Rows are formatted as COPY text here, in blocks: per-value adaptation by the driver costs
    more than the whole server side of the COPY.
    """
    columns = ", ".join((*LEAD_COLUMNS, "line"))
    with cursor.copy(f"COPY {STAGE_TABLE} ({columns}) FROM STDIN") as copy:
        block: list[str] = []
        for line, row in enumerate(rows, start=start_line):
            block.append("\t".join([*map(copy_text, row), str(line)]))
            if len(block) >= 5000:
                copy.write("\n".join(block) + "\n")
                block = []
        if block:
            copy.write("\n".join(block) + "\n")


_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value) -> str:
    """One value in COPY's text format. Dispatches on the exact type first: this runs for every
    value of every row (16,000 calls per 1,000-row post)."""
    if value is None:
        return "\\N"
    kind = type(value)
    if kind is str:
        return value.translate(_COPY_ESCAPES) if _COPY_SPECIAL.search(value) else value
    if kind is bool:
        return "t" if value else "f"
    if kind is dt.datetime:
        return value.isoformat()
    if isinstance(value, str):
        return copy_text(str.__str__(value))
    return str(value)  # date, Decimal, int


_UPDATABLE = [name for name in LEAD_COLUMNS if name != "external_id"]


def stage_merge(cursor, *, source: LeadSource) -> MergeCounts:
    """One upsert statement from the staging table; empties the staging table."""
    # A temporary table has no statistics: without them the planner joins the staged rows to the
    # whole lead table by a sequential scan instead of probing the external_id index.
    cursor.execute(f"ANALYZE {STAGE_TABLE}")
    # The subquery inflates the cost estimate past the JIT threshold; compiling costs more than it saves.
    cursor.execute("SET LOCAL jit = off")
    cols = ", ".join(LEAD_COLUMNS)
    counts = upsert_select(
        cursor,
        f"SELECT DISTINCT ON (external_id) {cols} FROM {STAGE_TABLE} ORDER BY external_id, line DESC",  # noqa: S608
        source=source,
    )
    cursor.execute(f"TRUNCATE {STAGE_TABLE}")
    return counts


def upsert_select(cursor, rows: str, *, source: LeadSource) -> MergeCounts:
    """Upsert `rows` (a SELECT of LEAD_COLUMNS, one row per external_id) in one statement: new
    leads inserted, changed ones updated, unchanged ones left alone; the inserted and updated ones
    stamped with `source` (unchanged ones keep theirs).

    Shared by the JSON upsert (from its staging table) and the CSV import (from its checked batch).
    Returns the counts and every utm_key the rows had before or have after (the affected campaigns).
    """
    lead = Lead._meta.db_table
    cols = ", ".join(LEAD_COLUMNS)
    stamped = ", ".join(LEAD_SOURCE_COLUMNS)
    # The source is not compared: only a change of the data itself moves it.
    sets = ", ".join(f"{name} = EXCLUDED.{name}" for name in (*_UPDATABLE, *LEAD_SOURCE_COLUMNS))
    current = ", ".join(f"{lead}.{name}" for name in _UPDATABLE)
    incoming = ", ".join(f"EXCLUDED.{name}" for name in _UPDATABLE)
    # All parts of one statement share one snapshot, so `old` sees the rows as they were before
    # the upsert: the old utm_key of a moved lead is affected too. Rows are inserted in
    # external_id order, so concurrent overlapping merges take row locks in the same order.
    cursor.execute(
        f"""
        WITH src AS ({rows}), old AS (
            -- A scalar subquery: one unique-index probe per staged row. (As a join the planner
            -- hashes the whole lead table for every batch.)
            SELECT src.external_id,
                   (SELECT l.utm_key FROM {lead} l WHERE l.external_id = src.external_id) AS utm_key
            FROM src
        ), up AS (
            INSERT INTO {lead} ({cols}, {stamped}, updated_at)
            SELECT {cols}, {SOURCE_VALUES}, now() FROM src ORDER BY external_id
            ON CONFLICT (external_id) DO UPDATE SET {sets}, updated_at = EXCLUDED.updated_at
            WHERE ({current}) IS DISTINCT FROM ({incoming})
            RETURNING external_id, (xmax = 0) AS inserted, utm_key
        )
        SELECT
            (SELECT count(*) FROM src),
            count(*) FILTER (WHERE up.inserted),
            count(*) FILTER (WHERE NOT up.inserted),
            array_remove(array_agg(DISTINCT up.utm_key), NULL),
            array_remove(array_agg(DISTINCT old.utm_key), NULL)
        FROM up LEFT JOIN old ON old.external_id = up.external_id
        """,  # noqa: S608 (table names and constants only; values are parameters)
        source.params(),
    )
    total, created, updated, new_keys, old_keys = cursor.fetchone()
    return MergeCounts(created, updated, total - created - updated, set(new_keys or ()) | set(old_keys or ()))


def leads_merge_orm(*, rows: Sequence[tuple], source: LeadSource) -> MergeCounts:
    """`leads_merge` through the ORM (SQLite, the demo database): a bulk read-compare-write; the
    created and changed leads stamped with `source`.

    Also the CSV import's merge there, batch by batch. Must run inside a transaction.
    """
    by_id = {row[0]: row for row in rows}  # the last occurrence wins
    stamp = source.fields()
    existing: dict[str, Lead] = {}
    ids = list(by_id)
    for start in range(0, len(ids), 500):
        for lead in Lead.objects.filter(external_id__in=ids[start : start + 500]):
            existing[lead.external_id] = lead
    to_create, to_update, keys = [], [], set()
    now = timezone.now()
    for external_id, row in by_id.items():
        values = dict(zip(LEAD_COLUMNS, row, strict=True))
        lead = existing.get(external_id)
        if lead is None:
            to_create.append(Lead(**values, **stamp))
            keys.add(values["utm_key"])
            continue
        if all(getattr(lead, name) == values[name] for name in _UPDATABLE):
            continue
        keys.update((lead.utm_key, values["utm_key"]))
        for name in _UPDATABLE:
            setattr(lead, name, values[name])
        for name, value in stamp.items():
            setattr(lead, name, value)
        lead.updated_at = now  # bulk_update does not apply auto_now
        to_update.append(lead)
    Lead.objects.bulk_create(to_create, batch_size=500)
    if to_update:
        Lead.objects.bulk_update(to_update, [*_UPDATABLE, *LEAD_SOURCE_COLUMNS, "updated_at"], batch_size=500)
    return MergeCounts(len(to_create), len(to_update), len(by_id) - len(to_create) - len(to_update), keys)
