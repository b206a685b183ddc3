"""Founder goals (api.md, "Scoreboard, goals, meetings"): everyone reads, founders and admins set,
correct and delete.

Each goal is shown with its `actual` value from the scoreboard of its period, `progress` =
actual / target and `met`.
"""

from django.db.models import QuerySet
from django.utils.functional import lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from meetings.agendas import goal_as_dict
from meetings.models import Goal
from meetings.permissions import CanSetGoalsOrReadOnly
from meetings.selectors import goal_list, goals_with_progress
from meetings.services.goals import choose_metric_message, goal_create, goal_delete, goal_update
from metrics import pace
from metrics.catalog import DIRECTIONS, ZONES, goal_metrics


def _metric_names() -> list[str]:
    return sorted(entry.name for entry in goal_metrics())


class GoalInputSerializer(serializers.Serializer):
    metric = serializers.ChoiceField(
        choices=[],  # from the catalog, per instance (`get_fields`)
        error_messages={"invalid_choice": lazy(choose_metric_message, str)()},
        help_text="A department metric of metrics.md.",
    )
    period_start = serializers.DateField(help_text="First day of the period.")
    period_end = serializers.DateField(help_text="The day after the period: December is 2026-12-01 to 2027-01-01.")
    target = serializers.DecimalField(
        max_digits=16,
        decimal_places=4,
        help_text="A whole number for counts, 2 places for money, 0..1 for rates.",
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["metric"].choices = _metric_names()
        return fields


class PaceSerializer(serializers.Serializer):
    """A goal's verdict on its period so far (`metrics.pace`, docs/api.md "Goals: actual and progress")."""

    state = serializers.ChoiceField(choices=list(pace.STATES))
    final = serializers.BooleanField(help_text="True once the period has ended: `met` or `missed`.")
    so_far = serializers.BooleanField(help_text="A rate or cost judged on its value so far, not on a prorated target.")
    expected = serializers.JSONField(
        allow_null=True,
        help_text="During the period, for counts and money sums: target × elapsed days / period days.",
    )
    elapsed_days = serializers.IntegerField()
    period_days = serializers.IntegerField()


class GoalSerializer(serializers.Serializer):
    """A goal and how far the department is: the scoreboard of the goal's period, up to now."""

    id = serializers.IntegerField(read_only=True)
    metric = serializers.ChoiceField(choices=[], read_only=True)
    zone = serializers.ChoiceField(choices=list(ZONES), read_only=True)
    direction = serializers.ChoiceField(
        choices=list(DIRECTIONS),
        read_only=True,
        help_text="`at_least` for volumes and conversions, `at_most` for costs, non-target share and churn.",
    )
    period_start = serializers.DateField(read_only=True)
    period_end = serializers.DateField(read_only=True, help_text="Not included: the period is [start, end).")
    target = serializers.CharField(read_only=True, help_text="Decimal string in the metric's precision.")
    actual = serializers.JSONField(
        read_only=True,
        allow_null=True,
        help_text="The metric over the period as the scoreboard shows it: an integer for counts, a decimal "
        "string for money, a number for rates, null when a rate has no denominator.",
    )
    progress = serializers.FloatField(
        read_only=True, allow_null=True, help_text="actual / target; null when either is null or the target is 0."
    )
    met = serializers.BooleanField(
        read_only=True, allow_null=True, help_text="Whether the actual is on the good side of the target."
    )
    pace = PaceSerializer(
        read_only=True,
        help_text="The verdict that may be shown today: on track / behind during the period, met / missed after it.",
    )
    created_by = serializers.CharField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["metric"].choices = _metric_names()
        return fields

    def to_representation(self, instance: Goal) -> dict:
        created_at = serializers.DateTimeField().to_representation(instance.created_at)
        created_by = instance.created_by.username if instance.created_by_id else None
        return {**goal_as_dict(instance), "created_by": created_by, "created_at": created_at}


_REFUSALS = {
    400: OpenApiResponse(description="A field is invalid: `{field: [message]}`."),
    403: OpenApiResponse(description="Not the founder or an administrator."),
}


class GoalViewSet(viewsets.GenericViewSet):
    """Founder-set targets per period and department metric."""

    permission_classes = [IsAuthenticated, CanSetGoalsOrReadOnly]
    serializer_class = GoalSerializer
    queryset = Goal.objects.none()  # for the schema; reads go through the selectors

    def get_queryset(self) -> QuerySet[Goal]:
        return goal_list()

    @extend_schema(summary="Goals with their actual values, latest period first", tags=["goals"])
    def list(self, request: Request) -> Response:
        page = goals_with_progress(self.paginate_queryset(goal_list()))
        return self.get_paginated_response(GoalSerializer(page, many=True).data)

    @extend_schema(
        summary="Set a goal (founder, admin)",
        request=GoalInputSerializer,
        responses={201: GoalSerializer, **_REFUSALS},
        tags=["goals"],
    )
    def create(self, request: Request) -> Response:
        data = GoalInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        goal = goal_create(by=request.user, **data.validated_data)
        return Response(self._output(goal), status=status.HTTP_201_CREATED)

    @extend_schema(summary="One goal with its actual value", tags=["goals"])
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(GoalSerializer(goals_with_progress([self.get_object()])[0]).data)

    @extend_schema(
        summary="Correct a goal (founder, admin): any of metric, period_start, period_end, target",
        request=GoalInputSerializer(partial=True),
        responses={200: GoalSerializer, **_REFUSALS},
        tags=["goals"],
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        goal = self.get_object()
        data = GoalInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        goal = goal_update(goal=goal, by=request.user, **data.validated_data)
        return Response(self._output(goal))

    @extend_schema(
        summary="Delete a goal (founder, admin); meeting agendas keep their copy of it",
        responses={204: None, 403: _REFUSALS[403]},
        tags=["goals"],
    )
    def destroy(self, request: Request, pk: str) -> Response:
        goal_delete(goal=self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _output(self, goal: Goal) -> dict:
        # Re-read with the selector and one scoreboard of the goal's period, so a write answers
        # exactly as GET shows it.
        return GoalSerializer(goals_with_progress([goal_list().get(pk=goal.pk)])[0]).data
