from django.urls import path, re_path

from metrics.views import imports, scoreboard, spend

urlpatterns = [
    path("scoreboard/", scoreboard.scoreboard_page, name="scoreboard"),
    re_path(r"^scoreboard/export\.(?P<fmt>csv|xlsx)$", scoreboard.scoreboard_export, name="scoreboard-export"),
    path("imports/", imports.import_list, name="import-list"),
    path("imports/<int:pk>/", imports.import_detail, name="import-detail"),
    path("imports/<int:pk>/errors.csv", imports.import_errors_csv, name="import-errors-csv"),
    path("experiments/<int:pk>/spend/", spend.spend_list, name="spend-list"),
    path("spend/<int:pk>/edit/", spend.spend_edit, name="spend-edit"),
    path("spend/<int:pk>/delete/", spend.spend_delete, name="spend-delete"),
]
