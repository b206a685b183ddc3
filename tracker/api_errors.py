"""One error shape for the whole API.

Validation errors keep DRF's `{"field": ["message"]}` shape, whether DRF or a service (Django's
`ValidationError`) raised them. Every other refusal answers `{"detail": "<plain sentence>",
"code": "<machine code>"}` plus any extra fields of a `Conflict`; a `Busy` answers 503 and a throttled
request 429, both with `Retry-After` and `retry_after`. A transaction the database aborted for a
concurrent one (a deadlock the service's own retries did not outlast) answers such a 503 too, never a
500: it was rolled back.
"""

import re
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from tracker.db import is_retryable
from tracker.errors import Busy, Conflict

_QUERY_NOT_FOUND = re.compile(r"No \w+ matches the given query\.")


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if is_retryable(exc):
        exc = Busy(
            _("Someone else was changing the same data at that moment and this change was not saved; send it again."),
            code="concurrent_change",
            retry_after=1,
        )
    if isinstance(exc, Conflict):
        data = {"detail": exc.message, "code": exc.code, **exc.extra}
        return Response(data, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, Busy):
        data = {"detail": exc.message, "code": exc.code, "retry_after": exc.retry_after, **exc.extra}
        return Response(data, status=status.HTTP_503_SERVICE_UNAVAILABLE, headers={"Retry-After": str(exc.retry_after)})
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    # Django's own refusals (a service's PermissionDenied, get_object_or_404) answer with a code too.
    elif isinstance(exc, Http404):
        message = str(exc.args[0]) if exc.args else ""
        # get_object_or_404 names the model in English whatever the language: the plain, translated
        # "Not found." instead. A sentence of our own is kept.
        exc = (
            exceptions.NotFound()
            if not message or _QUERY_NOT_FOUND.fullmatch(message)
            else exceptions.NotFound(message)
        )
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.APIException) and not isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        if isinstance(detail, str):
            response.data = {"detail": str(detail), "code": getattr(detail, "code", exc.default_code)}
        if isinstance(exc, exceptions.Throttled) and "Retry-After" in response.headers:
            # DRF has set Retry-After; the body says it too, as a 503 Busy does.
            response.data["retry_after"] = int(response.headers["Retry-After"])
    return response
