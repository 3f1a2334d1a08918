"""A learner's progress taken elsewhere: their diagram with statuses as SVG or PNG (for a
review or a slide), and a small progress badge per track for a README when their profile
is public."""

from __future__ import annotations

import re

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from tracks.plantuml.svg import mark_statuses
from tracks.templatetags.diagrams import diagram_highlight_css, status_classes

from . import trackpage
from .models import Follow, Profile
from .stats import tally_follows
from .views import _get_track_or_404

# The page's colours, for a file read without the page's stylesheets (and by renderers
# that know no CSS variables).
_COLOURS = {
    "done": "#2e7d32",
    "doing": "#b26a00",
    "skipped": "#6b6f75",
    "confirmed": "#1565c0",
    "diagram-done-fill": "#d4efd6",
    "diagram-doing-fill": "#ffe7c2",
    "diagram-skipped-fill": "#e4e6e8",
    "diagram-confirmed-fill": "#d3e4fa",
}
_TEXT_CSS = '.diagram text { font-family: "DejaVu Sans", Verdana, sans-serif; }'
_VAR = re.compile(r"var\(--([\w-]+)\)")
_ROOT = re.compile(r"<svg\b([^>]*)>")
_VIEWBOX = re.compile(r'viewBox="[\d.]+ [\d.]+ ([\d.]+) ([\d.]+)"')


def standalone_svg(request: HttpRequest, svg: str, highlights: dict[str, str]) -> str:
    """The stored diagram as a file of its own: the viewer's statuses as classes and an inline
    `<style>` with plain colours, a fixed size, and links that work outside the site."""
    classes = {key: status_classes(status) for key, status in highlights.items()}
    marked = mark_statuses(svg, classes)
    css = _VAR.sub(
        lambda match: _COLOURS.get(match.group(1), "currentColor"),
        diagram_highlight_css(highlights),
    )
    size = _VIEWBOX.search(marked)
    width, height = (size.group(1), size.group(2)) if size else ("1000", "1000")

    def root(match: re.Match[str]) -> str:
        attributes = match.group(1).replace('class="diagram-svg"', 'class="diagram-svg diagram"')
        return (
            f'<svg{attributes} width="{width}" height="{height}"><style>{css}\n{_TEXT_CSS}</style>'
        )

    marked = _ROOT.sub(root, marked, count=1)
    site = request.build_absolute_uri("/").rstrip("/")
    marked = marked.replace(' href="/', f' href="{site}/')
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + marked


def _own_diagram(request: HttpRequest, slug: str):
    track = _get_track_or_404(request, slug)
    if track.diagram is None:
        raise Http404("This track has no diagram.")
    viewer = trackpage.viewer_state(request.user, track, trackpage.track_outline(track))
    return track, standalone_svg(request, track.diagram.svg, viewer.highlights)


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    patch_cache_control(response, private=True, no_cache=True)
    return response


@login_required
@require_GET
def diagram_svg(request: HttpRequest, slug: str) -> HttpResponse:
    track, svg = _own_diagram(request, slug)
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    return _attachment(response, f"{track.slug}-{request.user.get_username()}.svg")


@login_required
@require_GET
def diagram_png(request: HttpRequest, slug: str) -> HttpResponse:
    import resvg_py  # a native library: loaded only when someone asks for a picture

    track, svg = _own_diagram(request, slug)
    png = resvg_py.svg_to_bytes(svg_string=svg, background="#ffffff", zoom=2)
    response = HttpResponse(bytes(png), content_type="image/png")
    return _attachment(response, f"{track.slug}-{request.user.get_username()}.png")


# --- badge ----------------------------------------------------------------------------------

# Average advance of Verdana/DejaVu Sans at 11 px, wide enough for accented and capital text.
_CHAR_WIDTH = 7.0
_PADDING = 10


def _segment(text: str) -> int:
    return round(len(text) * _CHAR_WIDTH) + 2 * _PADDING


@require_GET
def badge(request: HttpRequest, username: str, slug: str) -> HttpResponse:
    """ "Trilha | <track> | 42%", for a learner whose profile is public and who follows the
    track; 404 otherwise, so a private profile gives nothing away."""
    profile = get_object_or_404(
        Profile.objects.select_related("user"),
        user__username=username,
        user__is_active=True,
        public=True,
    )
    follow = get_object_or_404(
        Follow.objects.select_related("track"),
        user=profile.user,
        track__slug=slug,
        track__published=True,
        active=True,
    )
    tally = tally_follows([follow])[0].overall
    percent = f"{tally.percent_done}%"
    segments = []
    x = 0
    for text, kind in (("Trilha", "brand"), (follow.track.title, "track"), (percent, "value")):
        width = _segment(text)
        segments.append(
            {"text": text, "kind": kind, "x": x, "width": width, "middle": x + width / 2}
        )
        x += width
    context = {
        "segments": segments,
        "width": x,
        "label": f"Trilha: {follow.track.title}: {percent}",
    }
    response = HttpResponse(
        render_to_string("progress/badge.svg", context), content_type="image/svg+xml; charset=utf-8"
    )
    # README hosts fetch it through their image proxies: fresh enough, cheap to serve.
    patch_cache_control(response, public=True, max_age=600)
    return response
