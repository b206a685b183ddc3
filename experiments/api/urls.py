from django.urls import include, path
from rest_framework.routers import DefaultRouter

from experiments.api.views import ChannelViewSet, ExperimentViewSet, RegulationViewSet

# Regulations, channels and experiments register their viewsets on this router.
router = DefaultRouter()
router.register("regulations", RegulationViewSet, basename="regulation")
router.register("channels", ChannelViewSet, basename="channel")
router.register("experiments", ExperimentViewSet, basename="experiment")

urlpatterns = [
    path("", include(router.urls)),
    # Reviews and questions: /experiments/{id}/review/, /experiments/{id}/questions/, /questions/{id}/answer/
    path("", include("experiments.api.review_urls")),
]
