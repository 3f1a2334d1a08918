"""Pages that show a signed-in viewer their own data (/me/), cached per viewer.

Such a page first reads, in one statement with the header's facts, a fingerprint of what it
shows: counts, the latest change times and ids of the viewer's rows, and the versions of the
tracks involved. It is rendered again only when the fingerprint changes; otherwise the copy
this process rendered last is sent with this request's CSRF token and CSP nonce spliced in.

A copy is used for at most `FRESH_SECONDS`. That bounds how long what a fingerprint leaves out
may lag behind: a relative time ("5 minutes ago"), the day a streak counts to, another
person's display name. A request with messages to show is rendered afresh.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from typing import Any

from django.contrib.messages import get_messages
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string

from tracks.fragments import PAGE, Fragment, slot

from .context_processors import HEADER_COLUMNS, header_params, remember_header
from .trackpage import LocalCache, cache_key, csp_nonce

FRESH_SECONDS = 60
# Per process: a few hundred viewers' latest pages (tens of KB each).
_pages = LocalCache(256)


def clear() -> None:
    _pages.clear()


class _NonceSlot:
    """The request as a viewer's cached page sees it: the viewer's own request, with the nonce
    a slot. (A page shared by many viewers sees `trackpage._PageRequest` instead, which knows
    nothing of the viewer.)"""

    csp_nonce = slot(PAGE, "nonce")

    def __init__(self, request: HttpRequest) -> None:
        self._request = request

    def __getattr__(self, name: str) -> Any:
        return getattr(self._request, name)


def fingerprint(request: HttpRequest, sql: str, params: Sequence[Any]) -> tuple | None:
    """The header's facts and the columns of `sql` (a select list, optionally with FROM and
    WHERE clauses; its parameters are `params`) in one statement: the row, or None when the
    statement finds none. The header then asks nothing more."""
    user = request.user
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {HEADER_COLUMNS}, {sql}", [*header_params(user), *params])
        row = cursor.fetchone()
    if row is not None:
        remember_header(request, *row[:3])
    return row


def own_page(
    request: HttpRequest, template: str, row: tuple, context: Callable[[], dict]
) -> HttpResponse:
    """`template` rendered with `context()` for the signed-in viewer, or their copy of it while
    the `fingerprint` row is the same as when it was rendered."""
    if get_messages(request):
        return render(request, template, context())
    user = request.user
    fresh_for = str(int(time.time() // FRESH_SECONDS))
    digest = hashlib.sha256(repr(row).encode()).hexdigest()
    key = cache_key(
        template, str(user.pk), str(user.is_staff), request.get_full_path(), fresh_for, digest
    )

    def build() -> Fragment:
        page_context = {
            **context(),
            "csrf_token": slot(PAGE, "csrf"),
            "request": _NonceSlot(request),
        }
        return Fragment.parse(render_to_string(template, page_context, request), {})

    page = _pages.get(key, build)
    return HttpResponse(page.fill({}, {"csrf": get_token(request), "nonce": csp_nonce(request)}))


def render_own_page(
    request: HttpRequest,
    template: str,
    fingerprint_sql: str,
    params: Sequence[Any],
    context: Callable[[], dict],
) -> HttpResponse:
    """`own_page` for a fingerprint that always has a row (a select list of subqueries)."""
    row = fingerprint(request, fingerprint_sql, params)
    return own_page(request, template, row, context)
