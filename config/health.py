"""`/healthz` for load balancers: 200 when this process can serve pages, 503 when not.

Pages need the database and the shared cache (sessions live in the database, login rate limits
in the cache), so both must answer. The diagram renderer is reported but does not decide:
without it pages still work and diagrams wait in the queue. The renderer's answer is kept in
the cache for a while, so that frequent probes do not each call PlantUML.
"""

from __future__ import annotations

import logging
import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Q
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from tracks.models import RenderJob
from tracks.plantuml.renderer import (
    PROBE_SOURCE,
    RenderError,
    known_down,
    remember_down,
    render_svg,
    version_of,
)

logger = logging.getLogger(__name__)

# Probing PlantUML must not make the probe itself time out.
RENDERER_PROBE_TIMEOUT = 3.0
RENDERER_STATE_SECONDS = 30
RENDERER_STATE_KEY = "healthz:renderer"


def _database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception as error:
        logger.warning("Health check: the database does not answer: %s", error)
        return False


def _cache() -> bool:
    token = secrets.token_hex(8)
    key = f"healthz:{token}"
    try:
        cache.set(key, token, 10)
        answered = cache.get(key) == token
        cache.delete(key)
        return answered
    except Exception as error:
        logger.warning("Health check: the cache does not answer: %s", error)
        return False


def _renderer() -> dict[str, object]:
    if not settings.PLANTUML_URL:
        return {"configured": False, "ok": False}
    down = known_down()
    if down:
        return {"configured": True, "ok": False, "error": down}
    state = cache.get(RENDERER_STATE_KEY)
    if state is None:
        try:
            svg = render_svg(PROBE_SOURCE, timeout=RENDERER_PROBE_TIMEOUT)
            state = {"ok": True, "version": version_of(svg)}
        except RenderError as error:
            remember_down(error)
            state = {"ok": False, "error": str(error)}
        cache.set(RENDERER_STATE_KEY, state, RENDERER_STATE_SECONDS)
    return {"configured": True, **state}


def _queue() -> dict[str, int]:
    return RenderJob.objects.aggregate(
        waiting=Count("pk", filter=Q(gave_up=False)), failed=Count("pk", filter=Q(gave_up=True))
    )


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    database = _database()
    cache_ok = _cache()
    body: dict[str, object] = {"database": database, "cache": cache_ok}
    # Without both, the answer is already "unavailable": ask nothing that could wait.
    if database and cache_ok:
        body["renderer"] = _renderer()
        body["render_queue"] = _queue()
    healthy = database and cache_ok
    body["status"] = "ok" if healthy else "unavailable"
    return JsonResponse(body, status=200 if healthy else 503)
