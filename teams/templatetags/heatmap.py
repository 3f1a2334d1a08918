"""A team's heatmap on the stored diagram: CSS per heat bin keyed by topic, never a new render.

The stored SVG is the one every learner sees. Per request it gets two cheap layers: a <style>
block that shades each node by its bin (colour plus a stroke pattern, so colour is not the
only cue), and one regular-expression pass that points each node's link at the team's topic
panel and puts the figures in its accessible name and tooltip.
"""

from __future__ import annotations

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from teams.stats import Heatmap
from tracks.models import Diagram

register = template.Library()

_SAFE_KEY = re.compile(r"^[-\w]+$")
_NODE_RE = re.compile(
    r'<a href="[^"]*" class="topic-link" aria-label="([^"]*)">'
    r'<g class="topic" data-topic="([^"]+)"><title>([^<]*)</title>'
)

# Box and text per bin: the fill darkens and the border thickens and turns solid as more
# members are done, so that the bins read in greyscale too.
BIN_STYLES = [
    (
        "fill: var(--heat-0); stroke: var(--heat-line); stroke-width: 1px; stroke-dasharray: 2 4;",
        "",
    ),
    (
        "fill: var(--heat-1); stroke: var(--heat-line); stroke-width: 1.5px;"
        " stroke-dasharray: 8 4;",
        "",
    ),
    ("fill: var(--heat-2); stroke: var(--heat-line); stroke-width: 2px;", ""),
    ("fill: var(--heat-3); stroke: var(--heat-line); stroke-width: 3.5px;", "font-weight: 700;"),
    ("fill: var(--heat-4); stroke: var(--heat-line); stroke-width: 5px;", "font-weight: 700;"),
]

LEGEND = [
    (0, _("nobody done"), {}),
    (1, _("under %(high)s%% done"), {"high": 25}),
    (2, _("%(low)s–%(high)s%% done"), {"low": 25, "high": 49}),
    (3, _("%(low)s–%(high)s%% done"), {"low": 50, "high": 74}),
    (4, _("%(low)s%% or more done"), {"low": 75}),
]


@register.simple_tag
def heatmap_legend() -> list[tuple[int, str]]:
    return [
        (level, str(label) % bounds if bounds else str(label)) for level, label, bounds in LEGEND
    ]


@register.simple_tag
def heatmap_css(heatmap: Heatmap) -> SafeString:
    """Rules for the legend's swatches and every node, one selector list per bin."""
    rules = []
    for level, keys in heatmap.bins.items():
        box, text = BIN_STYLES[level]
        nodes = [f'.diagram g.topic[data-topic="{key}"]' for key in keys if _SAFE_KEY.match(key)]
        boxes = ", ".join([f".heat-legend .heat-{level} rect"] + [f"{n} > rect" for n in nodes])
        rules.append(f"{boxes} {{ {box} }}")
        if text:
            texts = ", ".join([f".heat-legend .heat-{level} text"] + [f"{n} text" for n in nodes])
            rules.append(f"{texts} {{ {text} }}")
    return mark_safe("\n".join(rules))  # noqa: S308 (keys checked, styles are constants)


def figures_label(done: int, members: int, percent: int) -> str:
    return gettext("%(done)s of %(members)s members done (%(percent)s%%)") % {
        "done": done,
        "members": members,
        "percent": percent,
    }


@register.simple_tag
def heatmap_svg(diagram: Diagram, heatmap: Heatmap, topic_url_prefix: str) -> SafeString:
    """The stored SVG with each node linking to the team's panel for it (`prefix` + key +
    "/"), and its figures in its accessible name and tooltip."""

    def replace(match: re.Match[str]) -> str:
        label, key, title = match.groups()
        figures = heatmap.figures.get(key)
        if figures is None or not _SAFE_KEY.match(key):
            return match.group(0)
        counts = escape(figures_label(figures.done, figures.members, figures.percent))
        return (
            f'<a href="{escape(topic_url_prefix)}{key}/" class="topic-link"'
            f' aria-label="{label}: {counts}"><g class="topic" data-topic="{key}">'
            f"<title>{title}: {counts}</title>"
        )

    return mark_safe(_NODE_RE.sub(replace, diagram.svg))  # noqa: S308 (post-processed once)
