"""The answer to a locked-out log-in (django-axes): too many failed passwords for one user name from
one address. 429 with Retry-After, as a page for the login forms and in the API's error shape for
the token endpoint."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import ngettext


def lockout_message() -> str:
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    return ngettext(
        "Too many failed attempts to log in as this user from your address. Try again in %(minutes)d minute.",
        "Too many failed attempts to log in as this user from your address. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    # Failures during the lockout start its cool-off again (axes' default): the full time is the wait.
    retry_after = round(settings.AXES_COOLOFF_TIME.total_seconds())
    response: HttpResponse
    if request.path.startswith("/api/"):
        data = {"detail": lockout_message(), "code": "locked_out", "retry_after": retry_after}
        response = JsonResponse(data, status=429)
    else:
        response = render(request, "registration/locked_out.html", {"message": lockout_message()}, status=429)
    response["Retry-After"] = str(retry_after)
    return response
