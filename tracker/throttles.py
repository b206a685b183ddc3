"""API rate limits (DRF throttles), counted in the configured cache so that every web process shares
the counts: Redis with REDIS_URL, else a file cache.

Rates are read from `REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]` for every request (DRF's own classes
read them once, at import), so a settings override takes effect; a rate of None turns a scope off. A cache that cannot
be reached (Redis down) lets the request through: a throttle must not turn an outage of the cache
into an outage of the API.
"""

import logging
from typing import TYPE_CHECKING, cast

from redis.exceptions import RedisError
from rest_framework import throttling
from rest_framework.request import Request
from rest_framework.settings import api_settings

from tracker.client_ip import client_ip

if TYPE_CHECKING:
    # Not at run time: DRF's views import the throttle classes named in the settings, these.
    from rest_framework.views import APIView

logger = logging.getLogger(__name__)


class _Throttle(throttling.SimpleRateThrottle):
    def get_rate(self) -> str | None:
        # djangorestframework-stubs type the rates as numbers; DRF's are "60/min" strings or None.
        rates = cast("dict[str, str | None]", api_settings.DEFAULT_THROTTLE_RATES)
        return rates.get(self.scope) if self.scope is not None else None

    def allow_request(self, request: Request, view: "APIView") -> bool:
        try:
            return super().allow_request(request, view)
        except (RedisError, OSError):
            logger.warning("The throttle cache is unreachable; request let through.", exc_info=True)
            return True

    def get_ident(self, request: Request) -> str:
        return client_ip(request)


class AnonRateThrottle(_Throttle, throttling.AnonRateThrottle):
    """Requests without credentials (or with wrong ones), per client address."""


class UserRateThrottle(_Throttle, throttling.UserRateThrottle):
    """Signed-in users and integrations, per user."""


class TokenRateThrottle(_Throttle):
    """POST /api/v1/auth/token/, per client address whoever asks: each try is a password guess."""

    scope = "token"

    def get_cache_key(self, request: Request, view: "APIView") -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
