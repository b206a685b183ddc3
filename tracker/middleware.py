"""Refusals that hold for every view, before any of them (or the session) reads the request."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

from tracker.input_limits import control_character, control_character_message


class ControlCharacterMiddleware:
    """Control characters in a query string answer 400; in a cookie, the cookie is ignored.

    Query parameters are filters, searches and page numbers: none of them holds a control
    character, and PostgreSQL cannot even compare a NUL (`?channel=%00` used to end in a 500 in
    whichever filter met it first). API requests get the validation shape `{"param": ["message"]}`,
    pages a 400 page with the sentence, in the request's language. A cookie that holds one is
    dropped before the session middleware looks its key up (a NUL there was a 500 too): the
    request goes on as if it had not been sent.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for name in [name for name, value in request.COOKIES.items() if control_character(name + value)]:
            del request.COOKIES[name]
        for name, values in request.GET.lists():
            for text in (name, *values):
                char = control_character(text)
                if char is not None:
                    # Before LocaleMiddleware: the request's language is chosen here.
                    with translation.override(translation.get_language_from_request(request)):
                        return self.refuse(request, name, char)
        return self.get_response(request)

    def refuse(self, request: HttpRequest, name: str, char: str) -> HttpResponse:
        message = control_character_message(char)
        printable = "".join(c for c in name if control_character(c) is None)
        if request.path.startswith("/api/"):
            return JsonResponse({printable or "query": [message]}, status=400)
        sentence = _("The query parameter “%(name)s”: %(message)s") % {"name": printable, "message": message}
        return render(request, "400.html", {"message": sentence}, status=400)
