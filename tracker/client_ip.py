"""The client's address, for the login lockout and the API throttles alike.

Behind a reverse proxy every request comes from the proxy's address; the client's is the one the
proxy appended to X-Forwarded-For. Only the proxies we run are trusted (`TRUSTED_PROXIES`, how many
stand in front of the app): the entries to their left were written by the client, who could name any
address there to dodge a lockout or a throttle.
"""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    proxies: int = settings.TRUSTED_PROXIES
    remote: str = request.META.get("REMOTE_ADDR", "")
    if not proxies:
        return remote
    forwarded: str = request.META.get("HTTP_X_FORWARDED_FOR", "")
    chain = [part.strip() for part in forwarded.split(",") if part.strip()]
    # The last `proxies` entries were added by our proxies; the last of all is the client's as the
    # outermost proxy saw it. A shorter chain than promised did not pass through all of them.
    return chain[-proxies] if len(chain) >= proxies else remote
