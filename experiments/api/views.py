"""Regulation, channel and experiment endpoints: input serializer → service or selector → output."""

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from experiments.api.serializers import (
    CancelInputSerializer,
    ChannelSerializer,
    ConflictSerializer,
    ExperimentInputSerializer,
    ExperimentSerializer,
    RegulationInputSerializer,
    RegulationSerializer,
)
from experiments.filters import ExperimentFilter
from experiments.models import Channel, Experiment, Regulation
from experiments.permissions import CanManageExperimentOrReadOnly, CanRegisterOrReadOnly, IsAdminOrReadOnly
from experiments.selectors import (
    channel_list,
    experiment_get,
    experiment_list,
    experiment_queryset,
    regulation_current,
    regulation_list,
)
from experiments.services.channels import channel_create
from experiments.services.experiments import (
    experiment_adjust,
    experiment_cancel,
    experiment_create,
    experiment_launch,
    experiment_update,
)
from experiments.services.regulations import regulation_create

_CONFLICT = OpenApiResponse(ConflictSerializer, description="Refused by the experiment's state (see `code`).")


class RegulationViewSet(viewsets.GenericViewSet):
    """The company's rules, versioned: every change is a new version, in force at once."""

    permission_classes = [IsAuthenticated, IsAdminOrReadOnly]
    serializer_class = RegulationSerializer
    queryset = Regulation.objects.none()  # for the schema; reads go through the selectors

    def get_queryset(self) -> QuerySet[Regulation]:
        return regulation_list()

    @extend_schema(summary="All regulation versions, newest first")
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(regulation_list())
        return self.get_paginated_response(RegulationSerializer(page, many=True).data)

    @extend_schema(
        summary="Create a new regulation version (admin)",
        request=RegulationInputSerializer,
        responses={201: RegulationSerializer},
    )
    def create(self, request: Request) -> Response:
        data = RegulationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        regulation = regulation_create(by=request.user, **data.to_service_kwargs())
        output = RegulationSerializer(regulation_list().get(pk=regulation.pk))
        return Response(output.data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="The regulation version in force", responses=RegulationSerializer)
    @action(detail=False, methods=["get"])
    def current(self, request: Request) -> Response:
        return Response(RegulationSerializer(regulation_current()).data)


class ChannelViewSet(viewsets.GenericViewSet):
    """Where leads come from."""

    permission_classes = [IsAuthenticated, CanRegisterOrReadOnly]
    serializer_class = ChannelSerializer
    queryset = Channel.objects.none()

    def get_queryset(self) -> QuerySet[Channel]:
        return channel_list()

    @extend_schema(summary="All channels")
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(channel_list())
        return self.get_paginated_response(ChannelSerializer(page, many=True).data)

    @extend_schema(summary="Add a channel", request=ChannelSerializer, responses={201: ChannelSerializer})
    def create(self, request: Request) -> Response:
        data = ChannelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        channel = channel_create(by=request.user, **data.validated_data)
        return Response(ChannelSerializer(channel).data, status=status.HTTP_201_CREATED)


class ExperimentViewSet(viewsets.GenericViewSet):
    """Marketing hypotheses: register, edit drafts, launch, cancel."""

    permission_classes = [IsAuthenticated, CanRegisterOrReadOnly, CanManageExperimentOrReadOnly]
    serializer_class = ExperimentSerializer
    filterset_class = ExperimentFilter
    queryset = Experiment.objects.none()

    def get_queryset(self) -> QuerySet[Experiment]:
        return experiment_queryset()

    def _output(self, experiment: Experiment) -> dict:
        # Re-read with the selector, so that a write answers exactly as GET shows it.
        return ExperimentSerializer(experiment_get(pk=experiment.pk), context=self.get_serializer_context()).data

    @extend_schema(summary="Experiments, newest start first")
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(experiment_list(user=request.user)))
        # Drafts are judged by the version in force: fetch it once for the whole page.
        context = {**self.get_serializer_context(), "current_regulation": regulation_current()}
        return self.get_paginated_response(ExperimentSerializer(page, many=True, context=context).data)

    @extend_schema(
        summary="Register an experiment (a draft)",
        request=ExperimentInputSerializer,
        responses={201: ExperimentSerializer},
    )
    def create(self, request: Request) -> Response:
        data = ExperimentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        experiment = experiment_create(by=request.user, **data.validated_data)
        return Response(self._output(experiment), status=status.HTTP_201_CREATED)

    @extend_schema(summary="One experiment")
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(ExperimentSerializer(self.get_object(), context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Edit a draft",
        request=ExperimentInputSerializer(partial=True),
        responses={200: ExperimentSerializer, 409: _CONFLICT},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        experiment = self.get_object()
        data = ExperimentInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        experiment = experiment_update(experiment=experiment, by=request.user, **data.validated_data)
        return Response(self._output(experiment))

    @extend_schema(
        summary="Launch a draft: it runs under the regulation in force now",
        request=None,
        responses={200: ExperimentSerializer, 409: _CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def launch(self, request: Request, pk: str) -> Response:
        experiment = experiment_launch(experiment=self.get_object(), by=request.user)
        return Response(self._output(experiment))

    @extend_schema(
        summary="Run an adjusted hypothesis: a new draft from a reviewed experiment",
        description="Starts from the reviewed experiment (its hypothesis, channel, budget and targets, the title "
        "with “(adjusted)”, a new utm_campaign, today as the start date); any editable field sent replaces that "
        "value. Owner, marketing_head, admin. 409 `not_reviewed` unless the experiment is reviewed.",
        request=ExperimentInputSerializer(partial=True),
        responses={201: ExperimentSerializer, 409: _CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def adjust(self, request: Request, pk: str) -> Response:
        experiment = self.get_object()
        data = ExperimentInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        draft = experiment_adjust(experiment=experiment, by=request.user, **data.validated_data)
        return Response(self._output(draft), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Cancel a draft or a running experiment, optionally saying why",
        request=CancelInputSerializer,
        responses={200: ExperimentSerializer, 409: _CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        experiment = self.get_object()
        data = CancelInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        experiment = experiment_cancel(experiment=experiment, by=request.user, **data.validated_data)
        return Response(self._output(experiment))
