"""Server-rendered pages. Every page but the login page requires a signed-in user."""

from django.urls import path, re_path

from experiments.views import dashboard, experiments, exports, leads, questions, regulations, reviews

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("experiments/", experiments.experiment_list, name="experiment-list"),
    re_path(r"^experiments/export\.(?P<fmt>csv|xlsx)$", exports.experiment_export, name="experiment-export"),
    path("experiments/new/", experiments.experiment_create_view, name="experiment-create"),
    path("experiments/<int:pk>/", experiments.experiment_detail, name="experiment-detail"),
    path("experiments/<int:pk>/leads/", leads.experiment_leads, name="experiment-leads"),
    path("experiments/<int:pk>/edit/", experiments.experiment_edit, name="experiment-edit"),
    path("experiments/<int:pk>/launch/", experiments.experiment_launch_view, name="experiment-launch"),
    path("experiments/<int:pk>/adjust/", experiments.experiment_adjust_view, name="experiment-adjust"),
    path("experiments/<int:pk>/cancel/", experiments.experiment_cancel_view, name="experiment-cancel"),
    path("experiments/<int:pk>/review/", reviews.review_create, name="review-create"),
    path("experiments/<int:pk>/questions/", questions.question_ask_view, name="question-ask"),
    path("questions/<int:pk>/answer/", questions.question_answer_view, name="question-answer"),
    path("regulation/", regulations.regulation_page, name="regulation"),
]
