"""PlantUML source for a track's diagram: one node per live topic, each linking to its topic.

The link (`[[url title]]`) is what lets the SVG post-processing find every node again, so the
title inside it is treated as plain text: everything PlantUML would interpret (link brackets,
the creole escape `~`, preprocessor `%functions()`, `<&icons>`, `<<stereotypes>>`, `\\n`) is
written as a numeric character reference, which PlantUML prints verbatim.
"""

from __future__ import annotations

import re

from django.urls import reverse

from ..models import Topic, Track
from ..tree import Node, build_tree
from .colours import plantuml_colour

# Boxes wider than this wrap their title onto several lines.
MAXIMUM_NODE_WIDTH = 220

_ESCAPES = {
    "&": "&#38;",
    "[": "&#91;",
    "]": "&#93;",
    "~": "&#126;",
    "%": "&#37;",
    "<": "&#60;",
    "\\": "&#92;",
}
_ESCAPE_RE = re.compile("|".join(re.escape(char) for char in _ESCAPES))


def escape_title(title: str) -> str:
    """A title as one line of plain text inside `[[url title]]`."""
    one_line = " ".join(title.split())
    return _ESCAPE_RE.sub(lambda match: _ESCAPES[match.group(0)], one_line)


def topic_url(track: Track, topic: Topic) -> str:
    return reverse("progress:topic", args=[track.slug, topic.key])


def _colour(topic: Topic) -> str:
    # A colour PlantUML does not know would fail the whole diagram: it is left out instead.
    colour = plantuml_colour(topic.colour)
    return f"[{colour}]" if colour else ""


def _label(track: Track, topic: Topic) -> str:
    title = escape_title(topic.title) or topic.key
    return f"[[{topic_url(track, topic)} {title}]]"


def _mindmap_lines(track: Track, node: Node, side: str) -> list[str]:
    # `+` grows to the right, `-` to the left; a branch keeps the side of its first level.
    if node.depth == 1:
        side = node.topic.side
    marker = ("-" if side == Topic.Side.LEFT else "+") * (node.depth + 1)
    boxless = "_" if node.topic.boxless else ""
    lines = [f"{marker}{_colour(node.topic)}{boxless} {_label(track, node.topic)}"]
    for child in node.children:
        lines.extend(_mindmap_lines(track, child, side))
    return lines


def _wbs_lines(track: Track, node: Node) -> list[str]:
    marker = "*" * (node.depth + 1)
    direction = "<" if node.depth >= 1 and node.topic.side == Topic.Side.LEFT else ""
    boxless = "_" if node.topic.boxless else ""
    lines = [f"{marker}{_colour(node.topic)}{direction}{boxless} {_label(track, node.topic)}"]
    for child in node.children:
        lines.extend(_wbs_lines(track, child))
    return lines


def live_tree(track: Track) -> list[Node]:
    return build_tree(Topic.objects.for_track(track).live())


def diagram_source(track: Track, roots: list[Node] | None = None) -> str:
    """The PlantUML source of the track's diagram (empty when the track has no live topic)."""
    if roots is None:
        roots = live_tree(track)
    if not roots:
        return ""
    wbs = track.diagram_kind == Track.DiagramKind.WBS
    kind = "wbs" if wbs else "mindmap"
    lines = [
        f"@start{kind}",
        "<style>",
        f"node {{ MaximumWidth {MAXIMUM_NODE_WIDTH} }}",
        "</style>",
    ]
    for root in roots:
        lines.extend(_wbs_lines(track, root) if wbs else _mindmap_lines(track, root, "right"))
    lines.append(f"@end{kind}")
    return "\n".join(lines) + "\n"
