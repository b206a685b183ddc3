from django.urls import path, re_path

from meetings.views import exports, goals, meetings

urlpatterns = [
    path("meetings/", meetings.meeting_list, name="meeting-list"),
    path("meetings/<int:pk>/", meetings.meeting_detail, name="meeting-detail"),
    path("meetings/<int:pk>/hold/", meetings.meeting_hold_view, name="meeting-hold"),
    re_path(r"^meetings/(?P<pk>[0-9]+)/export\.(?P<fmt>csv|xlsx)$", exports.meeting_export, name="meeting-export"),
    path("goals/", goals.goals_page, name="goal-list"),
    path("goals/<int:pk>/edit/", goals.goal_edit, name="goal-edit"),
    path("goals/<int:pk>/delete/", goals.goal_delete_view, name="goal-delete"),
]
