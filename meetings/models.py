"""Goals and meetings: what the founder aims for and the regular meetings that look at it.

The tables keep their first names (`experiments_goal`, `experiments_meeting`): the models moved
apps, the data did not.
"""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tracker.input_limits import MAX_YEAR, MIN_YEAR, validate_date_in_range, validate_free_text
from tracker.validation import FieldCheckConstraint, MaxLength, MaxValue

# The scoreboard refuses longer periods; a goal's actual is read from one.
MAX_PERIOD_DAYS = 3660
MAX_TARGET = Decimal("999999999999")
NOTES_MAX_LENGTH = 20000
_DATE = {"invalid": _("Give a date as YYYY-MM-DD.")}
_NOTES_TOO_LONG = _("Keep it under %(limit)s characters (it has %(length)s).")


class Goal(models.Model):
    """A founder's target for one metric over a period, e.g. 400 MQL in December."""

    # Which metrics a goal may name, and the target each takes, is the metric catalog's to say
    # (`meetings.services.goals`).
    metric = models.CharField(_("metric"), max_length=40)
    period_start = models.DateField(_("period start"), validators=[validate_date_in_range], error_messages=_DATE)
    period_end = models.DateField(_("period end"), validators=[validate_date_in_range], error_messages=_DATE)
    target = models.DecimalField(
        _("target"),
        max_digits=16,
        decimal_places=4,
        validators=[MaxValue(MAX_TARGET, _("The target may be at most %(max)s."))],
        error_messages={
            "invalid": _("Give the target as a number, e.g. 400 or 1500.00."),
            "max_decimal_places": _("At most 4 decimal places."),
        },
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("set by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        db_table = "experiments_goal"
        ordering = ["-period_start", "metric"]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        constraints = [
            FieldCheckConstraint(
                condition=Q(period_end__gt=models.F("period_start")),
                name="goal_period_ordered",
                field="period_end",
                violation_error_message=_(
                    "The period end must be after its start; the end day is not included "
                    "(December is 2026-12-01 to 2027-01-01)."
                ),
                violation_error_code="period_not_ordered",
            ),
            FieldCheckConstraint(
                condition=Q(target__gte=0),
                name="goal_target_nonneg",
                field="target",
                violation_error_message=_("The target cannot be negative."),
                violation_error_code="target_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric} {self.period_start}..{self.period_end}"

    def clean(self) -> None:
        start, end = self.period_start, self.period_end
        if not all(isinstance(day, dt.date) and MIN_YEAR <= day.year <= MAX_YEAR for day in (start, end)):
            return  # a date that is not one, or out of range, has its own refusal
        if (end - start).days > MAX_PERIOD_DAYS:
            too_long = ValidationError(_("A goal's period may span at most ten years."), code="period_too_long")
            raise ValidationError({"period_end": too_long})


class Meeting(models.Model):
    """A regular meeting with an agenda built from data; heads add notes and decisions.

    Until it is held the agenda is read live (`meetings.live`); `agenda` keeps the last one built,
    and once the meeting is held, the one it was held with, beside its notes and decisions.
    """

    class Kind(models.TextChoices):
        SYNC = "sync", _("Marketing + sales sync")
        FOUNDER = "founder", _("Founder meeting")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    date = models.DateField(_("date"))
    agenda = models.JSONField(_("agenda"), default=dict)
    notes = models.TextField(
        _("notes"), blank=True, validators=[MaxLength(NOTES_MAX_LENGTH, _NOTES_TOO_LONG), validate_free_text]
    )
    decisions = models.TextField(
        _("decisions"), blank=True, validators=[MaxLength(NOTES_MAX_LENGTH, _NOTES_TOO_LONG), validate_free_text]
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    held_at = models.DateTimeField(_("held at"), null=True, blank=True)
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        db_table = "experiments_meeting"
        ordering = ["-date", "kind"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [models.UniqueConstraint(fields=["kind", "date"], name="meeting_once_per_kind_and_date")]

    def __str__(self) -> str:
        return f"{self.kind} {self.date}"
