"""Goals and meetings: what the founder aims for and the regular meetings that look at it.

The tables keep their first names (`experiments_goal`, `experiments_meeting`): the models moved
apps, the data did not.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tracker.validators import validate_date_in_range, validate_free_text


class Goal(models.Model):
    """A founder's target for one metric over a period, e.g. 400 MQL in December."""

    metric = models.CharField(_("metric"), max_length=40)
    period_start = models.DateField(_("period start"), validators=[validate_date_in_range])
    period_end = models.DateField(_("period end"), validators=[validate_date_in_range])
    target = models.DecimalField(_("target"), max_digits=16, decimal_places=4)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "experiments_goal"
        ordering = ["-period_start", "metric"]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gt=models.F("period_start")), name="goal_period_ordered"),
            models.CheckConstraint(condition=Q(target__gte=0), name="goal_target_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.metric} {self.period_start}..{self.period_end}"


class Meeting(models.Model):
    """A regular meeting with an agenda built from data; heads add notes and decisions."""

    class Kind(models.TextChoices):
        SYNC = "sync", _("Marketing + sales sync")
        FOUNDER = "founder", _("Founder meeting")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    date = models.DateField(_("date"))
    agenda = models.JSONField(_("agenda"), default=dict)
    notes = models.TextField(_("notes"), blank=True, validators=[validate_free_text])
    decisions = models.TextField(_("decisions"), blank=True, validators=[validate_free_text])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "experiments_meeting"
        ordering = ["-date", "kind"]
        constraints = [models.UniqueConstraint(fields=["kind", "date"], name="meeting_once_per_kind_and_date")]

    def __str__(self) -> str:
        return f"{self.kind} {self.date}"
