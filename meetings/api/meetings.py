"""Meetings (api.md, "Scoreboard, goals, meetings"): everyone reads; marketing heads, sales heads
and the founder write notes and decisions. Beat creates the meetings with their agendas."""

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from meetings.filters import MeetingFilter
from meetings.models import Meeting
from meetings.permissions import CanWriteNotesOrReadOnly
from meetings.selectors import meeting_list
from meetings.services.meetings import meeting_update_notes
from tracker.pagination import PageNumberPagination


class MeetingNotesInputSerializer(serializers.Serializer):
    notes = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    decisions = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)


class MeetingSerializer(serializers.ModelSerializer):
    agenda = serializers.JSONField(
        read_only=True, help_text="Built from data when the meeting is created; shape in docs/api.md, Meeting agendas."
    )

    class Meta:
        model = Meeting
        fields = ["id", "kind", "date", "agenda", "notes", "decisions"]
        read_only_fields = fields


class MeetingPagination(PageNumberPagination):
    # Each meeting carries its whole agenda (tens of KB with many experiments): fewer a page by default.
    page_size = 10


class MeetingViewSet(viewsets.GenericViewSet):
    """The marketing + sales sync and the founder meeting, newest first."""

    pagination_class = MeetingPagination
    permission_classes = [IsAuthenticated, CanWriteNotesOrReadOnly]
    serializer_class = MeetingSerializer
    filterset_class = MeetingFilter
    queryset = Meeting.objects.none()  # for the schema; reads go through the selectors

    def get_queryset(self) -> QuerySet[Meeting]:
        return meeting_list()

    @extend_schema(summary="Meetings, newest first", tags=["meetings"])
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(meeting_list()))
        return self.get_paginated_response(MeetingSerializer(page, many=True).data)

    @extend_schema(summary="One meeting with its agenda", tags=["meetings"])
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(MeetingSerializer(self.get_object()).data)

    @extend_schema(
        summary="Write the notes and/or decisions (marketing heads, sales heads, founder)",
        request=MeetingNotesInputSerializer,
        responses={
            200: MeetingSerializer,
            400: OpenApiResponse(description="A field is invalid: `{field: [message]}`."),
            403: OpenApiResponse(description="Not a marketing head, sales head or founder."),
        },
        tags=["meetings"],
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        meeting = self.get_object()
        data = MeetingNotesInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        meeting = meeting_update_notes(meeting=meeting, by=request.user, **data.validated_data)
        return Response(MeetingSerializer(meeting).data)
