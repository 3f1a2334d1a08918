"""The stored diagram with one viewer's statuses: a class per node and a <style> block.

`highlights` maps topic keys to "done", "doing", "skipped" or "confirmed" (done and signed off
by a mentor); topics still to do are absent. The <style id="diagram-highlights"> block is what
colours the nodes, so that a status change can re-render just that block out of band.
"""

from __future__ import annotations

import re

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tracks.diagrams import PUBLIC_REASONS
from tracks.fragments import TopicSlots, slot
from tracks.models import Diagram, Track
from tracks.plantuml.svg import mark_statuses, mark_topic_classes

register = template.Library()

_SAFE_KEY = re.compile(r"^[-\w]+$")

# Colour plus a cue that does not rely on colour: border width and dash pattern, and the
# text's weight, style or strike-through (which also marks boxless nodes).
STATUS_STYLES = {
    "done": (
        "fill: var(--diagram-done-fill); stroke: var(--done); stroke-width: 3px;",
        "font-weight: 700;",
    ),
    "doing": (
        "fill: var(--diagram-doing-fill); stroke: var(--doing); stroke-width: 3px;"
        " stroke-dasharray: 8 4;",
        "font-style: italic;",
    ),
    "skipped": (
        "fill: var(--diagram-skipped-fill); stroke: var(--skipped); stroke-width: 2px;"
        " stroke-dasharray: 2 4;",
        "text-decoration: line-through; opacity: .75;",
    ),
    "confirmed": (
        "fill: var(--diagram-confirmed-fill); stroke: var(--confirmed); stroke-width: 6px;",
        "font-weight: 700; text-decoration: underline;",
    ),
}


LEGEND = [
    ("done", _("Done")),
    ("confirmed", _("Confirmed by a mentor")),
    ("doing", _("Doing")),
    ("skipped", _("Skipped")),
]


@register.simple_tag
def diagram_legend() -> list[tuple[str, str]]:
    return LEGEND


def topic_group_class(status: str) -> str:
    """The class attribute of a topic's group in the SVG for a viewer's status."""
    return "topic" if status == "todo" else f"topic {status_classes(status)}"


def status_classes(status: str) -> str:
    # A confirmed topic is a done topic too.
    return "status-done status-confirmed" if status == "confirmed" else f"status-{status}"


@register.simple_tag
def diagram_svg(diagram: Diagram, highlights: dict[str, str] | None = None) -> SafeString:
    """The stored SVG, each node's group carrying its status class for this viewer, or a
    placeholder for it when the page is rendered once for all viewers (`Slots`)."""
    if isinstance(highlights, TopicSlots):
        svg = mark_topic_classes(diagram.svg, lambda key: slot(key, "svg"))
        return mark_safe(svg)  # noqa: S308 (post-processed once)
    classes = {key: status_classes(status) for key, status in (highlights or {}).items()}
    return mark_safe(mark_statuses(diagram.svg, classes))  # noqa: S308 (post-processed once)


@register.simple_tag
def diagram_highlight_css(highlights: dict[str, str] | None = None) -> SafeString:
    """CSS rules for the legend's swatches and for every highlighted node."""
    keys_by_status: dict[str, list[str]] = {status: [] for status in STATUS_STYLES}
    for key, status in (highlights or {}).items():
        if status in keys_by_status and _SAFE_KEY.match(key):
            keys_by_status[status].append(key)
    rules = []
    for status, (box, text) in STATUS_STYLES.items():
        nodes = [f'.diagram g.topic[data-topic="{key}"]' for key in keys_by_status[status]]
        boxes = ", ".join(
            [f".diagram-legend .swatch-{status} rect"] + [f"{n} > rect" for n in nodes]
        )
        texts = ", ".join([f".diagram-legend .swatch-{status} text"] + [f"{n} text" for n in nodes])
        rules.append(f"{boxes} {{ {box} }}\n{texts} {{ {text} }}")
    return mark_safe("\n".join(rules))


@register.simple_tag(takes_context=True)
def diagram_missing_reason(context: template.Context, track: Track) -> str:
    """Why the track has no diagram, in the viewer's language. PlantUML's own error (with its
    line) is for curators; everyone else learns only that the drawing failed."""
    reason = track.diagram_error
    if not reason:
        return ""
    user = context.get("user")
    if reason in PUBLIC_REASONS or (user is not None and user.is_staff):
        return gettext(reason)
    return gettext("The diagram server could not draw this version of the track.")
