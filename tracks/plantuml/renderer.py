"""Talk to a PlantUML server over HTTP, with a bound on the whole exchange.

The `plantuml` package (0.3.0) encodes the source for the URL (`deflate_and_encode`), but its
HTTP side cannot be trusted with a slow server: httplib2's timeout bounds each socket read,
so a server that sends one byte every few seconds keeps a render going forever; it also turns
every HTTP error into an `AttributeError` and loses the headers in which PlantUML names the
bad line, and some bad input comes back as a PNG. `render_svg` makes one request with
`http.client`, closes the connection when the total time is up whatever the server is doing,
and turns every failure into `RenderError`, whose message carries PlantUML's own error.
"""

from __future__ import annotations

import contextlib
import http.client
import logging
import re
import socket
import threading
import time
from email.message import Message
from urllib.parse import SplitResult, urlsplit

import plantuml
from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

_VERSION_RE = re.compile(r"<\?plantuml ([^?\s]+)\s*\?>")
PROBE_SOURCE = "@startmindmap\n* version\n@endmindmap\n"


class RenderError(Exception):
    """The diagram could not be rendered; the message says why, for curators.

    `permanent` errors are PlantUML's verdict on the source itself: drawing it again gives the
    same answer. Anything else (unreachable, too slow, a server error) may pass.
    """

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


# The largest SVG we accept: a 600-topic track is about 1 MB.
MAX_SVG_BYTES = 32 * 1024 * 1024


def svg_endpoint(base_url: str) -> str:
    """`http://host:8080/` or `http://host:8080/svg/` → `http://host:8080/svg/`."""
    url = base_url.strip().rstrip("/")
    if not url.endswith("/svg"):
        url += "/svg"
    return url + "/"


def render_svg(source: str, base_url: str | None = None, timeout: float | None = None) -> str:
    """Render PlantUML source to SVG text within `timeout` seconds in all, or raise
    RenderError."""
    base_url = settings.PLANTUML_URL if base_url is None else base_url
    if not base_url:
        raise RenderError(_("No PlantUML server is configured (PLANTUML_URL is empty)."))
    endpoint = svg_endpoint(base_url)
    timeout = settings.PLANTUML_TIMEOUT if timeout is None else timeout
    # The source travels deflated in the URL, UTF-8 encoded, as PlantUML servers expect.
    url = urlsplit(endpoint + plantuml.deflate_and_encode(source))
    try:
        status, reason, headers, content = _get(url, timeout)
    except _TooSlow:
        logger.info("PlantUML at %s did not answer within %g s", endpoint, timeout)
        raise RenderError(
            _("The PlantUML server did not answer within %(seconds)g seconds.")
            % {"seconds": timeout}
        ) from None
    except (OSError, http.client.HTTPException) as error:
        logger.info("PlantUML at %s cannot be reached: %s", endpoint, error)
        raise RenderError(
            _("The PlantUML server cannot be reached (%(error)s).")
            % {"error": str(error) or type(error).__name__}
        ) from error
    if status != 200:
        raise _http_error(status, reason, headers)
    text = content.decode("utf-8", errors="replace")
    if "<svg" not in text[:2000]:
        raise RenderError(
            _("The PlantUML server did not answer with an SVG image."), permanent=True
        )
    return text


class _TooSlow(Exception):
    pass


def _get(url: SplitResult, timeout: float) -> tuple[int, str, Message, bytes]:
    """GET url; (status, reason, headers, body). A timer closes the socket when the time is
    up, which wakes any read that is waiting, so the whole exchange ends within `timeout`."""
    connection_class = (
        http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
    )
    connection = connection_class(url.hostname or "", url.port, timeout=timeout)
    deadline = time.monotonic() + timeout
    expired = threading.Event()

    def expire() -> None:
        expired.set()
        sock = connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    timer = threading.Timer(timeout, expire)
    timer.daemon = True
    timer.start()
    try:
        path = url.path + (f"?{url.query}" if url.query else "")
        connection.request("GET", path, headers={"Accept": "image/svg+xml"})
        response = connection.getresponse()
        chunks: list[bytes] = []
        size = 0
        while chunk := response.read1(65536):
            size += len(chunk)
            if size > MAX_SVG_BYTES:
                raise RenderError(_("The PlantUML server sent too large an answer."))
            chunks.append(chunk)
            if time.monotonic() > deadline:
                raise _TooSlow
        if expired.is_set():
            raise _TooSlow
        return response.status, response.reason, response.headers, b"".join(chunks)
    except (OSError, http.client.HTTPException):
        if expired.is_set() or time.monotonic() > deadline:
            raise _TooSlow from None
        raise
    finally:
        timer.cancel()
        connection.close()


def _http_error(status: int, reason: str, headers: Message) -> RenderError:
    message = headers.get("x-plantuml-diagram-error")
    line = headers.get("x-plantuml-diagram-error-line")
    if message and line:
        text = _("PlantUML error on line %(line)s: %(message)s") % {
            "line": line,
            "message": message,
        }
    elif message:
        text = _("PlantUML error: %(message)s") % {"message": message}
    else:
        text = _("The PlantUML server answered HTTP %(status)s %(reason)s.") % {
            "status": status,
            "reason": reason,
        }
    # PlantUML names the bad line of a source it cannot draw: the same source fails again.
    return RenderError(text, permanent=bool(message))


def version_of(svg: str) -> str:
    """The PlantUML version an SVG was made by (`<?plantuml 1.2026.8?>`), or ""."""
    match = _VERSION_RE.search(svg)
    return match.group(1) if match else ""


# A PlantUML that just failed to answer is remembered, in the shared cache, for all app
# processes: requests that would ask it (the import preview, /healthz) say so at once instead
# of each waiting PLANTUML_TIMEOUT.
DOWN_KEY = "plantuml:down"
DOWN_SECONDS = 30


def remember_down(error: RenderError) -> None:
    if not error.permanent:
        cache.set(DOWN_KEY, str(error), DOWN_SECONDS)


def known_down() -> str:
    """Why PlantUML failed to answer in the last DOWN_SECONDS, or ""."""
    return cache.get(DOWN_KEY) or ""


_server_versions: dict[str, str] = {}


def server_version(base_url: str | None = None) -> str:
    """The version of the PlantUML behind base_url; asked once per process and server."""
    base_url = settings.PLANTUML_URL if base_url is None else base_url
    endpoint = svg_endpoint(base_url) if base_url else ""
    if endpoint not in _server_versions:
        version = version_of(render_svg(PROBE_SOURCE, base_url))
        if not version:
            raise RenderError(_("The PlantUML server did not say which version it runs."))
        _server_versions[endpoint] = version
    return _server_versions[endpoint]
