"""The Content-Security-Policy middleware, with one nonce per page rather than per request.

A nonce is checked against the policy of the page a `<style>` lands in. htmx swaps in
fragments (the diagram's highlight block, out of band) from later requests, so those must
carry the nonce of the page that asks for them: the page sends it in a header (hx-headers on
<body>) and an htmx request answers with it. A full page always gets a fresh one.
"""

from __future__ import annotations

import re

from csp.middleware import CSPMiddleware
from django.http import HttpRequest

NONCE_HEADER = "X-CSP-Nonce"
# What django-csp makes: 16 random bytes in base64.
NONCE_SHAPE = re.compile(r"^[A-Za-z0-9+/]{22}==$")


class PageNonceCSPMiddleware(CSPMiddleware):
    def _make_nonce(self, request: HttpRequest) -> str:
        page_nonce = request.headers.get(NONCE_HEADER, "")
        if request.headers.get("HX-Request") == "true" and NONCE_SHAPE.match(page_nonce):
            request._csp_nonce = page_nonce
            return page_nonce
        return super()._make_nonce(request)
