"""The CSV import accepts, refuses and stores exactly what the JSON API's cleaner does.

On PostgreSQL most rows are typed and checked by SQL and the rest by `LeadCleaner`; each case
below is compared with what `LeadCleaner` alone makes of the same row.
"""

import csv
import datetime as dt
import io
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections

from metrics.models import ImportJob, Lead
from metrics.rows import LEAD_COLUMNS, LEAD_FIELDS
from metrics.services import import_job_create, import_job_run, import_orm, import_pg, leads_upsert
from metrics.services.import_sql import BatchLoader
from metrics.services.leads import lead_cleaner
from tests.concurrency import WAIT_SECONDS, wait_for_a_lock_wait
from tests.metrics.test_rollup import WON, actual_churn, actual_days, expected_churn, expected_days
from tests.waiting import wait_for

pytestmark = pytest.mark.django_db

C = "2026-12-02T10:00:00+03:00"
CASES = [
    {"created_at": C, "utm_campaign": "Partner_Dec", "channel": "partner-mailings", "is_target": "true"},
    {"created_at": "2026-12-02T07:00:00Z", "mql_at": "2026-12-02T10:00:00.5+03:00", "is_target": "YES"},
    {"created_at": "2026-12-02 10:00", "won_at": "2026-12-03", "revenue": "1200,5", "orders": "007"},
    {"created_at": "2026-12-02", "sql_at": "2026-12-02T00:00:00.123456", "is_target": " n "},
    {"created_at": "2010-03-28T02:30:00"},  # a local time skipped by a clock change
    {"created_at": "2010-10-31T02:30:00"},  # a local time that happened twice
    {"created_at": "2010-03-28T02:30:00+04:00", "won_at": "2010-10-31T02:30:00+03:00"},  # offsets given
    {"created_at": "2010-03-27T23:00:00", "mql_at": "2010-03-28T06:00"},  # hours from the change
    {"created_at": "2028-02-29T10:00:00+03:00"},
    {"created_at": "2026-02-30T10:00:00+03:00"},
    {"created_at": "2026-13-01T10:00:00+03:00"},
    {"created_at": "20261202T100000+0300"},
    {"created_at": "  2026-12-02T10:00:00+03:00 ", "revenue": " 7 ", "orders": " 3 "},
    {"created_at": "   "},
    {"created_at": ""},
    {"created_at": "tomorrow"},
    {"created_at": C, "won_at": C, "revenue": "+5"},
    {"created_at": C, "revenue": "1e3"},
    {"created_at": C, "revenue": "-3"},
    {"created_at": C, "revenue": "1.234"},
    {"created_at": C, "revenue": "999999999999.99"},
    {"created_at": C, "revenue": "1000000000000"},
    {"created_at": C, "orders": "-0"},
    {"created_at": C, "orders": "2147483648"},
    {"created_at": C, "orders": "1.0"},
    {"created_at": C, "is_target": "null"},
    {"created_at": C, "is_target": "None"},
    {"created_at": C, "is_target": "maybe"},
    {"created_at": C, "utm_campaign": " Кампания  "},
    {"created_at": C, "utm_campaign": "  Camp_X "},
    {"created_at": C, "utm_campaign": "x" * 256},
    {"created_at": C, "customer_id": "c" * 256},
    {"created_at": C, "channel": " partner-mailings "},
    {"created_at": C, "channel": "nope"},
    {"created_at": C, "channel": "   "},
    {"created_at": C, "mql_at": "2026-12-01T10:00:00+03:00"},
    {"created_at": C, "churned_at": "2026-12-05T10:00:00+03:00"},
    {"created_at": C, "won_at": "2026-12-06T10:00:00+03:00", "churned_at": "2026-12-05T10:00:00+03:00"},
    {"created_at": C, "won_at": "2026-12-04", "churned_at": "2026-12-05", "churn_reason": "price"},
    {"created_at": C, "churn_reason": "nul\x00byte"},
    {"external_id": " padded ", "created_at": C},
    {"external_id": "\u00a0nbsp\u00a0", "created_at": C},
    {"external_id": "", "created_at": C},
    {"external_id": "   ", "created_at": C},
    {"external_id": "e" * 256, "created_at": C},
    {"external_id": "ünïcode-ид", "created_at": C, "customer_id": "клиент"},
    {"created_at": "1999-12-31T23:59:59+03:00"},  # the accepted years are 2000 to 2100
    {"created_at": "2000-01-01T00:00:00+14:00"},
    {"created_at": "2099-12-31T23:00:00-12:00", "won_at": "2100-12-31T23:59:59-12:00"},
    {"created_at": "2101-01-01T00:00:00+03:00"},
    {"created_at": C, "customer_id": "c\x01d", "orders": "²"},
    # Last: a quoted line break makes this record two lines of the file.
    {"created_at": C, "disqualify_reason": 'back\\slash\ttab\nnew line "quoted", semi;colon'},
]


def _rows() -> list[dict]:
    return [{"external_id": f"case-{i}", **case} for i, case in enumerate(CASES)]


def _csv(rows: list[dict], delimiter: str = ",") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(LEAD_FIELDS)
    for row in rows:
        writer.writerow([row.get(name, "") for name in LEAD_FIELDS])
    return out.getvalue().encode()


def _import(data: bytes, user) -> ImportJob:
    job = import_job_create(file=SimpleUploadedFile("leads.csv", data, content_type="text/csv"), by=user)
    import_job_run(job_id=job.id)
    job.refresh_from_db()
    return job


def _instants(values) -> tuple:
    # Datetimes as UTC instants: Python never calls a local time in a clock change's gap or
    # overlap equal to the same instant in another zone.
    return tuple(v.astimezone(dt.UTC) if isinstance(v, dt.datetime) else v for v in values)


def _stored(lead: Lead) -> tuple:
    return _instants(getattr(lead, name) for name in LEAD_COLUMNS)


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_every_case_matches_the_import_cleaner(marketer, channel, delimiter):
    rows = _rows()
    cleaner = lead_cleaner(exported=True)  # the import's: the API's rules, and values as people write them
    expected_errors, expected_values = {}, {}
    for line, row in enumerate(rows, start=2):
        # A CSV cell is text; an empty cell is what the JSON cleaner sees as an empty string.
        values, errors = cleaner.clean({name: row.get(name, "") for name in LEAD_FIELDS})
        if values is None:
            expected_errors[line] = {"line": line, "external_id": row["external_id"], "errors": errors}
        else:
            expected_values[values[0]] = _instants(values)
    assert len(expected_values) > 15 and len(expected_errors) > 15  # both kinds are exercised

    job = _import(_csv(rows, delimiter), marketer)

    assert job.status == ImportJob.Status.DONE, job.failure
    assert {e["line"]: e for e in job.errors} == expected_errors
    assert [e["line"] for e in job.errors] == sorted(expected_errors)
    assert (job.rows_total, job.rows_ok, job.rows_failed) == (len(rows), len(expected_values), len(expected_errors))
    assert job.created == len(expected_values)
    stored = {lead.external_id: _stored(lead) for lead in Lead.objects.all()}
    assert stored == expected_values


def _mixed_imports(marketer, monkeypatch) -> None:
    """New, known and repeated leads across batches of three: every way a batch merges."""
    monkeypatch.setattr(import_pg, "BATCH_ROWS", 3)
    monkeypatch.setattr(import_orm, "BATCH_ROWS", 3)
    first = [{"external_id": f"m{i}", "created_at": C, "utm_campaign": "old"} for i in range(5)]
    assert _import(_csv(first), marketer).created == 5
    second = [
        {"external_id": "m0", "created_at": C, "utm_campaign": "old"},  # unchanged
        {"external_id": "m1", "created_at": C, "utm_campaign": "new"},  # updated
        {"external_id": "n1", "created_at": C},  # created
        {"external_id": "m2", "created_at": C, "utm_campaign": "old"},  # a batch of known leads only
        {"external_id": "m3", "created_at": C, "utm_campaign": "old"},
        {"external_id": "m4", "created_at": C, "utm_campaign": "x"},
        {"external_id": "n2", "created_at": C},  # new again after a batch of known ones
        {"external_id": "n2", "created_at": C, "utm_campaign": "last"},  # the last line wins
    ]
    job = _import(_csv(second), marketer)
    assert (job.rows_ok, job.created, job.updated, job.unchanged) == (8, 2, 2, 3)
    assert dict(Lead.objects.values_list("external_id", "utm_key")) == {
        "m0": "old",
        "m1": "new",
        "m2": "old",
        "m3": "old",
        "m4": "x",
        "n1": "",
        "n2": "last",
    }
    again = _import(_csv(second), marketer)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 7)
    assert actual_days() == expected_days() and actual_churn() == expected_churn()


def test_mixed_batches_of_new_known_and_repeated_leads(marketer, monkeypatch):
    _mixed_imports(marketer, monkeypatch)


@pytest.mark.django_db(transaction=True)
def test_mixed_batches_on_separate_connections(marketer, monkeypatch):
    _mixed_imports(marketer, monkeypatch)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("failure", ["error", "connection lost"])
def test_a_failed_import_leaves_no_lead_of_its_file(marketer, monkeypatch, failure):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite (demo) commits an import batch by batch")
    _import(_csv([{"external_id": "kept", "created_at": C, "utm_campaign": "old", **WON}]), marketer)
    days_before, churn_before = actual_days(), actual_churn()
    job = _import_failing_at_batch_two(marketer, monkeypatch, failure)
    assert job.status == ImportJob.Status.FAILED
    expected = "the database went away" if failure == "error" else "terminating connection"
    assert expected in job.failure  # the error that stopped it, not one met while cleaning up
    assert (job.rows_ok, job.created, job.updated) == (0, 0, 0)  # nothing was stored
    assert list(Lead.objects.values_list("external_id", "utm_key")) == [("kept", "old")]
    assert (actual_days(), actual_churn()) == (days_before, churn_before)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'metrics\\_import\\_%%'")
        assert cursor.fetchone()[0] == 0


def test_a_failed_import_inside_a_transaction_leaves_it_as_it_was(marketer, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite (demo) commits an import batch by batch")
    job = _import_failing_at_batch_two(marketer, monkeypatch, "error")
    assert job.status == ImportJob.Status.FAILED and not Lead.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('metrics.rollup_deferred', true)")
        assert cursor.fetchone()[0] != "on"
    leads_upsert(rows=[{"external_id": "after", "created_at": C, "utm_campaign": "x", **WON}])
    assert actual_days() == expected_days() != {}  # the roll-up moves at once again


def _import_failing_at_batch_two(marketer, monkeypatch, failure: str) -> ImportJob:
    monkeypatch.setattr(import_pg, "BATCH_ROWS", 3)
    monkeypatch.setattr(import_pg, "FIRST_BATCH_ROWS", 3)
    merge = BatchLoader.merge

    def failing(self, cursor, number, checked):
        if number == 2 and failure == "error":
            raise RuntimeError("the database went away")
        if number == 2:
            other = connection.get_new_connection(connection.get_connection_params())
            other.autocommit = True
            other.execute("SELECT pg_terminate_backend(%s)", [cursor.connection.info.backend_pid])
            other.close()
        return merge(self, cursor, number, checked)

    monkeypatch.setattr(BatchLoader, "merge", failing)
    rows = [{"external_id": "kept", "created_at": C, "utm_campaign": "new"}]
    rows += [{"external_id": f"f{i}", "created_at": C, "utm_campaign": "new", **WON} for i in range(8)]
    return _import(_csv(rows), marketer)


@pytest.mark.django_db(transaction=True)
def test_batches_on_a_separate_connection_report_errors_in_line_order(marketer, monkeypatch):
    monkeypatch.setattr(import_pg, "BATCH_ROWS", 4)
    monkeypatch.setattr(import_orm, "BATCH_ROWS", 4)
    rows = [{"external_id": f"t{i}", "created_at": C if i % 3 else "bad"} for i in range(20)]
    data = _csv(rows) + b"short,line\n" + b"t99," + C.encode() + b",,,,,,,,,,,,\n"
    job = _import(data, marketer)
    bad = [line for line, row in enumerate(rows, start=2) if row["created_at"] == "bad"]
    assert [e["line"] for e in job.errors] == [*bad, 22]
    assert (job.rows_total, job.rows_ok, job.rows_failed, job.created) == (22, 14, 8, 14)
    assert Lead.objects.filter(external_id="t99").exists()


@pytest.mark.django_db(transaction=True)
def test_a_lead_another_writer_inserts_meanwhile_is_merged_not_lost(marketer):
    if connection.vendor != "postgresql":
        pytest.skip("row-level concurrency needs PostgreSQL")
    other = connection.get_new_connection(connection.get_connection_params())
    other.execute(
        "INSERT INTO metrics_lead (external_id, created_at, created_date, utm_campaign, utm_key, "
        "disqualify_reason, customer_id, churn_reason, updated_at) "
        "VALUES ('race', now(), current_date, 'theirs', 'theirs', '', '', '', now())"
    )  # not committed yet: the import's plain INSERT of "race" waits for it, then conflicts
    import_waited = []

    def commit_once_the_import_waits() -> None:
        import_waited.append(wait_for_a_lock_wait())
        other.commit()

    committer = threading.Thread(target=commit_once_the_import_waits)
    committer.start()
    try:
        rows = [{"external_id": "race", "created_at": C, "utm_campaign": "ours"}]
        rows += [{"external_id": f"new-{i}", "created_at": C} for i in range(3)]
        job = _import(_csv(rows), marketer)
    finally:
        committer.join()
        other.close()
    assert import_waited == [True]
    assert job.status == ImportJob.Status.DONE, job.failure
    assert (job.rows_ok, job.created, job.updated, job.unchanged) == (4, 3, 1, 0)
    assert Lead.objects.get(external_id="race").utm_key == "ours"
    assert Lead.objects.count() == 4


@pytest.mark.django_db(transaction=True)
def test_a_post_of_leads_an_import_is_writing_waits_for_it_instead_of_deadlocking(
    marketer, monkeypatch, caplog, settings
):
    """The import holds its leads until it commits. A post of "a" and "n" (the import wrote "n",
    its next batch writes "a") would take "a", wait for "n" and deadlock with the import; it waits
    for the running import instead, then applies its rows over the import's."""
    if connection.vendor != "postgresql":
        pytest.skip("row-level concurrency needs PostgreSQL")
    monkeypatch.setattr(import_pg, "BATCH_ROWS", 2)
    monkeypatch.setattr(import_pg, "FIRST_BATCH_ROWS", 2)
    settings.LEAD_POST_WAIT_SECONDS = WAIT_SECONDS  # however slow the machine, the post outwaits the import
    first_batch_merged = threading.Event()
    post_waited = []
    merge = BatchLoader.merge

    def merge_then_pause(self, cursor, number, checked):
        merged = merge(self, cursor, number, checked)
        if number == 0 and not first_batch_merged.is_set():
            first_batch_merged.set()
            # Go on only once the post is blocked: had it taken "a" first, the next batch deadlocks.
            post_waited.append(wait_for_a_lock_wait())
        return merged

    monkeypatch.setattr(BatchLoader, "merge", merge_then_pause)
    results, failures = [], []

    def post():
        try:
            assert first_batch_merged.wait(WAIT_SECONDS)
            results.append(
                leads_upsert(rows=[{"external_id": n, "created_at": C, "utm_campaign": "crm"} for n in "an"])
            )
        except Exception as exc:  # surfaced by the assertion below
            failures.append(exc)
        finally:
            connections.close_all()

    poster = threading.Thread(target=post)
    poster.start()
    rows = [{"external_id": n, "created_at": C, "utm_campaign": "file", **WON} for n in ("m", "n", "a", "b")]
    job = _import(_csv(rows), marketer)
    poster.join()
    assert post_waited == [True]
    assert failures == [] and job.status == ImportJob.Status.DONE, job.failure
    assert dict(Lead.objects.values_list("external_id", "utm_key")) == {
        "a": "crm",
        "b": "file",
        "m": "file",
        "n": "crm",
    }
    assert (results[0].created, results[0].updated) == (0, 2)  # it ran after the import committed
    assert actual_days() == expected_days() and actual_churn() == expected_churn()
    assert "deadlock" not in caplog.text


def _wait_until_blocked_by(pid: int) -> bool:
    """Wait until another session waits for a lock that the session `pid` holds."""
    watcher = connection.get_new_connection(connection.get_connection_params())
    watcher.autocommit = True
    query = "SELECT count(*) FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))"
    try:
        return wait_for(lambda: watcher.execute(query, [pid]).fetchone()[0] > 0, seconds=60)
    finally:
        watcher.close()
