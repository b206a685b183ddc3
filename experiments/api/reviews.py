"""`/api/v1/experiments/{id}/review/`: file, read and amend an experiment's review (api.md, Reviews)."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from experiments.models import Experiment, Review, ReviewUnlock
from experiments.permissions import CanFileReviewsOrReadOnly
from experiments.services.reviews import review_amend, review_current, review_file


class ReviewInputSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=Review.Verdict.choices)
    summary = serializers.CharField()
    loss_reasons = serializers.CharField(required=False, allow_blank=True, default="")
    recommendation = serializers.ChoiceField(choices=Review.Recommendation.choices)


class ReviewAmendInputSerializer(serializers.Serializer):
    """Only the fields that change; the others carry over from the newest version."""

    verdict = serializers.ChoiceField(choices=Review.Verdict.choices, required=False)
    summary = serializers.CharField(required=False)
    loss_reasons = serializers.CharField(required=False, allow_blank=True)
    recommendation = serializers.ChoiceField(choices=Review.Recommendation.choices, required=False)


class ReviewSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    unlock_reason = serializers.ChoiceField(choices=ReviewUnlock.Reason.choices, read_only=True)
    regulation_version = serializers.IntegerField(source="regulation.version", read_only=True)
    metrics = serializers.JSONField(
        read_only=True, help_text="The experiment's metrics (metrics.md names) recomputed and frozen at filing."
    )
    amends = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="The original review this version amends; null for the original."
    )

    class Meta:
        model = Review
        fields = [
            "id",
            "experiment",
            "version",
            "amends",
            "verdict",
            "summary",
            "loss_reasons",
            "recommendation",
            "author",
            "created_at",
            "unlock_reason",
            "regulation_version",
            "metrics",
        ]
        read_only_fields = fields


class RefusalSerializer(serializers.Serializer):
    """A refusal by the experiment's state (409): `not_running`, `already_reviewed`..."""

    detail = serializers.CharField()
    code = serializers.CharField()


class ReviewLockedSerializer(RefusalSerializer):
    """409 `review_locked`: when the review opens and how far the exception's evidence is."""

    unlocks_on = serializers.DateField(required=False)
    evidence = serializers.FloatField(required=False)
    evidence_needed = serializers.FloatField(required=False)
    opens_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="While the exception waits out the regulation's cooling-off: when the review opens if the "
        "evidence still holds then; null otherwise.",
    )


_FORBIDDEN = OpenApiResponse(RefusalSerializer, description="Not a sales head.")
_NOT_FOUND = OpenApiResponse(RefusalSerializer, description="No such experiment.")


class ExperimentReviewView(APIView):
    permission_classes = [IsAuthenticated, CanFileReviewsOrReadOnly]

    @extend_schema(
        operation_id="experiments_review_retrieve",
        summary="The experiment's review (its newest version)",
        responses={200: ReviewSerializer, 404: OpenApiResponse(RefusalSerializer, description="Not reviewed yet.")},
        tags=["reviews"],
    )
    def get(self, request: Request, pk: int) -> Response:
        experiment = get_object_or_404(Experiment, pk=pk)
        review = review_current(experiment_id=experiment.pk)
        if review is None:
            raise NotFound(_("This experiment has no review yet."))
        return Response(ReviewSerializer(review).data)

    @extend_schema(
        operation_id="experiments_review_create",
        summary="File the review (sales heads, once the review lock is open)",
        request=ReviewInputSerializer,
        responses={
            201: ReviewSerializer,
            400: OpenApiResponse(description="Invalid fields: {field: [messages]}."),
            403: _FORBIDDEN,
            404: _NOT_FOUND,
            409: OpenApiResponse(
                ReviewLockedSerializer,
                description="`review_locked` (with unlocks_on, evidence, evidence_needed, opens_at), "
                "`already_reviewed` or `not_running`.",
            ),
        },
        tags=["reviews"],
    )
    def post(self, request: Request, pk: int) -> Response:
        experiment = get_object_or_404(Experiment, pk=pk)
        data = ReviewInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review = review_file(experiment=experiment, by=request.user, **data.validated_data)
        return Response(ReviewSerializer(review).data, status=status.HTTP_201_CREATED)


class ExperimentReviewAmendView(APIView):
    permission_classes = [IsAuthenticated, CanFileReviewsOrReadOnly]

    @extend_schema(
        operation_id="experiments_review_amend",
        summary="Amend the review: a new version linked to the original (filed versions never change)",
        request=ReviewAmendInputSerializer,
        responses={
            201: ReviewSerializer,
            400: OpenApiResponse(description="Invalid fields, or nothing changed."),
            403: _FORBIDDEN,
            404: OpenApiResponse(RefusalSerializer, description="No such experiment, or not reviewed yet."),
            409: OpenApiResponse(RefusalSerializer, description="`amend_conflict`: amended by someone else meanwhile."),
        },
        tags=["reviews"],
    )
    def post(self, request: Request, pk: int) -> Response:
        experiment = get_object_or_404(Experiment, pk=pk)
        review = review_current(experiment_id=experiment.pk)
        if review is None:
            raise NotFound(_("This experiment has no review to amend; file the review first."))
        data = ReviewAmendInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        amendment = review_amend(review=review, by=request.user, **data.validated_data)
        return Response(ReviewSerializer(amendment).data, status=status.HTTP_201_CREATED)
