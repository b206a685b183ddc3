"""CRM lead data, spend, imports and computed metric snapshots."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tracker.input_limits import MAX_INT, validate_date_in_range, validate_free_text, validate_single_line
from tracker.validation import FieldCheckConstraint

# What `metrics.rows` accepts, said on the fields too (the row cleaner does not build models).
_ONE_LINE = [validate_single_line]
_FREE_TEXT = [validate_free_text]
_IN_RANGE = [validate_date_in_range]


class Lead(models.Model):
    """One inquiry from a CRM, upserted by `external_id`.

    `utm_key` (trimmed, lower-case `utm_campaign`) and `created_date` (the date of `created_at` in
    the configured time zone) are derived at write time by `metrics.services`, so that cohort
    attribution is an indexed equality and range lookup on every database.

    Database triggers keep the daily roll-ups exact (migrations 0004 and 0008). On SQLite a
    migration that alters a column of this table rebuilds it without them: such a migration must
    install them again (see 0010).
    """

    # Unique through a constraint, not `unique=True`: on PostgreSQL a unique text field also gets a
    # second `varchar_pattern_ops` index that no query uses and every insert pays for.
    external_id = models.CharField(_("external id"), max_length=255, validators=_ONE_LINE)
    created_at = models.DateTimeField(_("created at"), validators=_IN_RANGE)
    created_date = models.DateField(_("created date (local)"))
    utm_campaign = models.CharField(_("utm_campaign"), max_length=255, blank=True, validators=_ONE_LINE)
    utm_key = models.CharField(_("attribution key"), max_length=255, blank=True, editable=False)
    # Most leads name no channel: a partial index (Meta) instead of one that files every NULL.
    channel = models.ForeignKey(
        "experiments.Channel",
        verbose_name=_("channel"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
        db_index=False,
    )
    is_target = models.BooleanField(_("target lead"), null=True, blank=True)
    disqualify_reason = models.TextField(_("disqualify reason"), blank=True, validators=_FREE_TEXT)
    mql_at = models.DateTimeField(_("MQL at"), null=True, blank=True, validators=_IN_RANGE)
    sql_at = models.DateTimeField(_("SQL at"), null=True, blank=True, validators=_IN_RANGE)
    won_at = models.DateTimeField(_("won at"), null=True, blank=True, validators=_IN_RANGE)
    revenue = models.DecimalField(_("revenue"), max_digits=14, decimal_places=2, null=True, blank=True)
    orders = models.PositiveIntegerField(_("orders"), null=True, blank=True, validators=[MaxValueValidator(MAX_INT)])
    customer_id = models.CharField(_("customer id"), max_length=255, blank=True, validators=_ONE_LINE)
    churned_at = models.DateTimeField(_("churned at"), null=True, blank=True, validators=_IN_RANGE)
    churn_reason = models.TextField(_("churn reason"), blank=True, validators=_FREE_TEXT)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Provenance: who supplied the lead's data as it stands (the poster, or the API token's user;
    # for a CSV import its uploader), through which import, and when. Written by the upsert only
    # when the row is created or its data changes (`metrics.services.leads`), so a re-send of the
    # same data keeps the original source. Neither indexed nor a database foreign key: the checks
    # of a foreign key cost a trigger event per inserted row (~8 us, a fifth of an import's insert),
    # and the columns are read per cohort through the attribution index. Deleting a user or an
    # import (rare) clears them through Django's SET_NULL, scanning the table; readers treat an id
    # that names nobody as an unknown source.
    source_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("supplied by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
        editable=False,
    )
    source_import = models.ForeignKey(
        "metrics.ImportJob",
        verbose_name=_("supplied by import"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
        editable=False,
    )
    source_at = models.DateTimeField(_("supplied at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        indexes = [
            models.Index(fields=["utm_key", "created_date"], name="lead_attribution"),
            models.Index(fields=["created_date"], name="lead_created_date"),
            models.Index(fields=["churned_at"], name="lead_churned_at", condition=Q(churned_at__isnull=False)),
            # Churn counts every customer won before a period's end (the customers active at its
            # start): ~10% of the leads, read from this index alone instead of the whole table.
            models.Index(fields=["won_at", "churned_at"], name="lead_won", condition=Q(won_at__isnull=False)),
            models.Index(fields=["channel"], name="lead_channel", condition=Q(channel__isnull=False)),
        ]
        constraints = [
            models.UniqueConstraint(fields=["external_id"], name="lead_external_id_unique"),
            models.CheckConstraint(condition=Q(revenue__gte=0) | Q(revenue__isnull=True), name="lead_revenue_nonneg"),
            models.CheckConstraint(condition=Q(orders__gte=0) | Q(orders__isnull=True), name="lead_orders_nonneg"),
        ]

    def __str__(self) -> str:
        return self.external_id


class LeadDay(models.Model):
    """The cohort counts of metrics.md summed per (utm_key, local creation date).

    A cohort is a range of days of one key, so an experiment's counts are a sum over at most
    `test_period_days` rows whatever the number of leads. Kept exact by database triggers on the
    lead table (installed by migration 0004; every writer — API upsert, CSV import, admin,
    deletes — goes through them); `metrics.services.rollup.leaddays_rebuild` recomputes rows from
    the leads to repair drift. Revenue is in cents, so sums stay exact on SQLite too.
    """

    utm_key = models.CharField(_("attribution key"), max_length=255)
    created_date = models.DateField(_("created date (local)"))
    leads_total = models.BigIntegerField(_("leads"), default=0)
    judged_leads = models.BigIntegerField(_("judged leads"), default=0)
    non_target_leads = models.BigIntegerField(_("non-target leads"), default=0)
    mql = models.BigIntegerField("MQL", default=0)
    sql = models.BigIntegerField("SQL", default=0)
    customers = models.BigIntegerField(_("customers"), default=0)
    sql_customers = models.BigIntegerField(_("customers from SQL"), default=0)
    orders = models.BigIntegerField(_("orders"), default=0)
    revenue_cents = models.BigIntegerField(_("revenue, cents"), default=0)
    churned_customers = models.BigIntegerField(_("churned customers"), default=0)

    class Meta:
        verbose_name = _("daily lead roll-up")
        verbose_name_plural = _("daily lead roll-ups")
        constraints = [models.UniqueConstraint(fields=["utm_key", "created_date"], name="leadday_key_date")]

    def __str__(self) -> str:
        return f"{self.utm_key} {self.created_date}"


class LeadDayChurn(models.Model):
    """Churned customers per (utm_key, local creation date, churn reason text as given).

    The churn reasons of a cohort, summed like `LeadDay` and kept by the same kind of triggers
    (migration 0008). The reason is stored raw and labelled (trimmed, "unspecified") when read, as
    from the leads. PostgreSQL keys rows by md5 of the reason, so a long reason cannot overflow
    the unique index.
    """

    utm_key = models.CharField(_("attribution key"), max_length=255)
    created_date = models.DateField(_("created date (local)"))
    churn_reason = models.TextField(_("churn reason"), blank=True)
    churned = models.BigIntegerField(_("churned customers"), default=0)

    class Meta:
        verbose_name = _("daily churn roll-up")
        verbose_name_plural = _("daily churn roll-ups")
        indexes = [models.Index(fields=["utm_key", "created_date"], name="leaddaychurn_key_date")]

    def __str__(self) -> str:
        return f"{self.utm_key} {self.created_date} {self.churn_reason}"


class Spend(models.Model):
    """A dated cost row of one experiment: marketing or sales cost, optional visits.

    A row sent with an `external_id` (the source system's own id) is upserted by it, so a sync
    that sends the same cost again changes nothing; rows without one are simply added.
    """

    class Kind(models.TextChoices):
        MARKETING = "marketing", _("Marketing")
        SALES = "sales", _("Sales")

    # NULL, not "", for a row without one: NULLs never collide in the unique constraint.
    external_id = models.CharField(  # noqa: DJ001
        _("external id"), max_length=255, null=True, blank=True, validators=_ONE_LINE
    )
    experiment = models.ForeignKey(
        "experiments.Experiment", verbose_name=_("experiment"), on_delete=models.CASCADE, related_name="spend"
    )
    # The bounds are checked by `full_clean()` (rows entered on the pages); the bulk API and imports
    # validate their rows in `metrics.rows`.
    date = models.DateField(
        _("date"), validators=_IN_RANGE, error_messages={"invalid": _("Give a date as YYYY-MM-DD.")}
    )
    amount = models.DecimalField(
        _("amount"),
        max_digits=14,
        decimal_places=2,
        error_messages={"invalid": _("Give the amount as a number, e.g. 12500.50.")},
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    visits = models.PositiveIntegerField(_("visits"), null=True, blank=True, validators=[MaxValueValidator(MAX_INT)])
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("spend")
        verbose_name_plural = _("spend")
        indexes = [models.Index(fields=["experiment", "date"], name="spend_experiment_date")]
        constraints = [
            models.UniqueConstraint(fields=["external_id"], name="spend_external_id_unique"),
            FieldCheckConstraint(
                condition=Q(amount__gte=0),
                name="spend_amount_nonneg",
                field="amount",
                violation_error_message=_("The amount cannot be negative."),
                violation_error_code="amount_negative",
            ),
            FieldCheckConstraint(
                condition=Q(visits__gte=0) | Q(visits__isnull=True),
                name="spend_visits_nonneg",
                field="visits",
                violation_error_message=_("Visits cannot be negative."),
                violation_error_code="visits_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.experiment_id} {self.date} {self.kind} {self.amount}"


class ImportKind(models.TextChoices):
    LEADS = "leads", _("Leads")
    SPEND = "spend", _("Spend")


class ImportJob(models.Model):
    """A file of leads or spend imported in the background, with progress and a per-line error report.

    `options` say how the file is read (docs/imports.md): `preset`, `sheet`, `mapping` (our field →
    header), `stages` (stage value → level), `reasons` and `campaigns`. Empty for today's `tracker`
    CSV.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    size_bytes = models.PositiveBigIntegerField(_("size, bytes"), default=0)
    kind = models.CharField(_("data"), max_length=10, choices=ImportKind.choices, default=ImportKind.LEADS)
    options = models.JSONField(_("how the file is read"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.FloatField(_("progress"), default=0.0)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_ok = models.PositiveIntegerField(_("rows imported"), default=0)
    rows_failed = models.PositiveIntegerField(_("rows failed"), default=0)
    created = models.PositiveIntegerField(_("leads created"), default=0)
    updated = models.PositiveIntegerField(_("leads updated"), default=0)
    unchanged = models.PositiveIntegerField(_("leads unchanged"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    failure = models.TextField(_("failure"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The uploader's language: the job writes its error report in it.
    language = models.CharField(_("language"), max_length=10, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    # Moved by the running job after every batch: a running job that stopped moving lost its worker.
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        constraints = [
            models.CheckConstraint(condition=Q(progress__gte=0) & Q(progress__lte=1), name="import_progress_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.original_name or self.file.name} ({self.status})"


class ImportUpload(models.Model):
    """A file stored by a preview, imported later by its token (docs/imports.md)."""

    token = models.UUIDField(_("token"), default=uuid.uuid4, unique=True, editable=False)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    size_bytes = models.PositiveBigIntegerField(_("size, bytes"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("uploaded file")
        verbose_name_plural = _("uploaded files")

    def __str__(self) -> str:
        return self.original_name or str(self.token)


class ImportProfile(models.Model):
    """A source remembered: how its files map onto leads or spend. A preview whose headers equal a
    profile's proposes it."""

    name = models.CharField(_("name"), max_length=120, unique=True, validators=_ONE_LINE)
    kind = models.CharField(_("data"), max_length=10, choices=ImportKind.choices, default=ImportKind.LEADS)
    preset = models.CharField(_("source"), max_length=40, blank=True)
    mapping = models.JSONField(_("columns"), default=dict, blank=True)
    stages = models.JSONField(_("stage levels"), default=dict, blank=True)
    reasons = models.JSONField(_("non-target reasons"), default=dict, blank=True)
    campaigns = models.JSONField(_("campaigns"), default=dict, blank=True)
    headers = models.JSONField(_("headers"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("import profile")
        verbose_name_plural = _("import profiles")

    def __str__(self) -> str:
        return self.name


class MetricSnapshot(models.Model):
    """The current metrics of one experiment.

    `data` holds the payload exactly as the API shows it (metrics.md names). `dirty_since` is set
    when leads or spend of the experiment change and cleared by the recompute that covers the
    change; a beat sweep recomputes any snapshot left dirty.
    """

    experiment = models.OneToOneField(
        "experiments.Experiment", verbose_name=_("experiment"), on_delete=models.CASCADE, related_name="snapshot"
    )
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    data = models.JSONField(_("metrics"), default=dict)
    # Not indexed: the flag flips on every post and every recompute, and an index on it would make
    # each flip a non-HOT update (a new index entry and a dead row to vacuum); the table has one row
    # per experiment, so finding the dirty ones is a short scan. Migration 0006 also leaves room in
    # each page (fillfactor) for those updates to stay on the page.
    dirty_since = models.DateTimeField(_("stale since"), null=True, blank=True)
    # Bumped by every change that marks the snapshot dirty. A recompute clears `dirty_since` only
    # when the counter still holds the value it read before computing, so a change that commits
    # while the computation runs keeps its flag and is recomputed again.
    dirty_seq = models.PositiveBigIntegerField(_("change counter"), default=0)

    class Meta:
        verbose_name = _("metric snapshot")
        verbose_name_plural = _("metric snapshots")

    def __str__(self) -> str:
        return f"{self.experiment_id} @ {self.computed_at}"
