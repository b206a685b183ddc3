from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.settings import api_settings

api_v1 = [
    # DRF's token view names its own parsers; ours keep the JSON limits (tracker.parsers).
    path("auth/token/", ObtainAuthToken.as_view(parser_classes=api_settings.DEFAULT_PARSER_CLASSES), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("", include("experiments.api.urls")),
    path("", include("metrics.api.urls")),
    path("", include("meetings.api.urls")),
]

# The pages share one namespace (`web:`), whichever app serves them.
web = [
    path("", include("experiments.web_urls")),
    path("", include("metrics.web_urls")),
    path("", include("meetings.web_urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include((web, "web"))),
]
