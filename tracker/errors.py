"""Errors that services raise, whatever path called them (API, web form, admin, task)."""

from typing import Any


class Conflict(Exception):
    """The request is well-formed but the object's state refuses it (HTTP 409 on the API).

    `code` is a stable machine code (`not_draft`, `review_locked`...), the same in every language;
    `message` a plain sentence a person can act on, translated when it is raised (the request's
    language is active then); `extra` the fields the API adds beside them.
    """

    def __init__(self, message: str, *, code: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.extra = extra


class Busy(Exception):
    """The request is fine but cannot be served now; sent again later it will be (HTTP 503 on the
    API, with `Retry-After`). `code`, `message` and `extra` as in `Conflict`."""

    def __init__(self, message: str, *, code: str, retry_after: int, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.retry_after = retry_after
        self.extra = extra
