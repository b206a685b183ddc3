"""Writes of lead data and metrics: every path (API, import job, admin, commands) calls these."""

from metrics.services.dirty import recompute_enqueue, snapshots_mark_dirty, snapshots_mark_dirty_by_keys
from metrics.services.import_profiles import (
    PROFILE_FIELDS,
    import_profile_create,
    import_profile_delete,
    import_profile_save,
    import_profile_update,
)
from metrics.services.imports import (
    ImportRunResult,
    import_job_create,
    import_job_run,
    import_preview,
    import_uploads_forget,
    imports_resume_stalled,
)
from metrics.services.leads import LeadUpsertResult, leads_upsert
from metrics.services.rollup import leaddays_rebuild
from metrics.services.snapshots import (
    snapshot_recompute_request,
    snapshots_recompute,
    snapshots_recompute_dirty,
    snapshots_repair,
    snapshots_stale_ids,
)
from metrics.services.spend import (
    SpendCreateResult,
    spend_create,
    spend_row_create,
    spend_row_delete,
    spend_row_update,
)

__all__ = [
    "PROFILE_FIELDS",
    "ImportRunResult",
    "LeadUpsertResult",
    "SpendCreateResult",
    "import_job_create",
    "import_job_run",
    "import_preview",
    "import_profile_create",
    "import_profile_delete",
    "import_profile_save",
    "import_profile_update",
    "import_uploads_forget",
    "imports_resume_stalled",
    "leaddays_rebuild",
    "leads_upsert",
    "recompute_enqueue",
    "snapshot_recompute_request",
    "snapshots_mark_dirty",
    "snapshots_mark_dirty_by_keys",
    "snapshots_recompute",
    "snapshots_recompute_dirty",
    "snapshots_repair",
    "snapshots_stale_ids",
    "spend_create",
    "spend_row_create",
    "spend_row_delete",
    "spend_row_update",
]
