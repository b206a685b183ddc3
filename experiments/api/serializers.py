"""Input and output shapes of the regulation, channel and experiment endpoints (api.md).

Input serializers check types only; the rules (bounds, uniqueness) live on the models and who may in
the services, whose `ValidationError`s answer in the same `{"field": ["message"]}` shape.
"""

from typing import Any

from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from experiments.models import Channel, ChannelThreshold, Experiment, Regulation, ReviewUnlock
from experiments.selectors import experiment_effective_status, experiment_lock_state
from experiments.services.experiments import EDITABLE_FIELDS
from experiments.services.regulations import DECIMAL_FIELDS, INT_FIELDS
from metrics.catalog import COUNT, MONEY, TargetField, target_fields
from metrics.selectors import snapshot_data

# Shares and alpha are rates: JSON numbers (api.md, Conventions), not decimal strings.
_RATE = {"max_digits": 5, "decimal_places": 4, "coerce_to_string": False}


class ConflictSerializer(serializers.Serializer):
    """A refusal by the object's state (409)."""

    detail = serializers.CharField()
    code = serializers.CharField()


# --- Regulation -----------------------------------------------------------------------------


class ChannelThresholdSerializer(serializers.ModelSerializer):
    channel = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Channel.objects.all(),
        error_messages={"does_not_exist": gettext_lazy("There is no channel with the slug “{value}”.")},
    )
    non_target_threshold = serializers.DecimalField(**_RATE)

    class Meta:
        model = ChannelThreshold
        fields = ["channel", "non_target_threshold"]


class RegulationSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    non_target_threshold = serializers.DecimalField(**_RATE)
    exception_alpha = serializers.DecimalField(**_RATE)
    evidence_needed = serializers.FloatField(read_only=True, help_text="1 / exception_alpha.")
    channel_thresholds = ChannelThresholdSerializer(many=True, read_only=True)

    class Meta:
        model = Regulation
        fields = [
            "id",
            "version",
            "created_at",
            "created_by",
            *INT_FIELDS,
            *DECIMAL_FIELDS,
            "evidence_needed",
            "channel_thresholds",
        ]
        read_only_fields = fields


class RegulationInputSerializer(serializers.Serializer):
    """Every field is optional: what is left out keeps the value of the version in force."""

    default_test_period_days = serializers.IntegerField(required=False, help_text="1..365, default 30.")
    min_test_period_days = serializers.IntegerField(required=False, help_text="Default 7; min <= default.")
    max_test_period_days = serializers.IntegerField(required=False, help_text="Default 90; default <= max.")
    non_target_threshold = serializers.DecimalField(
        max_digits=5, decimal_places=4, required=False, help_text="Strictly between 0 and 1, default 0.30."
    )
    exception_min_leads = serializers.IntegerField(required=False, help_text=">= 1, default 10.")
    exception_alpha = serializers.DecimalField(
        max_digits=5, decimal_places=4, required=False, help_text="In (0, 0.5], default 0.05."
    )
    exception_cooldown_hours = serializers.IntegerField(
        required=False,
        help_text="0..720, default 0. Hours between the exception's evidence being first met and the early "
        "opening of the review, which happens only if the evidence still holds then; 0 opens at once.",
    )
    review_due_days = serializers.IntegerField(required=False, help_text=">= 1, default 7.")
    sync_meeting_every_days = serializers.IntegerField(required=False, help_text=">= 1, default 14.")
    founder_meeting_every_days = serializers.IntegerField(required=False, help_text=">= 1, default 7.")
    channel_thresholds = ChannelThresholdSerializer(
        many=True, required=False, help_text="Channel overrides; left out, those of the version in force stay."
    )

    def validate_channel_thresholds(self, value: list[dict]) -> list[dict]:
        slugs = [row["channel"].slug for row in value]
        if len(slugs) != len(set(slugs)):
            raise serializers.ValidationError(_("Give each channel at most one threshold."))
        return value

    def to_service_kwargs(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        if "channel_thresholds" in data:
            data["channel_thresholds"] = {
                row["channel"].id: row["non_target_threshold"] for row in data["channel_thresholds"]
            }
        return data


# --- Channel --------------------------------------------------------------------------------


class ChannelSerializer(serializers.ModelSerializer):
    class Meta:
        model = Channel
        fields = ["id", "name", "slug"]
        read_only_fields = ["id"]
        # Uniqueness is the service's rule (with a plain message); here only the shape.
        extra_kwargs = {"name": {"validators": []}, "slug": {"validators": []}}


# --- Experiment -----------------------------------------------------------------------------


def _target_serializer_field(target: TargetField) -> serializers.Field:
    if target.kind == MONEY:
        return serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    if target.kind == COUNT:
        return serializers.IntegerField(required=False)
    return serializers.FloatField(required=False, min_value=0, max_value=1)


class TargetsSerializer(serializers.Serializer):
    """Optional targets (`metrics.catalog`); money as decimal strings, counts as integers, shares as numbers."""

    def get_fields(self) -> dict[str, serializers.Field]:
        return {target.name: _target_serializer_field(target) for target in target_fields()}


def _target_names() -> str:
    return ", ".join(target.name for target in target_fields())


class ChecklistConditionSerializer(serializers.Serializer):
    met = serializers.BooleanField()
    value = serializers.FloatField(allow_null=True, help_text="Today's number (null: no judged lead yet).")
    needed = serializers.FloatField()


class PeriodConditionSerializer(serializers.Serializer):
    met = serializers.BooleanField()
    ends_on = serializers.DateField()


class ExceptionChecklistSerializer(serializers.Serializer):
    min_judged_leads = ChecklistConditionSerializer()
    share_above_threshold = ChecklistConditionSerializer()
    evidence = ChecklistConditionSerializer()
    more_leads_needed = serializers.IntegerField(
        allow_null=True,
        help_text="Judged leads still needed at today's share: 0 when the exception holds now; null when "
        "today's share cannot open it (or not within 10,000 more leads), and once the review is open.",
    )


class LockChecklistSerializer(serializers.Serializer):
    """The two ways a review opens, condition by condition: the period, or all three of the exception."""

    period_ended = PeriodConditionSerializer()
    exception = ExceptionChecklistSerializer()


class ReviewLockSerializer(serializers.Serializer):
    """The review lock (product.md): when the review opens, how far the exception is, and once open,
    when the review is due."""

    unlocked = serializers.BooleanField()
    reason = serializers.ChoiceField(choices=ReviewUnlock.Reason.choices, allow_null=True)
    unlocks_on = serializers.DateField()
    unlocked_at = serializers.DateTimeField(allow_null=True)
    evidence = serializers.FloatField(allow_null=True)
    evidence_needed = serializers.FloatField(allow_null=True)
    opens_at = serializers.DateTimeField(
        allow_null=True,
        help_text="While the exception's evidence waits out the regulation's cooling-off: when the review "
        "opens if the evidence still holds then. Null otherwise.",
    )
    opened_on = serializers.DateField(
        allow_null=True,
        help_text="The day the review opened: ends_on for period_ended, the local date of the unlock for "
        "exception; null while locked.",
    )
    review_due_on = serializers.DateField(
        allow_null=True, help_text="opened_on + the pinned regulation's review_due_days; null while locked."
    )
    overdue = serializers.BooleanField(
        allow_null=True, help_text="Not reviewed and today is past review_due_on; null while locked."
    )
    days_overdue = serializers.IntegerField(allow_null=True, help_text="0 unless overdue; null while locked.")
    checklist = LockChecklistSerializer()


class CancelInputSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=True, help_text="Why, in plain words (optional)."
    )


class ExperimentSerializer(serializers.ModelSerializer):
    """An experiment as every read and write shows it. `status` is the effective status."""

    channel = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True, help_text="The owner's username.")
    targets = TargetsSerializer(read_only=True)
    status = serializers.SerializerMethodField()
    regulation_version = serializers.SerializerMethodField()
    non_target_threshold = serializers.SerializerMethodField()
    review_lock = serializers.SerializerMethodField()
    metrics = serializers.SerializerMethodField()
    adjusted_from = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text="The reviewed experiment whose hypothesis this one adjusts; null for none.",
    )
    adjustments = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text="The experiments that adjust this one's hypothesis, oldest first."
    )

    class Meta:
        model = Experiment
        fields = [
            "id",
            *EDITABLE_FIELDS,
            "owner",
            "status",
            "ends_on",
            "regulation_version",
            "non_target_threshold",
            "review_lock",
            "metrics",
            "launched_at",
            "cancelled_at",
            "cancel_reason",
            "adjusted_from",
            "adjustments",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def _current_regulation(self) -> Regulation | None:
        return self.context.get("current_regulation")

    @extend_schema_field(serializers.ChoiceField(choices=Experiment.Status.choices))
    def get_status(self, experiment: Experiment) -> str:
        return experiment_effective_status(experiment, current_regulation=self._current_regulation())

    @extend_schema_field(
        serializers.IntegerField(allow_null=True, help_text="The pinned regulation version; null for a draft.")
    )
    def get_regulation_version(self, experiment: Experiment) -> int | None:
        return experiment.regulation.version if experiment.regulation_id else None

    @extend_schema_field(
        serializers.FloatField(
            help_text="The acceptable non-target share of the experiment's channel: from the pinned version, "
            "or from the version in force for a draft."
        )
    )
    def get_non_target_threshold(self, experiment: Experiment) -> float:
        state = experiment_lock_state(experiment, current_regulation=self._current_regulation())
        return float(state.threshold)

    @extend_schema_field(ReviewLockSerializer)
    def get_review_lock(self, experiment: Experiment) -> dict[str, Any]:
        return experiment_lock_state(experiment, current_regulation=self._current_regulation()).as_dict()

    @extend_schema_field(
        serializers.DictField(
            allow_null=True,
            help_text="The latest metric snapshot (metrics.md names) plus computed_at; null before the first one.",
        )
    )
    def get_metrics(self, experiment: Experiment) -> dict[str, Any] | None:
        snapshot = getattr(experiment, "snapshot", None)
        if snapshot is None or snapshot.computed_at is None:
            return None
        return {
            **snapshot_data(snapshot.data),
            "computed_at": serializers.DateTimeField().to_representation(snapshot.computed_at),
        }


class ExperimentInputSerializer(serializers.Serializer):
    """Registration (POST). PATCH takes the same fields, each optional."""

    title = serializers.CharField(max_length=200)
    hypothesis = serializers.CharField()
    channel = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Channel.objects.all(),
        help_text="The channel's slug.",
        error_messages={"does_not_exist": gettext_lazy("There is no channel with the slug “{value}”.")},
    )
    utm_campaign = serializers.CharField(max_length=255, help_text="Unique among experiments that are not cancelled.")
    start_date = serializers.DateField(help_text="May be in the past (retroactive registration).")
    test_period_days = serializers.IntegerField(
        required=False, allow_null=True, help_text="Within the regulation's min..max; left out, its default."
    )
    budget = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
    targets = serializers.DictField(
        required=False,
        allow_null=True,
        help_text=format_lazy("Optional targets, keys: {}.", lazy(_target_names, str)()),
    )
