from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from tracker.api_token import TokenObtainView
from tracker.health import healthz

# ReDoc styles itself with <style> elements it writes at run time and searches in a worker made from
# a blob: that page alone allows both. Its footer logo, on ReDoc's own site, stays blocked.
redoc = csp_update({"style-src": [UNSAFE_INLINE], "worker-src": [SELF, "blob:"]})(
    SpectacularRedocView.as_view(url_name="api-schema")
)

# The admin speaks the product's name, in the reader's language (templates/admin/base_site.html).
admin.site.site_header = _("Experiment Tracker")
admin.site.site_title = _("Experiment Tracker")
admin.site.index_title = _("Administration")

api_v1: list[URLPattern | URLResolver] = [
    path("auth/token/", TokenObtainView.as_view(), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file of its own: no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", redoc, name="api-redoc"),
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
    path("healthz/", healthz, name="healthz"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include((web, "web"))),
]
