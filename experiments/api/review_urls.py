from django.urls import path

from experiments.api.questions import ExperimentQuestionsView, QuestionAnswerView
from experiments.api.reviews import ExperimentReviewAmendView, ExperimentReviewView

urlpatterns = [
    path("experiments/<int:pk>/review/", ExperimentReviewView.as_view(), name="experiment-review"),
    path(
        "experiments/<int:pk>/review/amendments/", ExperimentReviewAmendView.as_view(), name="experiment-review-amend"
    ),
    path("experiments/<int:pk>/questions/", ExperimentQuestionsView.as_view(), name="experiment-questions"),
    path("questions/<int:pk>/answer/", QuestionAnswerView.as_view(), name="question-answer"),
]
