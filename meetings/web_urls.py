from django.urls import path

from meetings.views import goals, meetings

urlpatterns = [
    path("meetings/", meetings.meeting_list, name="meeting-list"),
    path("meetings/<int:pk>/", meetings.meeting_detail, name="meeting-detail"),
    path("meetings/<int:pk>/hold/", meetings.meeting_hold_view, name="meeting-hold"),
    path("goals/", goals.goals_page, name="goal-list"),
    path("goals/<int:pk>/edit/", goals.goal_edit, name="goal-edit"),
    path("goals/<int:pk>/delete/", goals.goal_delete_view, name="goal-delete"),
]
