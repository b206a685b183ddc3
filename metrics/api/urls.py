from django.urls import path

from metrics.api.views import (
    ExperimentMetricsView,
    ExperimentRecomputeView,
    ImportDetailView,
    ImportPreviewView,
    ImportProfileDetailView,
    ImportProfilesView,
    ImportsView,
    LeadsView,
    ScoreboardView,
    SpendView,
)

urlpatterns = [
    path("leads/", LeadsView.as_view(), name="leads"),
    path("spend/", SpendView.as_view(), name="spend"),
    path("imports/", ImportsView.as_view(), name="imports"),
    path("imports/preview/", ImportPreviewView.as_view(), name="import-preview"),
    path("imports/<int:pk>/", ImportDetailView.as_view(), name="import-detail"),
    path("import-profiles/", ImportProfilesView.as_view(), name="import-profiles"),
    path("import-profiles/<int:pk>/", ImportProfileDetailView.as_view(), name="import-profile-detail"),
    path("experiments/<int:pk>/metrics/", ExperimentMetricsView.as_view(), name="experiment-metrics"),
    path("experiments/<int:pk>/recompute/", ExperimentRecomputeView.as_view(), name="experiment-recompute"),
    path("scoreboard/", ScoreboardView.as_view(), name="scoreboard"),
]
