"""Writing a topic tree as canonical PlantUML: what the parser reads back to the same tree."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Protocol

from .parser import escape_label

_COLOUR = re.compile(r"^#?\w+$")


class WritableNode(Protocol):
    title: str
    side: str
    colour: str
    boxless: bool

    @property
    def children(self) -> Iterable[WritableNode]: ...


def node_line(node: WritableNode, depth: int, kind: str) -> str:
    colour = node.colour.strip()
    if colour and _COLOUR.match(colour):
        colour = "[" + (colour if colour.startswith("#") else "#" + colour) + "]"
    else:
        colour = ""
    flags = "_" if node.boxless else ""
    if kind == "wbs" and depth > 0 and node.side == "left":
        flags += "<"
    return f"{'*' * (depth + 1)}{colour}{flags} {escape_label(node.title)}"


def write_plantuml(roots: Iterable[WritableNode], kind: str = "mindmap") -> str:
    """`@startmindmap` (or `@startwbs`), `*` markers, `left side`/`right side` where the root's
    children change side, `[#colour]` and `_` kept; one node per line, LF, final newline."""
    kind = "wbs" if kind == "wbs" else "mindmap"
    lines = [f"@start{kind}"]
    side = "right"

    def write(node: WritableNode, depth: int) -> None:
        lines.append(node_line(node, depth, kind))
        for child in node.children:
            write(child, depth + 1)

    for root in roots:
        lines.append(node_line(root, 0, kind))
        for child in root.children:
            child_side = "left" if child.side == "left" else "right"
            if kind == "mindmap" and child_side != side:
                lines.append(f"{child_side} side")
                side = child_side
            write(child, 1)
    lines.append(f"@end{kind}")
    return "\n".join(lines) + "\n"
