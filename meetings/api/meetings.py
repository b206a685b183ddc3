"""Meetings (api.md, "Scoreboard, goals, meetings"): everyone reads; marketing heads, sales heads
and the founder write notes and decisions and mark a meeting as held. Beat creates the meetings
with their agendas."""

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from meetings.filters import MeetingFilter
from meetings.live import meeting_agenda
from meetings.models import Meeting
from meetings.permissions import CanWriteNotesOrReadOnly
from meetings.selectors import meeting_list
from meetings.services.meetings import meeting_hold, meeting_update_notes
from tracker.pagination import PageNumberPagination


class MeetingNotesInputSerializer(serializers.Serializer):
    notes = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    decisions = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)


class MeetingSerializer(serializers.ModelSerializer):
    """A meeting. One meeting (`live_agenda` in the context) shows its agenda as it is now until it
    is held; the list shows each agenda as last stored, without building any."""

    agenda = serializers.SerializerMethodField(
        help_text="Built from data; while the meeting is not held (and its day has not passed) "
        "GET of one meeting builds it as the data are now. Shape in docs/api.md, Meeting agendas."
    )
    held_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="When a head or the founder marked the meeting as held; null before. The agenda is read "
        "live while this is null and the meeting's date is today or later.",
    )
    held_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Meeting
        fields = ["id", "kind", "date", "agenda", "notes", "decisions", "held_at", "held_by"]
        read_only_fields = fields

    @extend_schema_field(serializers.JSONField())
    def get_agenda(self, meeting: Meeting) -> dict:
        if self.context.get("live_agenda"):
            return meeting_agenda(meeting)
        return meeting.agenda or {}


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

    @extend_schema(summary="One meeting with its agenda (live until the meeting is held)", tags=["meetings"])
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(_one(self.get_object()))

    @extend_schema(
        summary="Mark the meeting as held (marketing heads, sales heads, founder): the agenda is frozen",
        request=None,
        responses={
            200: MeetingSerializer,
            403: OpenApiResponse(description="Not a marketing head, sales head or founder."),
            409: OpenApiResponse(description="`code: meeting_held`: it was held already."),
        },
        tags=["meetings"],
    )
    @action(detail=True, methods=["post"])
    def hold(self, request: Request, pk: str) -> Response:
        return Response(_one(meeting_hold(meeting=self.get_object(), by=request.user)))

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
        return Response(_one(meeting))


def _one(meeting: Meeting) -> dict:
    return MeetingSerializer(meeting, context={"live_agenda": True}).data
