"""POST /api/v1/auth/token/: DRF's token view under a tight rate of its own, and the log-in lockout."""

from typing import Any

from django.http import HttpResponse
from rest_framework import exceptions
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request

from tracker.lockout import lockout_response
from tracker.throttles import TokenRateThrottle


class TokenObtainView(ObtainAuthToken):
    # Instead of the anonymous rate, not on top of it: this one is stricter.
    throttle_classes = [TokenRateThrottle]

    # DRF answers whatever HttpResponse a view returns; the stubs narrow this method's to Response,
    # and the lockout's answer is the same JsonResponse the log-in pages' lockout gives.
    def post(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:  # type: ignore[override]
        try:
            return super().post(request, *args, **kwargs)
        except exceptions.ValidationError:
            # django-axes refused a locked-out user name (whatever the password) and flagged the
            # request it was given: DRF's, not the one its middleware looks at. Answer as it would.
            if getattr(request, "axes_locked_out", False):
                return lockout_response(request._request)
            raise
