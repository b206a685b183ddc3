"""The import backend for SQLite (the demo database): each line is cleaned by the same `LeadCleaner`
as the JSON API and full batches are merged by the ORM, each batch in a transaction of its own."""

from django.db import transaction

from metrics.services.dirty import snapshots_mark_dirty_by_keys
from metrics.services.import_backend import MAX_STORED_ERRORS, ImportStream, ImportTally
from metrics.services.import_csv import records
from metrics.services.leads import LeadSource, lead_cleaner, leads_merge_orm
from tracker.db import is_deadlock
from tracker.input_limits import visible

BATCH_ROWS = 20_000


class OrmImportBackend:
    all_or_nothing = False  # a batch stays written when a later one fails

    def write(self, stream: ImportStream) -> None:
        cleaner, tally = lead_cleaner(exported=True), stream.tally
        batch: list[tuple[object, ...]] = []
        for line, record, problem in records(stream.rows, stream.header):
            tally.rows_total += 1
            values, row_errors = (None, {"non_field_errors": [problem]}) if record is None else cleaner.clean(record)
            if values is None:
                tally.rows_failed += 1
                if len(tally.errors) < MAX_STORED_ERRORS:
                    # Control characters escaped: the stored report cannot hold a NUL.
                    external_id = visible(record["external_id"]) if record is not None else None
                    tally.errors.append({"line": line, "external_id": external_id, "errors": row_errors})
                continue
            batch.append(values)
            if len(batch) >= BATCH_ROWS:
                _merge(batch, tally, stream.source)
                batch = []
                stream.checkpoint()
        if batch:
            _merge(batch, tally, stream.source)
        with transaction.atomic():
            snapshots_mark_dirty_by_keys(keys=tally.keys)
            stream.lease.done(tally)

    def is_transient(self, exc: BaseException) -> bool:
        # Only a lost deadlock: a run that stopped halfway kept the batches it had committed.
        return is_deadlock(exc)


@transaction.atomic
def _merge(batch: list[tuple[object, ...]], tally: ImportTally, source: LeadSource) -> None:
    tally.add_merged(leads_merge_orm(rows=batch, source=source))
    tally.rows_ok += len(batch)
