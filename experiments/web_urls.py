"""Server-rendered pages. Every page but the login page requires a signed-in user."""

from django.urls import include, path

from experiments.views import dashboard, experiments, goals, meetings, questions, regulations, reviews

app_name = "web"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("experiments/", experiments.experiment_list, name="experiment-list"),
    path("experiments/new/", experiments.experiment_create_view, name="experiment-create"),
    path("experiments/<int:pk>/", experiments.experiment_detail, name="experiment-detail"),
    path("experiments/<int:pk>/edit/", experiments.experiment_edit, name="experiment-edit"),
    path("experiments/<int:pk>/launch/", experiments.experiment_launch_view, name="experiment-launch"),
    path("experiments/<int:pk>/cancel/", experiments.experiment_cancel_view, name="experiment-cancel"),
    path("experiments/<int:pk>/review/", reviews.review_create, name="review-create"),
    path("experiments/<int:pk>/questions/", questions.question_ask_view, name="question-ask"),
    path("questions/<int:pk>/answer/", questions.question_answer_view, name="question-answer"),
    path("regulation/", regulations.regulation_page, name="regulation"),
    path("meetings/", meetings.meeting_list, name="meeting-list"),
    path("meetings/<int:pk>/", meetings.meeting_detail, name="meeting-detail"),
    path("goals/", goals.goals_page, name="goal-list"),
    path("goals/<int:pk>/edit/", goals.goal_edit, name="goal-edit"),
    path("goals/<int:pk>/delete/", goals.goal_delete_view, name="goal-delete"),
    path("", include("metrics.web_urls")),
]
