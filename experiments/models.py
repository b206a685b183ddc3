"""Regulation, channels, experiments and what people do with them.

Models hold data, constraints and one-row helpers. Every write goes through
`experiments.services`; nothing here enforces a business rule in `save()`.
"""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from experiments.targets import validate_targets
from tracker.input_limits import (
    MAX_DAYS,
    MAX_INT,
    validate_date_in_range,
    validate_free_text,
    validate_single_line,
)
from tracker.validation import FieldCheckConstraint, FieldUniqueConstraint, MaxLength, MaxValue, MinValue

CANCEL_REASON_MAX_LENGTH = 2000
REVIEW_TEXT_MAX_LENGTH = 10000
QUESTION_TEXT_MAX_LENGTH = 5000
# The longest cooling-off a regulation may set before the exception opens a review: 30 days.
MAX_COOLDOWN_HOURS = 720
# Refusals shared by a field's validators and a constraint, or by two fields.
_WHOLE = {"invalid": _("Enter a whole number of days or leads.")}
_RATE = {
    "invalid": _("Enter a decimal number such as 0.30."),
    "max_digits": _("Use at most four decimal places."),
    "max_decimal_places": _("Use at most four decimal places."),
}
_SHARE_OPEN_UNIT = _("The acceptable non-target share must lie strictly between 0 and 1.")
_DEFAULT_PERIOD = _("The default test period must be between 1 and 365 days.")
_MAX_BELOW_DEFAULT = _("The maximum test period must not be below the default test period.")
_BUDGET = _("The budget must be an amount of at least 0 with at most 2 decimal places.")
_SLUG = _("Use only letters, digits, hyphens and underscores in the slug.")
_COOLDOWN_RANGE = _("The exception's cooling-off must be between 0 and %(max)s hours.")
_REVIEW_TEXT_TOO_LONG = _("Keep it under %(limit)s characters (it has %(length)s).")


def _at_least_one(
    verbose_name: str,
    *,
    default: int,
    refusal: str,
    help_text: str,
    field: type[models.IntegerField] = models.PositiveSmallIntegerField,
    most: int = MAX_DAYS,
) -> models.IntegerField:
    """A whole number of the regulation that is at least 1, refused in its own words below that, and
    at most `most` (a count of days longer than a year means a typo; any other count fits its column)."""
    return field(
        verbose_name,
        default=default,
        validators=[MinValueValidator(1, refusal), MaxValueValidator(most)],
        error_messages=_WHOLE,
        help_text=help_text,
    )


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
    # Bounds of one whole number are its validators: their words name the field, and they take the
    # place of Django's own "at least 0" of positive fields. The constraints hold them in the database.
    default_test_period_days = models.PositiveSmallIntegerField(
        _("default test period, days"),
        default=30,
        validators=[MinValueValidator(1, _DEFAULT_PERIOD), MaxValueValidator(MAX_DAYS, _DEFAULT_PERIOD)],
        error_messages=_WHOLE,
        help_text=_("How long an experiment is tested when its owner gives no test period."),
    )
    min_test_period_days = _at_least_one(
        _("minimum test period, days"),
        default=7,
        refusal=_("The minimum test period must be at least 1 day."),
        help_text=_("The shortest test period an owner may choose: fewer days judge a channel by chance."),
    )
    max_test_period_days = models.PositiveSmallIntegerField(
        _("maximum test period, days"),
        default=90,
        # Below 1 is below any default.
        validators=[
            MinValueValidator(1, _MAX_BELOW_DEFAULT),
            MaxValueValidator(MAX_DAYS, _("The maximum test period must be at most 365 days.")),
        ],
        error_messages=_WHOLE,
        help_text=_("The longest test period an owner may choose, at most 365 days."),
    )
    non_target_threshold = models.DecimalField(
        _("acceptable non-target share"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.30"),
        error_messages=_RATE,
        help_text=_(
            "The share of judged leads that may be non-target (outside the audience) before a channel is "
            "judged early; a channel threshold below overrides it for one channel."
        ),
    )
    exception_min_leads = _at_least_one(
        _("exception minimum judged leads"),
        default=10,
        refusal=_("The exception minimum of judged leads must be at least 1."),
        help_text=_("An early review needs at least this many judged leads, so that a few bad leads cannot open it."),
        field=models.PositiveIntegerField,
        most=MAX_INT,
    )
    exception_alpha = models.DecimalField(
        _("exception alpha"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.05"),
        error_messages=_RATE,
        help_text=_(
            "The evidence needed for an early review is 1/alpha: with alpha 0.05 the data must be 20 times "
            "more likely under “too many non-target leads” than under “share at the threshold”. A smaller "
            "alpha asks for stronger evidence; it holds however often the leads are checked."
        ),
    )
    # 0: the exception opens the review as soon as its evidence is met. Otherwise the review opens
    # this long after the evidence was first met, and only if it still holds then (ExceptionCrossing).
    exception_cooldown_hours = models.PositiveSmallIntegerField(
        _("exception cooling-off, hours"),
        default=0,
        help_text=_(
            "Hours between the moment the exception's evidence is first met and the early opening of "
            "the review, which then happens only if the evidence still holds (0 to 720; 0 opens at once)."
        ),
        # Both ends refused in one sentence (the lower one in place of Django's own "at least 0").
        validators=[
            MinValue(0, _COOLDOWN_RANGE, max_value=MAX_COOLDOWN_HOURS),
            MaxValue(MAX_COOLDOWN_HOURS, _COOLDOWN_RANGE),
        ],
        error_messages={"invalid": _("Enter a whole number of hours.")},
    )

    review_due_days = _at_least_one(
        _("days to file a review"),
        default=7,
        refusal=_("The days allowed to file a review must be at least 1."),
        help_text=_("Days a sales head has to file the review, counted from the day it opened."),
    )
    sync_meeting_every_days = _at_least_one(
        _("sync meeting every, days"),
        default=14,
        refusal=_("The sync meeting cadence must be at least 1."),
        help_text=_("How often marketing and sales meet over the reviews, wins and open questions."),
    )
    founder_meeting_every_days = _at_least_one(
        _("founder meeting every, days"),
        default=7,
        refusal=_("The founder meeting cadence must be at least 1."),
        help_text=_("How often the founder meets over the goals and the departments' metrics."),
    )

    class Meta:
        ordering = ["-version"]
        verbose_name = _("regulation version")
        verbose_name_plural = _("regulation versions")
        constraints = [
            models.CheckConstraint(
                condition=Q(default_test_period_days__gte=1) & Q(default_test_period_days__lte=MAX_DAYS),
                name="regulation_default_period_1_365",
            ),
            FieldCheckConstraint(
                condition=Q(min_test_period_days__gte=1)
                & Q(min_test_period_days__lte=models.F("default_test_period_days")),
                name="regulation_min_period_1_to_default",
                field="min_test_period_days",
                violation_error_message=_("The minimum test period must not exceed the default test period."),
                violation_error_code="min_period_above_default",
            ),
            FieldCheckConstraint(
                condition=Q(max_test_period_days__gte=models.F("default_test_period_days"))
                & Q(max_test_period_days__lte=MAX_DAYS),
                name="regulation_max_period_default_to_365",
                field="max_test_period_days",
                violation_error_message=_MAX_BELOW_DEFAULT,
                violation_error_code="max_period_below_default",
            ),
            FieldCheckConstraint(
                condition=Q(non_target_threshold__gt=0) & Q(non_target_threshold__lt=1),
                name="regulation_threshold_open_unit",
                field="non_target_threshold",
                violation_error_message=_SHARE_OPEN_UNIT,
                violation_error_code="share_out_of_range",
            ),
            models.CheckConstraint(condition=Q(exception_min_leads__gte=1), name="regulation_min_leads_positive"),
            FieldCheckConstraint(
                condition=Q(exception_alpha__gt=0) & Q(exception_alpha__lte=Decimal("0.5")),
                name="regulation_alpha_0_half",
                field="exception_alpha",
                violation_error_message=_("The exception alpha must be above 0 and at most 0.5."),
                violation_error_code="alpha_out_of_range",
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

    regulation = models.ForeignKey(
        Regulation, verbose_name=_("regulation version"), on_delete=models.CASCADE, related_name="channel_thresholds"
    )
    channel = models.ForeignKey(
        "experiments.Channel", verbose_name=_("channel"), on_delete=models.PROTECT, related_name="+"
    )
    non_target_threshold = models.DecimalField(
        _("acceptable non-target share"),
        max_digits=5,
        decimal_places=4,
        help_text=_("Overrides the regulation's acceptable non-target share for this channel."),
    )

    class Meta:
        verbose_name = _("channel threshold")
        verbose_name_plural = _("channel thresholds")
        constraints = [
            models.UniqueConstraint(fields=["regulation", "channel"], name="channel_threshold_once_per_version"),
            FieldCheckConstraint(
                condition=Q(non_target_threshold__gt=0) & Q(non_target_threshold__lt=1),
                name="channel_threshold_open_unit",
                field="non_target_threshold",
                violation_error_message=_SHARE_OPEN_UNIT,
                violation_error_code="share_out_of_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel_id}: {self.non_target_threshold}"


class Channel(models.Model):
    """Where leads come from: partner mailings, paid search, events..."""

    name = models.CharField(
        _("name"),
        max_length=100,
        validators=[validate_single_line],
        error_messages={"blank": _("Give the channel a name.")},
    )
    slug = models.SlugField(
        _("slug"),
        max_length=100,
        unique=True,
        error_messages={"blank": _SLUG, "invalid": _SLUG, "unique": _("A channel with this slug already exists.")},
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        constraints = [
            FieldUniqueConstraint(
                Lower("name"),
                name="channel_name_unique_any_case",
                field="name",
                violation_error_message=_("A channel with this name already exists."),
                violation_error_code="name_taken",
            ),
        ]

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

    title = models.CharField(
        _("title"),
        max_length=200,
        validators=[validate_single_line],
        error_messages={"blank": _("The title is required.")},
    )
    hypothesis = models.TextField(
        _("hypothesis"), validators=[validate_free_text], error_messages={"blank": _("The hypothesis is required.")}
    )
    channel = models.ForeignKey(
        Channel, verbose_name=_("channel"), on_delete=models.PROTECT, related_name="experiments"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="experiments"
    )
    # Stored trimmed; compared case-insensitively (see the unique constraint and metrics.md).
    utm_campaign = models.CharField(
        _("utm_campaign"),
        max_length=255,
        validators=[validate_single_line],
        error_messages={"blank": _("The utm_campaign is required: it attributes leads to the experiment.")},
    )
    start_date = models.DateField(
        _("start date"),
        validators=[validate_date_in_range],
        error_messages={"invalid": _("Enter the start date as YYYY-MM-DD.")},
    )
    test_period_days = models.PositiveSmallIntegerField(
        _("test period, days"),
        validators=[MaxValueValidator(MAX_DAYS)],
        error_messages={"invalid": _("Enter the test period as a whole number of days.")},
    )
    # start_date + test_period_days, stored so that queries and indexes can use it.
    ends_on = models.DateField(_("ends on"), editable=False)
    budget = models.DecimalField(
        _("budget"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        error_messages=dict.fromkeys(("invalid", "max_digits", "max_decimal_places", "max_whole_digits"), _BUDGET),
    )
    targets = models.JSONField(_("targets"), default=dict, blank=True, validators=[validate_targets])
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
    # Why it was stopped, in the canceller's words (the page asks for it; the API may leave it out).
    cancel_reason = models.TextField(
        _("cancellation reason"),
        blank=True,
        default="",
        validators=[MaxLengthValidator(CANCEL_REASON_MAX_LENGTH), validate_free_text],
    )
    # The reviewed experiment whose hypothesis this one adjusts ("run an adjusted hypothesis"); the
    # link stays informational, so the adjustment outlives its source.
    adjusted_from = models.ForeignKey(
        "self",
        verbose_name=_("adjusts"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="adjustments",
        editable=False,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-start_date", "-id"]
        verbose_name = _("experiment")
        verbose_name_plural = _("experiments")
        constraints = [
            FieldUniqueConstraint(
                Lower("utm_campaign"),
                condition=~Q(status="cancelled"),
                name="experiment_utm_unique_among_active",
                field="utm_campaign",
                violation_error_message=_(
                    "Another experiment that is not cancelled already uses this utm_campaign (letter case ignored)."
                ),
                violation_error_code="utm_campaign_taken",
            ),
            models.CheckConstraint(condition=Q(test_period_days__gte=1), name="experiment_period_positive"),
            FieldCheckConstraint(
                condition=Q(budget__gte=0) | Q(budget__isnull=True),
                name="experiment_budget_nonneg",
                field="budget",
                violation_error_message=_BUDGET,
                violation_error_code="budget_negative",
            ),
            models.CheckConstraint(condition=~Q(adjusted_from=F("id")), name="experiment_adjusts_another"),
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

    experiment = models.OneToOneField(
        Experiment, verbose_name=_("experiment"), on_delete=models.CASCADE, related_name="unlock"
    )
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

    experiment = models.ForeignKey(
        Experiment, verbose_name=_("experiment"), on_delete=models.PROTECT, related_name="reviews"
    )
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    amends = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="amendments", verbose_name=_("amends")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="reviews"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    verdict = models.CharField(_("verdict"), max_length=20, choices=Verdict.choices)
    summary = models.TextField(
        _("summary"),
        validators=[MaxLength(REVIEW_TEXT_MAX_LENGTH, _REVIEW_TEXT_TOO_LONG), validate_free_text],
        error_messages={"blank": _("Write a summary of what the numbers and the conversations with leads showed.")},
    )
    loss_reasons = models.TextField(
        _("why leads did not buy"),
        blank=True,
        validators=[MaxLength(REVIEW_TEXT_MAX_LENGTH, _REVIEW_TEXT_TOO_LONG), validate_free_text],
    )
    recommendation = models.CharField(_("recommendation"), max_length=20, choices=Recommendation.choices)
    unlock_reason = models.CharField(_("unlock reason"), max_length=20, choices=ReviewUnlock.Reason.choices)
    regulation = models.ForeignKey(
        Regulation, verbose_name=_("regulation version"), on_delete=models.PROTECT, related_name="+"
    )
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

    experiment = models.ForeignKey(
        Experiment, verbose_name=_("experiment"), on_delete=models.CASCADE, related_name="questions"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("asked by"), on_delete=models.PROTECT, related_name="questions_asked"
    )
    text = models.TextField(
        _("question"),
        validators=[
            MaxLength(QUESTION_TEXT_MAX_LENGTH, _("Keep the question under %(limit)s characters (it has %(length)s).")),
            validate_free_text,
        ],
        error_messages={"blank": _("Write the question; it cannot be empty.")},
    )
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    answer = models.TextField(
        _("answer"),
        blank=True,
        validators=[
            MaxLength(QUESTION_TEXT_MAX_LENGTH, _("Keep the answer under %(limit)s characters (it has %(length)s).")),
            validate_free_text,
        ],
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="questions_answered",
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
            FieldCheckConstraint(
                condition=Q(answered_at__isnull=True) | ~Q(answer=""),
                name="question_answered_has_text",
                field="answer",
                violation_error_message=_("Write the answer; it cannot be empty."),
                violation_error_code="answer_empty",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:60]


class Notification(models.Model):
    """One e-mail event, keyed so that each event is sent at most once."""

    key = models.CharField(_("event key"), max_length=200, unique=True)
    subject = models.CharField(_("subject"), max_length=300)
    recipients = models.JSONField(_("recipients"), default=list)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("e-mail notification")
        verbose_name_plural = _("e-mail notifications")

    def __str__(self) -> str:
        return self.key
