from django.urls import include, path
from rest_framework.routers import DefaultRouter

# Regulations, channels and experiments register their viewsets on this router.
router = DefaultRouter()

urlpatterns = [
    path("", include(router.urls)),
    # Reviews and questions: /experiments/{id}/review/, /experiments/{id}/questions/, /questions/{id}/answer/
    path("", include("experiments.api.review_urls")),
]
