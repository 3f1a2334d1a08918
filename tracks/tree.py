"""The topic tree of a track, built in memory from one query."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from .models import Topic

# The deepest a topic may sit: the root is level 1. Track pages, the editor and exports walk
# the tree; the limit keeps every one of them fast, and diagrams readable.
MAX_DEPTH = 30


@dataclass
class Node:
    topic: Topic
    depth: int
    children: list[Node] = field(default_factory=list)
    # Filled by views that show one user's progress ("todo", "doing", "done", "skipped").
    status: str = "todo"

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            yield from child.walk()


def build_tree(topics: Iterable[Topic]) -> list[Node]:
    """Return the roots, children in `order`. Topics whose parent is absent become roots."""
    topics = sorted(topics, key=lambda t: t.order)
    by_id = {topic.id: Node(topic, 0) for topic in topics}
    roots: list[Node] = []
    for topic in topics:
        node = by_id[topic.id]
        parent = by_id.get(topic.parent_id) if topic.parent_id else None
        if parent is None:
            roots.append(node)
        else:
            parent.children.append(node)
    for root in roots:
        _set_depths(root, 0)
    return roots


def _set_depths(node: Node, depth: int) -> None:
    node.depth = depth
    for child in node.children:
        _set_depths(child, depth + 1)


def walk(roots: list[Node]) -> Iterator[Node]:
    for root in roots:
        yield from root.walk()
