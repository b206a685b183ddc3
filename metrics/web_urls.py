from django.urls import path, re_path

from metrics.views import import_preview, import_profiles, imports, scoreboard, spend

urlpatterns = [
    path("scoreboard/", scoreboard.scoreboard_page, name="scoreboard"),
    re_path(r"^scoreboard/export\.(?P<fmt>csv|xlsx)$", scoreboard.scoreboard_export, name="scoreboard-export"),
    path("imports/", imports.import_list, name="import-list"),
    path("imports/<int:pk>/", imports.import_detail, name="import-detail"),
    path("imports/<int:pk>/errors.csv", imports.import_errors_csv, name="import-errors-csv"),
    path("imports/preview/<uuid:token>/", import_preview.import_preview_page, name="import-preview"),
    path("imports/profiles/", import_profiles.import_profile_list, name="import-profile-list"),
    path("imports/profiles/<int:pk>/delete/", import_profiles.import_profile_delete_view, name="import-profile-delete"),
    path("experiments/<int:pk>/spend/", spend.spend_list, name="spend-list"),
    path("spend/<int:pk>/edit/", spend.spend_edit, name="spend-edit"),
    path("spend/<int:pk>/delete/", spend.spend_delete, name="spend-delete"),
]
