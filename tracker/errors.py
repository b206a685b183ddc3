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
