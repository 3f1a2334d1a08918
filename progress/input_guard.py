"""Refuse requests carrying text no part of the app can store or show.

PostgreSQL rejects NUL in text and a lone UTF-16 surrogate cannot be encoded to UTF-8, so either
one in the address, the query string or a form field used to end in a server error wherever it
reached the database or a template. They are never legitimate input: one check here answers
400 with a page that says why, before any view runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, QueryDict
from django.template.loader import render_to_string
from django.utils.datastructures import MultiValueDictKeyError
from django.utils.translation import gettext as _

UNSAFE_CHARACTERS = re.compile("[\x00\ud800-\udfff]")


def _has_unsafe_text(values: QueryDict) -> bool:
    for key, items in values.lists():
        if UNSAFE_CHARACTERS.search(key):
            return True
        for item in items:
            if isinstance(item, str) and UNSAFE_CHARACTERS.search(item):
                return True
    return False


def unsafe_input_reason(request: HttpRequest) -> str:
    """What is wrong with the request, or "" when nothing is."""
    if UNSAFE_CHARACTERS.search(request.path):
        return _("The address contains a character that is not allowed (NUL or a broken one).")
    if _has_unsafe_text(request.GET):
        return _("A parameter of the address contains a character that is not allowed.")
    if request.method == "POST":
        try:
            post = request.POST
        except (MultiValueDictKeyError, ValueError):
            return ""  # malformed bodies are the views' and Django's business
        if _has_unsafe_text(post):
            return _("A form field contains a character that is not allowed (NUL or a broken one).")
    return ""


class RejectUnsafeInputMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reason = unsafe_input_reason(request)
        if reason:
            html = render_to_string("400.html", {"reason": reason}, request=request)
            return HttpResponse(html, status=400)
        return self.get_response(request)
