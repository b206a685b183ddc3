"""Input and output shapes of the lead data and metrics API (api.md)."""

from django.utils.translation import gettext as _
from rest_framework import serializers

from experiments.models import Channel
from metrics.models import ImportJob, ImportKind, ImportProfile, Lead, Spend
from metrics.rows import LEAD_FIELDS
from tracker.input_limits import MAX_INT, validate_date_in_range


class LeadSerializer(serializers.ModelSerializer):
    channel = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True, help_text="The channel's slug; null when none was given."
    )
    source_user = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="Who supplied the lead's data as it stands: the poster (the token's user) or the import's "
        "uploader; null when unknown.",
    )
    source_import = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="The CSV import that wrote it; null when it came through the API."
    )

    class Meta:
        model = Lead
        fields = ["id", *LEAD_FIELDS, "updated_at", "source_user", "source_import", "source_at"]
        read_only_fields = fields


class LeadRowSerializer(serializers.Serializer):
    """One row of `POST /api/v1/leads/`, for the schema only: rows are checked by `metrics.rows`
    (a serializer per row would cost too much), each failing row answered in `errors`."""

    external_id = serializers.CharField(max_length=255)
    created_at = serializers.DateTimeField(help_text="Years 2000 to 2100; without an offset: local time.")
    utm_campaign = serializers.CharField(max_length=255, required=False, allow_blank=True)
    channel = serializers.CharField(required=False, allow_blank=True, help_text="A channel slug.")
    is_target = serializers.BooleanField(required=False, allow_null=True)
    disqualify_reason = serializers.CharField(required=False, allow_blank=True)
    mql_at = serializers.DateTimeField(required=False, allow_null=True)
    sql_at = serializers.DateTimeField(required=False, allow_null=True)
    won_at = serializers.DateTimeField(required=False, allow_null=True)
    revenue = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True)
    orders = serializers.IntegerField(min_value=0, max_value=MAX_INT, required=False, allow_null=True)
    customer_id = serializers.CharField(max_length=255, required=False, allow_blank=True)
    churned_at = serializers.DateTimeField(required=False, allow_null=True)
    churn_reason = serializers.CharField(required=False, allow_blank=True)


class SpendRowSerializer(serializers.Serializer):
    """One row of `POST /api/v1/spend/`, for the schema only (checked by `metrics.rows`)."""

    experiment = serializers.IntegerField(required=False, help_text="The experiment's id, or name its utm_campaign.")
    utm_campaign = serializers.CharField(required=False)
    date = serializers.DateField(help_text="Years 2000 to 2100.")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    kind = serializers.ChoiceField(choices=Spend.Kind.choices)
    visits = serializers.IntegerField(min_value=0, max_value=MAX_INT, required=False, allow_null=True)
    external_id = serializers.CharField(max_length=255, required=False, allow_null=True)


class RowErrorSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    external_id = serializers.CharField(allow_null=True, required=False)
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class LeadUpsertResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    errors = RowErrorSerializer(many=True)


class SpendSerializer(serializers.ModelSerializer):
    class Meta:
        model = Spend
        fields = ["id", "external_id", "experiment", "date", "amount", "kind", "visits", "created_at"]
        read_only_fields = fields


class SpendCreateResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    errors = RowErrorSerializer(many=True)


class ImportUploadSerializer(serializers.Serializer):
    """A multipart upload (docs/imports.md): `file` or a preview's `upload` token, and how to read it."""

    file = serializers.FileField(required=False)
    upload = serializers.UUIDField(required=False)
    kind = serializers.ChoiceField(choices=ImportKind.choices, required=False)
    preset = serializers.CharField(required=False)
    sheet = serializers.CharField(required=False)
    profile = serializers.IntegerField(required=False)
    mapping = serializers.CharField(required=False, help_text="JSON: our field -> the file's header")
    stages = serializers.CharField(required=False, help_text="JSON: stage value -> level")
    reasons = serializers.CharField(required=False, help_text="JSON: reason value -> non_target")
    campaigns = serializers.CharField(required=False, help_text="JSON: campaign -> utm_campaign")


class ImportPreviewRequestSerializer(serializers.Serializer):
    file = serializers.FileField(required=False)
    upload = serializers.UUIDField(required=False)
    kind = serializers.ChoiceField(choices=ImportKind.choices, required=False)
    preset = serializers.CharField(required=False)
    sheet = serializers.CharField(required=False)


class ImportProfileSerializer(serializers.ModelSerializer):
    """Read only: writes go through `metrics.services.import_profiles` with the request's data."""

    class Meta:
        model = ImportProfile
        fields = [
            "id",
            "name",
            "kind",
            "preset",
            "mapping",
            "stages",
            "reasons",
            "campaigns",
            "headers",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ImportJobSerializer(serializers.ModelSerializer):
    class Meta:
        model = ImportJob
        fields = [
            "id",
            "kind",
            "status",
            "progress",
            "original_name",
            "size_bytes",
            "rows_total",
            "rows_ok",
            "rows_failed",
            "created",
            "updated",
            "unchanged",
            "errors",
            "failure",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class ScoreboardQuerySerializer(serializers.Serializer):
    # "from" is a Python keyword: the fields are renamed in validate().
    date_from = serializers.DateField(validators=[validate_date_in_range])
    date_to = serializers.DateField(validators=[validate_date_in_range])
    channel = serializers.SlugRelatedField(slug_field="slug", queryset=Channel.objects.all(), required=False)

    def to_internal_value(self, data):
        data = {
            "date_from": data.get("from"),
            "date_to": data.get("to"),
            **({"channel": data["channel"]} if data.get("channel") else {}),
        }
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as exc:
            renamed = {{"date_from": "from", "date_to": "to"}.get(k, k): v for k, v in exc.detail.items()}
            raise serializers.ValidationError(renamed) from None

    def validate(self, attrs):
        if attrs["date_to"] <= attrs["date_from"]:
            raise serializers.ValidationError({"to": [_("“to” must be after “from” (the period is [from, to)).")]})
        if (attrs["date_to"] - attrs["date_from"]).days > 3660:
            raise serializers.ValidationError({"to": [_("The period may span at most ten years.")]})
        return attrs
