"""Questions on an experiment (api.md, Questions): sales heads and founders ask, marketing heads
answer, everyone reads. The output names who wrote each text and nobody else."""

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from experiments.api.reviews import RefusalSerializer
from experiments.models import Experiment, Question
from experiments.permissions import CanAnswer, CanAskOrReadOnly
from experiments.services.questions import question_answer, question_ask, question_list


class TextInputSerializer(serializers.Serializer):
    text = serializers.CharField()


class QuestionSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    answered_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    answer = serializers.CharField(read_only=True, allow_null=True, help_text="Null until a marketing head answers.")

    class Meta:
        model = Question
        fields = ["id", "experiment", "text", "author", "created_at", "answer", "answered_by", "answered_at"]
        read_only_fields = fields

    def to_representation(self, instance: Question) -> dict:
        data = super().to_representation(instance)
        if instance.answered_at is None:
            data["answer"] = None
        return data


class ExperimentQuestionsView(ListAPIView):
    permission_classes = [IsAuthenticated, CanAskOrReadOnly]
    serializer_class = QuestionSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no experiment in the URL
            return Question.objects.none()
        experiment = get_object_or_404(Experiment, pk=self.kwargs["pk"])
        return question_list(experiment_id=experiment.pk)

    @extend_schema(summary="Questions on the experiment, with their answers, oldest first", tags=["questions"])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="experiments_questions_create",
        summary="Ask the marketing heads about the experiment (sales heads, founders)",
        request=TextInputSerializer,
        responses={
            201: QuestionSerializer,
            400: OpenApiResponse(description="Empty or too long text."),
            403: OpenApiResponse(RefusalSerializer, description="Not a sales head or founder."),
            404: OpenApiResponse(RefusalSerializer, description="No such experiment."),
        },
        tags=["questions"],
    )
    def post(self, request: Request, pk: int) -> Response:
        experiment = get_object_or_404(Experiment, pk=pk)
        data = TextInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        question = question_ask(experiment=experiment, by=request.user, text=data.validated_data["text"])
        return Response(QuestionSerializer(question).data, status=status.HTTP_201_CREATED)


class QuestionAnswerView(APIView):
    permission_classes = [IsAuthenticated, CanAnswer]

    @extend_schema(
        operation_id="questions_answer",
        summary="Answer a question (marketing heads)",
        request=TextInputSerializer,
        responses={
            200: QuestionSerializer,
            400: OpenApiResponse(description="Empty or too long text."),
            403: OpenApiResponse(RefusalSerializer, description="Not a marketing head."),
            404: OpenApiResponse(RefusalSerializer, description="No such question."),
            409: OpenApiResponse(RefusalSerializer, description="`already_answered`."),
        },
        tags=["questions"],
    )
    def post(self, request: Request, pk: int) -> Response:
        question = get_object_or_404(Question.objects.select_related("author", "experiment"), pk=pk)
        data = TextInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        question = question_answer(question=question, by=request.user, text=data.validated_data["text"])
        return Response(QuestionSerializer(question).data)
