"""Talk to a PlantUML server over HTTP through the `plantuml` package.

`plantuml.PlantUML.processes()` (0.3.0) turns every HTTP error into an `AttributeError` (its
error class reads a `message` attribute that Python 3 exceptions lack) and so loses the
headers in which PlantUML names the bad line; a server that is down surfaces as a raw
`ConnectionRefusedError`; and some bad input comes back as a PNG. `render_svg` makes one
request with the package's encoder and HTTP connection and turns all of these into
`RenderError`, whose message carries PlantUML's own error and line.
"""

from __future__ import annotations

import logging
import re

import httplib2
import plantuml
from django.conf import settings
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

_VERSION_RE = re.compile(r"<\?plantuml ([^?\s]+)\s*\?>")
_PROBE_SOURCE = "@startmindmap\n* version\n@endmindmap\n"


class RenderError(Exception):
    """The diagram could not be rendered; the message says why, for curators."""


def svg_endpoint(base_url: str) -> str:
    """`http://host:8080/` or `http://host:8080/svg/` → `http://host:8080/svg/`."""
    url = base_url.strip().rstrip("/")
    if not url.endswith("/svg"):
        url += "/svg"
    return url + "/"


def render_svg(source: str, base_url: str | None = None, timeout: float | None = None) -> str:
    """Render PlantUML source to SVG text, or raise RenderError."""
    base_url = settings.PLANTUML_URL if base_url is None else base_url
    if not base_url:
        raise RenderError(_("No PlantUML server is configured (PLANTUML_URL is empty)."))
    endpoint = svg_endpoint(base_url)
    timeout = settings.PLANTUML_TIMEOUT if timeout is None else timeout
    # A client per call: httplib2 connections must not be shared between threads.
    client = plantuml.PlantUML(endpoint, http_opts={"timeout": timeout})
    try:
        # get_url() deflates the UTF-8 bytes of the source and encodes them for the URL.
        response, content = client.http.request(client.get_url(source), **client.request_opts)
    except (OSError, httplib2.HttpLib2Error) as error:
        # Raw socket errors (ConnectionRefusedError, timeouts) come through httplib2 as is.
        logger.info("PlantUML at %s cannot be reached: %s", endpoint, error)
        raise RenderError(
            _("The PlantUML server cannot be reached (%(error)s).") % {"error": error}
        ) from error
    if response.status != 200:
        raise RenderError(_describe_http_error(response, content))
    text = content.decode("utf-8", errors="replace")
    if "<svg" not in text[:2000]:
        raise RenderError(_("The PlantUML server did not answer with an SVG image."))
    return text


def _describe_http_error(response: httplib2.Response, content: bytes) -> str:
    message = response.get("x-plantuml-diagram-error")
    line = response.get("x-plantuml-diagram-error-line")
    if message and line:
        return _("PlantUML error on line %(line)s: %(message)s") % {
            "line": line,
            "message": message,
        }
    if message:
        return _("PlantUML error: %(message)s") % {"message": message}
    return _("The PlantUML server answered HTTP %(status)s %(reason)s.") % {
        "status": response.status,
        "reason": response.reason,
    }


def version_of(svg: str) -> str:
    """The PlantUML version an SVG was made by (`<?plantuml 1.2026.8?>`), or ""."""
    match = _VERSION_RE.search(svg)
    return match.group(1) if match else ""


_server_versions: dict[str, str] = {}


def server_version(base_url: str | None = None) -> str:
    """The version of the PlantUML behind base_url; asked once per process and server."""
    base_url = settings.PLANTUML_URL if base_url is None else base_url
    endpoint = svg_endpoint(base_url) if base_url else ""
    if endpoint not in _server_versions:
        version = version_of(render_svg(_PROBE_SOURCE, base_url))
        if not version:
            raise RenderError(_("The PlantUML server did not say which version it runs."))
        _server_versions[endpoint] = version
    return _server_versions[endpoint]
