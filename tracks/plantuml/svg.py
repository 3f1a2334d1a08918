"""Post-processing of PlantUML's SVG, done once per rendered diagram.

PlantUML draws a node as a `<rect>` (none for boxless `_` nodes) followed by its text, and a
`[[url title]]` link becomes one `<a>` per word. Here each node is gathered into
`<a href=url class="topic-link"><g class="topic" data-topic="KEY">…</g></a>`: the whole box is
one link, one tab stop, and one element the highlight CSS can address. The root loses its fixed
size so that it scales to its container, and PlantUML's metadata and comments are dropped.
Inline `style` attributes become presentation attributes, so page CSS overrides them without
`!important` and a strict Content-Security-Policy does not block them.

PlantUML writes one `<text>` per word and pins its width (`textLength`) to what Java's font
measured; a browser with other fonts then stretches the letters of short words apart
("e m tempo"). The words of one line are joined into one `<text>` with spaces, pinned as a
whole: any difference is spread thinly over the line, the line still fits its box, and the
link's visible text reads like its accessible name ("Engenharia de Machine Learning").
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
_XLINK_HREF = f"{{{XLINK_NS}}}href"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", XLINK_NS)

# Bumped whenever the output of `annotate` changes, so stored diagrams are made again.
FORMAT_VERSION = "3"

# What a node draws after its box besides links; anything else (the lines between nodes)
# ends the node before it.
_NODE_CONTENT = {"text", "image"}
_ROOT_ATTRIBUTES_DROPPED = {
    "width",
    "height",
    "style",
    "preserveAspectRatio",
    "zoomAndPan",
    "contentStyleType",
}
_PRESENTATION = {
    "fill",
    "fill-opacity",
    "stroke",
    "stroke-width",
    "stroke-dasharray",
    "stroke-opacity",
    "stroke-linecap",
    "stroke-linejoin",
    "opacity",
    "font-family",
    "font-size",
    "font-style",
    "font-weight",
    "text-decoration",
}


class UnmatchedNodeError(ValueError):
    """Some node of the SVG cannot be tied to exactly one topic (or the reverse)."""


@dataclass
class _Node:
    href: str | None = None
    elements: list[ET.Element] = field(default_factory=list)

    def describe(self) -> str:
        words = " ".join("".join(el.itertext()) for el in self.elements).split()
        return " ".join(words)[:80] or _("(a node without text)")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _href(element: ET.Element) -> str | None:
    return element.get("href") or element.get(_XLINK_HREF)


def _styles_to_attributes(element: ET.Element) -> None:
    for el in element.iter():
        style = el.attrib.pop("style", None)
        if not style:
            continue
        for declaration in style.split(";"):
            name, _sep, value = declaration.partition(":")
            name, value = name.strip(), value.strip()
            if name in _PRESENTATION and value:
                el.set(name, value)


def _unlink(link: ET.Element) -> list[ET.Element]:
    """The children of one of PlantUML's per-word links, drawn as plain text.

    The spaces between words are <text> elements of their own; they draw nothing and make up
    a good part of a large diagram, so they go.
    """
    children = [
        child for child in link if _local(child.tag) != "text" or "".join(child.itertext()).strip()
    ]
    for child in children:
        for el in child.iter():
            # PlantUML paints link text blue and underlined; the node is the link now.
            if el.get("fill", "").upper() in {"#00F", "#0000FF", "BLUE"}:
                del el.attrib["fill"]
            if el.get("text-decoration") == "underline":
                del el.attrib["text-decoration"]
    return children


def _group_nodes(children: list[ET.Element]) -> tuple[list[_Node], list[ET.Element]]:
    """Split the drawing into its nodes and everything else (the lines between nodes)."""
    nodes: list[_Node] = []
    lines: list[ET.Element] = []
    current: _Node | None = None
    for el in children:
        tag = _local(el.tag)
        if tag == "rect":
            current = _Node(elements=[el])
            nodes.append(current)
        elif tag == "a":
            href = _href(el)
            if current is None or (current.href is not None and current.href != href):
                current = _Node()
                nodes.append(current)
            current.href = href
            current.elements.extend(_unlink(el))
        elif tag in _NODE_CONTENT and current is not None:
            current.elements.append(el)
        elif tag in _NODE_CONTENT:
            # Text outside any box and link: a node that cannot be tied to a topic.
            current = _Node(elements=[el])
            nodes.append(current)
        else:
            current = None
            lines.append(el)
    return nodes, lines


def annotate(svg: str, topics: dict[str, tuple[str, str]]) -> str:
    """Wrap every node of `svg` in a link to its topic.

    `topics` maps each topic URL to (key, title), in the order the nodes should take in
    the document (and so for the keyboard). Raises UnmatchedNodeError when a node has
    no topic, a topic has no node, or a topic has several nodes: a diagram that cannot be
    highlighted completely is never stored.
    """
    try:
        root = ET.fromstring(svg)
    except ET.ParseError as error:
        raise UnmatchedNodeError(
            _("The SVG cannot be read: %(error)s") % {"error": error}
        ) from error
    drawing = next((child for child in root if _local(child.tag) == "g"), None)
    if drawing is None:
        raise UnmatchedNodeError(_("The SVG has no drawing."))
    _styles_to_attributes(root)
    nodes, lines = _group_nodes(list(drawing))

    problems: list[str] = []
    seen: set[str] = set()
    for node in nodes:
        if node.href not in topics:
            problems.append(_("node “%(text)s” links to no topic") % {"text": node.describe()})
        elif node.href in seen:
            problems.append(_("topic %(url)s is drawn twice") % {"url": node.href})
        else:
            seen.add(node.href)
    problems.extend(
        _("topic “%(title)s” is missing from the drawing") % {"title": title}
        for url, (_key, title) in topics.items()
        if url not in seen
    )
    if problems:
        raise UnmatchedNodeError("; ".join(problems))

    # The lines first, then the nodes in the order of `topics` (the outline's): Tab walks the
    # tree as a reader would, and boxes are painted over the ends of the lines.
    for child in list(drawing):
        drawing.remove(child)
    drawing.extend(lines)
    by_url = {node.href: node for node in nodes}
    drawing.extend(_wrap(by_url[url], key, title) for url, (key, title) in topics.items())
    for name in _ROOT_ATTRIBUTES_DROPPED:
        root.attrib.pop(name, None)
    root.set("class", "diagram-svg")
    root.set("role", "group")
    return ET.tostring(root, encoding="unicode")


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _join_lines(elements: list[ET.Element]) -> list[ET.Element]:
    """The node's elements with the words of each line of text joined into one `<text>`.

    Words are on one line when they share `y` and follow each other. A space between lines,
    outside the `<text>` so it draws nothing, keeps the node's text readable word by word.
    """
    result: list[ET.Element] = []
    lines: list[tuple[ET.Element, list[str], float | None]] = []
    for el in elements:
        words = "".join(el.itertext()).strip() if _local(el.tag) == "text" else ""
        if not words or len(el):
            result.append(el)
            continue
        x, width = _number(el.get("x")), _number(el.get("textLength"))
        previous = lines[-1] if lines else None
        if (
            previous is not None
            and result[-1] is previous[0]
            and previous[0].get("y") == el.get("y")
        ):
            line, parts, _end = previous
            parts.append(words)
            end = x + width if x is not None and width is not None else None
            lines[-1] = (line, parts, end)
            continue
        line = ET.Element(el.tag, dict(el.attrib))
        end = x + width if x is not None and width is not None else None
        lines.append((line, [words], end))
        result.append(line)
    for index, (line, parts, end) in enumerate(lines):
        line.text = " ".join(parts)
        if index < len(lines) - 1:
            line.tail = " "
        start = _number(line.get("x"))
        if end is not None and start is not None:
            line.set("textLength", f"{end - start:.3f}".rstrip("0").rstrip("."))
            line.set("lengthAdjust", "spacing")
        else:
            line.attrib.pop("textLength", None)
    return result


def _wrap(node: _Node, key: str, title: str) -> ET.Element:
    link = ET.Element(
        f"{{{SVG_NS}}}a",
        {"href": node.href or "", "class": "topic-link", "aria-label": title},
    )
    group = ET.SubElement(link, f"{{{SVG_NS}}}g", {"class": "topic", "data-topic": key})
    tooltip = ET.SubElement(group, f"{{{SVG_NS}}}title")
    tooltip.text = title
    group.extend(_join_lines(node.elements))
    return link


_TOPIC_GROUP_RE = re.compile(r'<g class="topic" data-topic="([^"]+)">')


def mark_topic_classes(svg: str, class_of: Callable[[str], str]) -> str:
    """Set each topic group's whole class attribute to `class_of(key)`; one pass."""

    def replace(match: re.Match[str]) -> str:
        return f'<g class="{class_of(match.group(1))}" data-topic="{match.group(1)}">'

    return _TOPIC_GROUP_RE.sub(replace, svg)


def mark_statuses(svg: str, classes: dict[str, str]) -> str:
    """Add classes (key -> "status-done" …) to each topic's group; one pass over the SVG."""
    if not classes:
        return svg

    def replace(match: re.Match[str]) -> str:
        extra = classes.get(match.group(1))
        if not extra:
            return match.group(0)
        return f'<g class="topic {extra}" data-topic="{match.group(1)}">'

    return _TOPIC_GROUP_RE.sub(replace, svg)
