from django.urls import path

from metrics import views

urlpatterns = [
    path("scoreboard/", views.scoreboard_page, name="scoreboard"),
    path("imports/", views.import_list, name="import-list"),
    path("imports/<int:pk>/", views.import_detail, name="import-detail"),
    path("imports/<int:pk>/errors.csv", views.import_errors_csv, name="import-errors-csv"),
    path("experiments/<int:pk>/spend/", views.spend_list, name="spend-list"),
    path("spend/<int:pk>/edit/", views.spend_edit, name="spend-edit"),
    path("spend/<int:pk>/delete/", views.spend_delete, name="spend-delete"),
]
