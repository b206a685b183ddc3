from django.urls import include, path
from rest_framework.routers import DefaultRouter

from meetings.api.goals import GoalViewSet
from meetings.api.meetings import MeetingViewSet

router = DefaultRouter()
router.register("goals", GoalViewSet, basename="goal")
router.register("meetings", MeetingViewSet, basename="meeting")

urlpatterns = [path("", include(router.urls))]
