"""Thin views: input -> service/selector -> output. Permissions are declared on each class."""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from experiments.models import Experiment
from metrics import selectors, services
from metrics.api.serializers import (
    ImportJobSerializer,
    ImportPreviewRequestSerializer,
    ImportProfileSerializer,
    ImportUploadSerializer,
    LeadRowSerializer,
    LeadSerializer,
    LeadUpsertResultSerializer,
    ScoreboardQuerySerializer,
    SpendCreateResultSerializer,
    SpendRowSerializer,
    SpendSerializer,
)
from metrics.filters import LeadFilter, SpendFilter
from metrics.permissions import CanImport, CanImportOrReadOnly


class LeadsView(generics.ListAPIView):
    """GET: leads, newest first. POST: upsert up to 10,000 rows by external_id."""

    permission_classes = [IsAuthenticated, CanImportOrReadOnly]
    serializer_class = LeadSerializer
    filterset_class = LeadFilter

    def get_queryset(self):
        return selectors.leads_list()

    @extend_schema(request={"application/json": LeadRowSerializer(many=True)}, responses=LeadUpsertResultSerializer)
    def post(self, request):
        result = services.leads_upsert(rows=request.data, by=request.user)
        return Response(LeadUpsertResultSerializer(result).data, status=status.HTTP_200_OK)


class SpendView(generics.ListAPIView):
    """GET: spend rows. POST: a list of spend rows (experiment id or utm_campaign)."""

    permission_classes = [IsAuthenticated, CanImportOrReadOnly]
    serializer_class = SpendSerializer
    filterset_class = SpendFilter

    def get_queryset(self):
        return selectors.spend_list()

    @extend_schema(
        request={"application/json": SpendRowSerializer(many=True)}, responses={201: SpendCreateResultSerializer}
    )
    def post(self, request):
        result = services.spend_create(rows=request.data, by=request.user)
        return Response(SpendCreateResultSerializer(result).data, status=status.HTTP_201_CREATED)


class ImportsView(generics.ListAPIView):
    """GET: import jobs, newest first. POST: upload a CSV file; the import runs in the background."""

    permission_classes = [IsAuthenticated, CanImportOrReadOnly]
    serializer_class = ImportJobSerializer
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        return selectors.import_jobs()

    @extend_schema(request={"multipart/form-data": ImportUploadSerializer}, responses={202: ImportJobSerializer})
    def post(self, request):
        job = services.import_job_create(
            file=request.FILES.get("file"), by=request.user, **_options(request, IMPORT_OPTIONS)
        )
        return Response(ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


IMPORT_OPTIONS = ("upload", "kind", "preset", "sheet", "profile", "mapping", "stages", "reasons", "campaigns")
PREVIEW_OPTIONS = ("upload", "kind", "preset", "sheet")


def _options(request, names: tuple[str, ...]) -> dict[str, object]:
    """The request's options as sent (text fields of a multipart form); the service checks them."""
    return {name: request.data.get(name) for name in names if name in request.data}


class ImportPreviewView(APIView):
    """POST: store a file (or read a stored one again by its token) and describe how it would be
    imported: format, encoding, headers, first rows, proposed preset, mapping and stage levels."""

    permission_classes = [IsAuthenticated, CanImport]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": ImportPreviewRequestSerializer}, responses=OpenApiTypes.OBJECT)
    def post(self, request):
        preview = services.import_preview(
            file=request.FILES.get("file"), by=request.user, **_options(request, PREVIEW_OPTIONS)
        )
        return Response(preview)


class ImportProfilesView(generics.ListAPIView):
    """GET: saved import profiles. POST: save one (JSON)."""

    permission_classes = [IsAuthenticated, CanImportOrReadOnly]
    serializer_class = ImportProfileSerializer
    pagination_class = None

    def get_queryset(self):
        return selectors.import_profiles()

    @extend_schema(request=ImportProfileSerializer, responses={201: ImportProfileSerializer})
    def post(self, request):
        profile = services.import_profile_create(by=request.user, **_profile_data(request))
        return Response(ImportProfileSerializer(profile).data, status=status.HTTP_201_CREATED)


class ImportProfileDetailView(generics.RetrieveAPIView):
    """GET, PATCH, DELETE one import profile."""

    permission_classes = [IsAuthenticated, CanImportOrReadOnly]
    serializer_class = ImportProfileSerializer

    def get_queryset(self):
        return selectors.import_profiles()

    @extend_schema(request=ImportProfileSerializer, responses=ImportProfileSerializer)
    def patch(self, request, pk: int):
        profile = services.import_profile_update(profile=self.get_object(), **_profile_data(request))
        return Response(ImportProfileSerializer(profile).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk: int):
        services.import_profile_delete(profile=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


def _profile_data(request) -> dict[str, object]:
    data = request.data
    if not isinstance(data, dict):
        raise ValidationError({"non_field_errors": [_("Send a JSON object.")]})
    return {name: data[name] for name in services.PROFILE_FIELDS if name in data}


class ImportDetailView(generics.RetrieveAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = ImportJobSerializer

    def get_queryset(self):
        return selectors.import_jobs()


def snapshot_payload(snapshot) -> dict:
    """api.md: the snapshot's metrics plus `computed_at`; `pending` when a recompute is due."""
    return {
        **selectors.snapshot_data(snapshot.data),
        "computed_at": snapshot.computed_at.isoformat() if snapshot.computed_at else None,
        "pending": snapshot.dirty_since is not None,
    }


class ExperimentMetricsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, pk: int):
        experiment = get_object_or_404(Experiment, pk=pk)
        snapshot = selectors.snapshot_get(experiment=experiment)
        if snapshot is None or snapshot.computed_at is None:
            # Never computed yet (a new experiment): compute now, it is one indexed query.
            snapshot = services.snapshots_recompute(experiment_ids=[experiment.id])[experiment.id]
        return Response(snapshot_payload(snapshot))


class ExperimentRecomputeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={202: OpenApiTypes.OBJECT})
    def post(self, request, pk: int):
        experiment = get_object_or_404(Experiment, pk=pk)
        services.snapshot_recompute_request(experiment=experiment)
        return Response({"status": "queued", "experiment": experiment.id}, status=status.HTTP_202_ACCEPTED)


class ScoreboardView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, required=True),
            OpenApiParameter("to", OpenApiTypes.DATE, required=True, description="exclusive"),
            OpenApiParameter("channel", OpenApiTypes.STR, description="channel slug"),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        query = ScoreboardQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        return Response(
            selectors.scoreboard(date_from=data["date_from"], date_to=data["date_to"], channel=data.get("channel"))
        )
