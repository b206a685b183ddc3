"""Thin views: input -> service/selector -> output. Permissions are declared on each class."""

from django.shortcuts import get_object_or_404
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
from metrics.permissions import CanImportOrReadOnly


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

    @extend_schema(request=ImportUploadSerializer, responses={202: ImportJobSerializer})
    def post(self, request):
        job = services.import_job_create(file=request.FILES.get("file"), by=request.user)
        return Response(ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


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
