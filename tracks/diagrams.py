"""Rendering track diagrams: once per track version, never while serving a page.

A track's diagram is made from its live topics (see tracks/plantuml/source.py), rendered by a
PlantUML server, post-processed so that every node links to its topic, and stored in `Diagram`
under sha256(renderer version + source); `Track.diagram` points at it. When it cannot be made,
`Track.diagram_error` says why and the track page shows the outline alone.

Edits and imports do not draw: they queue the track (`redraw_later`, tracks/render_queue.py)
and `render_diagrams --worker` draws it, so no request waits for PlantUML.
"""

from __future__ import annotations

import hashlib
import logging
from enum import StrEnum

from django.conf import settings

# Stored in English and translated when shown, in the viewer's language.
from django.utils.translation import gettext_noop as _

from .models import Diagram, Track, mark_track_changed
from .plantuml.renderer import (
    RenderError,
    known_down,
    remember_down,
    render_svg,
    server_version,
    version_of,
)
from .plantuml.source import diagram_source, live_tree, topic_url
from .plantuml.svg import FORMAT_VERSION, UnmatchedNodeError, annotate
from .tree import Node, walk

logger = logging.getLogger(__name__)


# Why a track has no diagram, in words anyone may read; other reasons (PlantUML's own
# errors) are for curators.
NO_TOPICS = _("This track has no topics to draw.")
NO_RENDERER = _("No diagram renderer is configured (PLANTUML_URL is empty); see the outline.")
PUBLIC_REASONS = {NO_TOPICS, NO_RENDERER}


class Outcome(StrEnum):
    RENDERED = "rendered"
    CACHED = "cached"
    FAILED = "failed"


def diagram_key(renderer_version: str, source: str) -> str:
    return hashlib.sha256(f"{renderer_version}\n{source}".encode()).hexdigest()


def renderer_version() -> str:
    """What, besides the source, decides the stored SVG: PlantUML's version and ours."""
    return f"plantuml {server_version()}; trilha-svg {FORMAT_VERSION}"


def refresh_track_diagram(track: Track) -> None:
    """Render the track's diagram and store it; never raises for a missing renderer."""
    render_track_diagram(track)


def render_track_diagram(
    track: Track, *, force: bool = False, raise_transient: bool = False
) -> Outcome:
    """Point `track.diagram` at the diagram of its current topics, rendering it if needed.

    A failure is recorded on the track, unless `raise_transient` is set and the failure may
    pass (PlantUML unreachable or too slow): then the RenderError is raised and the track is
    left as it was, for a later attempt.
    """
    roots = live_tree(track)
    source = diagram_source(track, roots)
    if not source:
        return _fail(track, source, NO_TOPICS)
    if not settings.PLANTUML_URL:
        return _fail(track, source, NO_RENDERER)
    try:
        version = renderer_version()
        key = diagram_key(version, source)
        diagram = None if force else Diagram.objects.filter(key=key).first()
        outcome = Outcome.CACHED
        if diagram is None:
            annotated, drawn_by = _draw(track, roots, source)
            diagram, _created = Diagram.objects.update_or_create(
                key=key,
                defaults={"source": source, "svg": annotated, "renderer_version": drawn_by},
            )
            outcome = Outcome.RENDERED
    except (RenderError, UnmatchedNodeError) as error:
        if raise_transient and isinstance(error, RenderError) and not error.permanent:
            raise
        logger.warning("Diagram of track %s not rendered: %s", track.slug, error)
        return _fail(track, source, str(error))
    _point_at(track, diagram, "")
    if outcome == Outcome.RENDERED:
        # A forced drawing may replace the SVG of the very diagram the track points at.
        mark_track_changed(track.pk)
    return outcome


def record_failure(track: Track, reason: str) -> None:
    """Show on the track that its current diagram could not be drawn, and why."""
    _fail(track, diagram_source(track, live_tree(track)), reason)


def _draw(track: Track, roots: list[Node], source: str) -> tuple[str, str]:
    """Render the source and link every node to its topic: (annotated SVG, renderer version)."""
    svg = render_svg(source)
    topics = {
        topic_url(track, node.topic): (node.topic.key, node.topic.title) for node in walk(roots)
    }
    return annotate(svg, topics), f"plantuml {version_of(svg)}; trilha-svg {FORMAT_VERSION}"


def preview_track_diagram(track: Track) -> tuple[str, str, bool]:
    """The diagram the track's live topics would get, as (SVG, "", False), or ("", why not,
    whether drawing it later may work).

    For the import preview, which runs inside a transaction it rolls back: nothing is stored,
    and a diagram already stored for the same source is reused instead of drawn again. A
    PlantUML that just failed is not asked again. The reason is in English, as stored reasons
    are; translate it when showing it.
    """
    roots = live_tree(track)
    source = diagram_source(track, roots)
    if not source:
        return "", NO_TOPICS, False
    if not settings.PLANTUML_URL:
        return "", NO_RENDERER, False
    down = known_down()
    if down:
        return "", down, True
    try:
        stored = Diagram.objects.filter(key=diagram_key(renderer_version(), source)).first()
        return (stored.svg if stored else _draw(track, roots, source)[0]), "", False
    except RenderError as error:
        remember_down(error)
        return "", str(error), not error.permanent
    except UnmatchedNodeError as error:
        return "", str(error), False


def _fail(track: Track, source: str, reason: str) -> Outcome:
    # A diagram of exactly these topics stays, whoever drew it; any other one would show
    # nodes that no longer exist or miss new ones.
    current = track.diagram
    keep = current if current is not None and current.source == source and source else None
    _point_at(track, keep, "" if keep else reason)
    return Outcome.CACHED if keep else Outcome.FAILED


def _point_at(track: Track, diagram: Diagram | None, error: str) -> None:
    previous_id = track.diagram_id
    if previous_id == (diagram.pk if diagram else None) and track.diagram_error == error:
        return
    track.diagram = diagram
    track.diagram_error = error
    track.save(update_fields=["diagram", "diagram_error", "updated_at"])
    if previous_id and previous_id != track.diagram_id:
        # Old versions nobody shows any more are dropped; the current one is kept for all.
        Diagram.objects.filter(pk=previous_id).exclude(
            pk__in=Track.objects.filter(diagram__isnull=False).values("diagram")
        ).delete()
