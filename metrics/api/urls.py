from django.urls import path

from metrics.api.views import (
    ExperimentMetricsView,
    ExperimentRecomputeView,
    ImportDetailView,
    ImportsView,
    LeadsView,
    ScoreboardView,
    SpendView,
)

urlpatterns = [
    path("leads/", LeadsView.as_view(), name="leads"),
    path("spend/", SpendView.as_view(), name="spend"),
    path("imports/", ImportsView.as_view(), name="imports"),
    path("imports/<int:pk>/", ImportDetailView.as_view(), name="import-detail"),
    path("experiments/<int:pk>/metrics/", ExperimentMetricsView.as_view(), name="experiment-metrics"),
    path("experiments/<int:pk>/recompute/", ExperimentRecomputeView.as_view(), name="experiment-recompute"),
    path("scoreboard/", ScoreboardView.as_view(), name="scoreboard"),
]
