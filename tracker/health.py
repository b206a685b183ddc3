"""The smallest signed-in page: a liveness check that passes the whole request path (session,
authentication, middleware) and nothing else. The load test compares every page with it."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse


@login_required
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")
