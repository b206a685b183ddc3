"""Regulation, channels, experiments and what people do with them.

Models hold data, constraints and one-row helpers. Every write goes through
`experiments.services`; nothing here enforces a business rule in `save()`.
"""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

# The longest cooling-off a regulation may set before the exception opens a review: 30 days.
MAX_COOLDOWN_HOURS = 720


class Regulation(models.Model):
    """One version of the company's written rules. Never edited: a change is a new row."""

    # The rules themselves, in reading order (admin columns, version comparison, API fields).
    RULE_FIELDS = (
        "default_test_period_days",
        "min_test_period_days",
        "max_test_period_days",
        "non_target_threshold",
        "exception_min_leads",
        "exception_alpha",
        "exception_cooldown_hours",
        "review_due_days",
        "sync_meeting_every_days",
        "founder_meeting_every_days",
    )

    version = models.PositiveIntegerField(_("version"), unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    default_test_period_days = models.PositiveSmallIntegerField(_("default test period, days"), default=30)
    min_test_period_days = models.PositiveSmallIntegerField(_("minimum test period, days"), default=7)
    max_test_period_days = models.PositiveSmallIntegerField(_("maximum test period, days"), default=90)
    non_target_threshold = models.DecimalField(
        _("acceptable non-target share"), max_digits=5, decimal_places=4, default=Decimal("0.30")
    )
    exception_min_leads = models.PositiveIntegerField(_("exception minimum judged leads"), default=10)
    exception_alpha = models.DecimalField(_("exception alpha"), max_digits=5, decimal_places=4, default=Decimal("0.05"))
    # 0: the exception opens the review as soon as its evidence is met. Otherwise the review opens
    # this long after the evidence was first met, and only if it still holds then (ExceptionCrossing).
    exception_cooldown_hours = models.PositiveSmallIntegerField(
        _("exception cooling-off, hours"),
        default=0,
        help_text=_(
            "Hours between the moment the exception's evidence is first met and the early opening of "
            "the review, which then happens only if the evidence still holds (0 to 720; 0 opens at once)."
        ),
    )
    review_due_days = models.PositiveSmallIntegerField(_("days to file a review"), default=7)
    sync_meeting_every_days = models.PositiveSmallIntegerField(_("sync meeting every, days"), default=14)
    founder_meeting_every_days = models.PositiveSmallIntegerField(_("founder meeting every, days"), default=7)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("regulation version")
        verbose_name_plural = _("regulation versions")
        constraints = [
            models.CheckConstraint(
                condition=Q(default_test_period_days__gte=1) & Q(default_test_period_days__lte=365),
                name="regulation_default_period_1_365",
            ),
            models.CheckConstraint(
                condition=Q(min_test_period_days__gte=1)
                & Q(min_test_period_days__lte=models.F("default_test_period_days"))
                & Q(default_test_period_days__lte=models.F("max_test_period_days"))
                & Q(max_test_period_days__lte=365),
                name="regulation_min_default_max_ordered",
            ),
            models.CheckConstraint(
                condition=Q(non_target_threshold__gt=0) & Q(non_target_threshold__lt=1),
                name="regulation_threshold_open_unit",
            ),
            models.CheckConstraint(condition=Q(exception_min_leads__gte=1), name="regulation_min_leads_positive"),
            models.CheckConstraint(
                condition=Q(exception_alpha__gt=0) & Q(exception_alpha__lte=Decimal("0.5")),
                name="regulation_alpha_0_half",
            ),
            models.CheckConstraint(
                condition=Q(exception_cooldown_hours__lte=MAX_COOLDOWN_HOURS), name="regulation_cooldown_0_720"
            ),
            models.CheckConstraint(condition=Q(review_due_days__gte=1), name="regulation_review_due_positive"),
            models.CheckConstraint(
                condition=Q(sync_meeting_every_days__gte=1) & Q(founder_meeting_every_days__gte=1),
                name="regulation_meeting_cadence_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.version}"

    @property
    def evidence_needed(self) -> float:
        return 1.0 / float(self.exception_alpha)

    def threshold_for(self, channel_id: int | None) -> Decimal:
        """The non-target threshold for a channel: its override in this version, else the default."""
        if channel_id is not None:
            for override in self.channel_thresholds.all():
                if override.channel_id == channel_id:
                    return override.non_target_threshold
        return self.non_target_threshold


class ChannelThreshold(models.Model):
    """A channel-specific acceptable non-target share, part of one regulation version."""

    regulation = models.ForeignKey(Regulation, on_delete=models.CASCADE, related_name="channel_thresholds")
    channel = models.ForeignKey("experiments.Channel", on_delete=models.PROTECT, related_name="+")
    non_target_threshold = models.DecimalField(_("acceptable non-target share"), max_digits=5, decimal_places=4)

    class Meta:
        verbose_name = _("channel threshold")
        verbose_name_plural = _("channel thresholds")
        constraints = [
            models.UniqueConstraint(fields=["regulation", "channel"], name="channel_threshold_once_per_version"),
            models.CheckConstraint(
                condition=Q(non_target_threshold__gt=0) & Q(non_target_threshold__lt=1),
                name="channel_threshold_open_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel_id}: {self.non_target_threshold}"


class Channel(models.Model):
    """Where leads come from: partner mailings, paid search, events..."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("channel")
        verbose_name_plural = _("channels")

    def __str__(self) -> str:
        return self.name


class Experiment(models.Model):
    """A marketing hypothesis with a test period, judged by the metrics of its lead cohort."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        RUNNING = "running", _("Running")
        AWAITING_REVIEW = "awaiting_review", _("Awaiting review")
        REVIEWED = "reviewed", _("Reviewed")
        CANCELLED = "cancelled", _("Cancelled")

    title = models.CharField(_("title"), max_length=200)
    hypothesis = models.TextField(_("hypothesis"))
    channel = models.ForeignKey(
        Channel, verbose_name=_("channel"), on_delete=models.PROTECT, related_name="experiments"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="experiments"
    )
    # Stored trimmed; compared case-insensitively (see the unique constraint and metrics.md).
    utm_campaign = models.CharField(_("utm_campaign"), max_length=255)
    start_date = models.DateField(_("start date"))
    test_period_days = models.PositiveSmallIntegerField(_("test period, days"))
    # start_date + test_period_days, stored so that queries and indexes can use it.
    ends_on = models.DateField(_("ends on"), editable=False)
    budget = models.DecimalField(_("budget"), max_digits=14, decimal_places=2, null=True, blank=True)
    targets = models.JSONField(_("targets"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    regulation = models.ForeignKey(
        Regulation,
        verbose_name=_("regulation version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="experiments",
        help_text=_("Pinned when the experiment is launched."),
    )
    launched_at = models.DateTimeField(_("launched at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-start_date", "-id"]
        verbose_name = _("experiment")
        verbose_name_plural = _("experiments")
        constraints = [
            models.UniqueConstraint(
                Lower("utm_campaign"),
                condition=~Q(status="cancelled"),
                name="experiment_utm_unique_among_active",
                violation_error_message=_("Another experiment that is not cancelled uses this utm_campaign."),
            ),
            models.CheckConstraint(condition=Q(test_period_days__gte=1), name="experiment_period_positive"),
            models.CheckConstraint(
                condition=Q(budget__gte=0) | Q(budget__isnull=True), name="experiment_budget_nonneg"
            ),
            models.CheckConstraint(
                # Launching pins the regulation; a draft cancelled before launch never had one.
                condition=Q(status__in=["draft", "cancelled"]) | Q(regulation__isnull=False),
                name="experiment_launched_pins_regulation",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "ends_on"], name="experiment_status_ends"),
            models.Index(Lower("utm_campaign"), name="experiment_utm_lower"),
        ]

    def __str__(self) -> str:
        return self.title

    @staticmethod
    def compute_ends_on(start_date: dt.date, test_period_days: int) -> dt.date:
        return start_date + dt.timedelta(days=test_period_days)


class ReviewUnlock(models.Model):
    """The moment an experiment's review unlocked, recorded once and never undone."""

    class Reason(models.TextChoices):
        PERIOD_ENDED = "period_ended", _("Test period ended")
        EXCEPTION = "exception", _("Non-target exception")

    experiment = models.OneToOneField(Experiment, on_delete=models.CASCADE, related_name="unlock")
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    unlocked_at = models.DateTimeField(_("unlocked at"))
    judged_leads = models.PositiveIntegerField(_("judged leads (n)"))
    non_target_leads = models.PositiveIntegerField(_("non-target leads (k)"))
    evidence = models.FloatField(_("evidence"))
    threshold = models.DecimalField(_("threshold"), max_digits=5, decimal_places=4)
    notified_at = models.DateTimeField(_("unlock notice sent at"), null=True, blank=True)
    overdue_notified_at = models.DateTimeField(_("overdue notice sent at"), null=True, blank=True)
    # Who supplied the judged leads at the opening (`metrics.selectors.lead_sources`), kept as it
    # was: a later change of the leads changes neither the unlock nor this record of its evidence.
    # Recorded for the exception; empty for a period end.
    sources = models.JSONField(_("judged leads by source"), default=list, blank=True)

    class Meta:
        verbose_name = _("review unlock")
        verbose_name_plural = _("review unlocks")

    def __str__(self) -> str:
        return f"{self.experiment_id}: {self.reason} at {self.unlocked_at:%Y-%m-%d %H:%M}"


class ExceptionCrossing(models.Model):
    """The exception's evidence met under a regulation with a cooling-off period: the review opens
    at `opens_at` if the evidence still holds then.

    One per experiment (the one-to-one row is the claim: concurrent recorders cannot both write
    one). Deleted when the evidence stops holding before `opens_at`, so a later crossing waits
    the whole period again; kept after the review opened, as the record of when it was first met.
    """

    experiment = models.OneToOneField(Experiment, on_delete=models.CASCADE, related_name="exception_crossing")
    crossed_at = models.DateTimeField(_("evidence met at"))
    opens_at = models.DateTimeField(_("review opens at"))
    judged_leads = models.PositiveIntegerField(_("judged leads (n)"))
    non_target_leads = models.PositiveIntegerField(_("non-target leads (k)"))
    evidence = models.FloatField(_("evidence"))

    class Meta:
        verbose_name = _("exception crossing")
        verbose_name_plural = _("exception crossings")
        constraints = [
            models.CheckConstraint(condition=Q(opens_at__gte=models.F("crossed_at")), name="crossing_opens_after"),
        ]

    def __str__(self) -> str:
        return f"{self.experiment_id}: opens at {self.opens_at:%Y-%m-%d %H:%M}"


class Review(models.Model):
    """A sales head's post-period review. Immutable once filed; an amendment is a new version."""

    class Verdict(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        NOT_CONFIRMED = "not_confirmed", _("Not confirmed")
        INCONCLUSIVE = "inconclusive", _("Inconclusive")

    class Recommendation(models.TextChoices):
        SCALE = "scale", _("Scale")
        ADJUST_POSITIONING = "adjust_positioning", _("Adjust positioning")
        CONTINUE_TESTING = "continue_testing", _("Continue testing")
        STOP = "stop", _("Stop")

    experiment = models.ForeignKey(Experiment, on_delete=models.PROTECT, related_name="reviews")
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    amends = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="amendments", verbose_name=_("amends")
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    verdict = models.CharField(_("verdict"), max_length=20, choices=Verdict.choices)
    summary = models.TextField(_("summary"))
    loss_reasons = models.TextField(_("why leads did not buy"), blank=True)
    recommendation = models.CharField(_("recommendation"), max_length=20, choices=Recommendation.choices)
    unlock_reason = models.CharField(_("unlock reason"), max_length=20, choices=ReviewUnlock.Reason.choices)
    regulation = models.ForeignKey(Regulation, on_delete=models.PROTECT, related_name="+")
    metrics = models.JSONField(_("metrics at filing"), default=dict)

    class Meta:
        ordering = ["experiment_id", "version"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            # One original review per experiment: the database settles concurrent filings.
            models.UniqueConstraint(
                fields=["experiment"], condition=Q(amends__isnull=True), name="review_one_original_per_experiment"
            ),
            models.UniqueConstraint(fields=["experiment", "version"], name="review_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.experiment_id} v{self.version}: {self.verdict}"


class Question(models.Model):
    """ "Before a conflict, ask why": a head asks about an experiment, a marketing head answers."""

    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="questions")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="questions_asked")
    text = models.TextField(_("question"))
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="questions_answered"
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [
            models.CheckConstraint(
                condition=(Q(answered_at__isnull=True) & Q(answered_by__isnull=True))
                | (Q(answered_at__isnull=False) & Q(answered_by__isnull=False)),
                name="question_answer_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:60]


class Notification(models.Model):
    """One e-mail event, keyed so that each event is sent at most once."""

    key = models.CharField(max_length=200, unique=True)
    subject = models.CharField(max_length=300)
    recipients = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.key
