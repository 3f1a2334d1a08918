"""Reading track files into plans: everything parsed and checked in memory, nothing written.

A plan is what `apply.apply_plans` writes; errors are one line naming the file, the line and
the reason (`TrackFileError`).
"""

from __future__ import annotations

import bisect
import hashlib
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.utils.text import slugify
from django.utils.translation import gettext as _

from ..models import Topic
from ..plantuml.parser import Diagram, DiagramError, DiagramNode, parse_plantuml
from ..trackfiles import (
    KEY_PATTERN,
    TextEntry,
    guess_kind,
    is_web_url,
    normalize_text,
    parse_readme,
    parse_trilha_texto,
)
from .sources import (
    README,
    TEXT_FILE,
    Source,
    TrackFileError,
    diagrams_at_top,
    readme_diagram,
    sources_from_path,
)

KEY_MAX_LENGTH = 120
SLUG_MAX_LENGTH = 100


@dataclass
class ResourcePlan:
    title: str
    url: str
    kind: str
    language: str = ""

    def as_tuple(self) -> tuple[str, str, str, str]:
        return (self.title, self.url, self.kind, self.language)


@dataclass
class TopicPlan:
    key: str
    title: str
    depth: int
    order: int
    parent_key: str | None
    description: str = ""
    side: str = Topic.Side.RIGHT
    colour: str = ""
    boxless: bool = False
    resources: list[ResourcePlan] = field(default_factory=list)


@dataclass
class TrackPlan:
    slug: str
    title: str
    # None: the files do not say (a bare .puml); an existing track keeps what it has.
    description: str | None
    language: str
    diagram_kind: str
    behaviours: list[str] | None
    related: list[tuple[str, str]] | None  # (slug, where it was named)
    topics: list[TopicPlan]
    warnings: list[str] = field(default_factory=list)
    label: str = ""
    # False: no trilha-texto.md (a bare .puml); an existing track keeps its topics'
    # descriptions and resources, and its keys where the titles match.
    has_text: bool = True

    def outline(self) -> Iterator[str]:
        for topic in self.topics:
            yield "  " * topic.depth + topic.title


def read_tracks(path: Path, *, strict: bool = False) -> list[TrackPlan]:
    return plan_tracks(sources_from_path(path), strict=strict)


def plan_tracks(sources: list[Source], *, strict: bool = False) -> list[TrackPlan]:
    plans = [plan_track(source, strict=strict) for source in sources]
    seen: dict[str, str] = {}
    for plan in plans:
        if plan.slug in seen:
            raise TrackFileError(
                _("%(where)s: the slug “%(slug)s” is also used by %(other)s")
                % {"where": plan.label, "slug": plan.slug, "other": seen[plan.slug]}
            )
        seen[plan.slug] = plan.label
    return plans


def plan_track(source: Source, *, strict: bool = False) -> TrackPlan:
    warnings: list[str] = []
    readme = None
    if source.has(README):
        readme = parse_readme(source.read_text(README), source.display(README))
        warnings += readme.warnings
    diagram_name = _choose_diagram(source)
    diagram_file = source.display(diagram_name)
    try:
        diagram = parse_plantuml(source.read_text(diagram_name), diagram_file)
    except DiagramError as error:
        raise TrackFileError(str(error)) from error
    warnings += diagram.warnings

    slug_source = source.name or PurePosixPath(diagram_name).stem
    slug = slugify(slug_source)[:SLUG_MAX_LENGTH].strip("-_")
    if not slug:
        raise TrackFileError(
            _("%(where)s: “%(name)s” does not make a usable slug (letters, digits, -)")
            % {"where": source.label or diagram_file, "name": slug_source}
        )

    entries: list[TextEntry] = []
    if source.has(TEXT_FILE):
        text_file = source.display(TEXT_FILE)
        titles = [node.title for node in diagram.walk()]
        texto = parse_trilha_texto(source.read_text(TEXT_FILE), text_file, titles)
        if texto.errors:
            raise TrackFileError(texto.errors[0])
        warnings += texto.warnings
        entries = texto.entries
    topics, unmatched = _topics(diagram, entries, source.display(TEXT_FILE))
    if unmatched and strict:
        raise TrackFileError(unmatched[0])
    warnings += unmatched

    root_title = diagram.roots[0].title
    title = (readme.title if readme else "") or diagram.title or root_title
    if readme and not readme.title:
        warnings.append(
            _("%(file)s: no “# Title” line; the title comes from the diagram")
            % {"file": source.display(README)}
        )
    related = None
    if readme is not None:
        related = [
            (slug_name, f"{source.display(README)}:{line}")
            for slug_name, line in readme.related
            if slug_name != slug
        ]
    return TrackPlan(
        slug=slug,
        title=title[:200],
        description=readme.description if readme else None,
        language=readme.language if readme else "",
        diagram_kind=diagram.kind,
        behaviours=readme.behaviours if readme else None,
        related=related,
        topics=topics,
        warnings=warnings,
        label=source.label if source.name else diagram_file,
        has_text=source.has(TEXT_FILE),
    )


def _choose_diagram(source: Source) -> str:
    if source.has(README):
        named = readme_diagram(source)
        if named:
            return named
    diagrams = diagrams_at_top(source)
    for name in diagrams:
        if source.name and PurePosixPath(name).stem == source.name:
            return name
    if len(diagrams) == 1:
        return diagrams[0]
    where = source.label or "."
    if not diagrams:
        raise TrackFileError(_("%(path)s: no .puml diagram found") % {"path": where})
    raise TrackFileError(
        _("%(path)s: several .puml files (%(names)s); link one from README.md as ![](name.png)")
        % {"path": where, "names": ", ".join(diagrams)}
    )


def _topics(
    diagram: Diagram, entries: list[TextEntry], text_file: str
) -> tuple[list[TopicPlan], list[str]]:
    nodes = list(diagram.walk())
    matched, unmatched_entries = _match_entries(nodes, entries)
    unmatched = [
        _(
            "%(file)s:%(line)d: “%(title)s” matches no node of the diagram; its text and "
            "%(count)d links were not imported"
        )
        % {
            "file": text_file,
            "line": entry.line,
            "title": entry.written or entry.title,
            "count": len(entry.resources),
        }
        for entry in unmatched_entries
    ]
    keys = _assign_keys(nodes, matched, text_file)
    plans: dict[int, TopicPlan] = {}
    for order, node in enumerate(nodes):
        entry = matched.get(id(node))
        resources: list[ResourcePlan] = []
        if node.link:
            resources.append(ResourcePlan(node.title[:500], node.link, guess_kind(node.link)))
        if entry is not None:
            for resource in entry.resources:
                if resource.url not in [known.url for known in resources]:
                    resources.append(
                        ResourcePlan(
                            resource.title[:500], resource.url, resource.kind, resource.language
                        )
                    )
        description = entry.description if entry is not None and entry.description else node.note
        plans[id(node)] = TopicPlan(
            key=keys[id(node)],
            title=node.title,
            depth=node.depth,
            order=order,
            parent_key=keys[id(node.parent)] if node.parent is not None else None,
            description=description,
            side=Topic.Side.LEFT if node.side == "left" else Topic.Side.RIGHT,
            colour=node.colour[:40],
            boxless=node.boxless,
            resources=[resource for resource in resources if is_web_url(resource.url)],
        )
    return [plans[id(node)] for node in nodes], unmatched


def _match_entries(
    nodes: list[DiagramNode], entries: list[TextEntry]
) -> tuple[dict[int, TextEntry], list[TextEntry]]:
    """Pair each entry with a node of the same title, in document order, each node once: the
    first free node after the last one matched, else the first free node of that title."""
    by_title: dict[str, list[int]] = defaultdict(list)  # title → node positions, ascending
    for index, node in enumerate(nodes):
        by_title[normalize_text(node.title)].append(index)
    free = {title: _FreeSlots(len(positions)) for title, positions in by_title.items()}
    matched: dict[int, TextEntry] = {}
    unmatched: list[TextEntry] = []
    cursor = -1
    for entry in entries:
        title = normalize_text(entry.title)
        positions = by_title.get(title)
        if not positions:
            unmatched.append(entry)
            continue
        slot = free[title].first(bisect.bisect_right(positions, cursor))
        if slot == len(positions):
            slot = free[title].first(0)
        if slot == len(positions):
            unmatched.append(entry)
            continue
        free[title].take(slot)
        cursor = positions[slot]
        matched[id(nodes[cursor])] = entry
    return matched, unmatched


class _FreeSlots:
    """Slots 0..n-1, each taken at most once; `first(i)` is the first free slot from i (n when
    none), in near-constant time (a disjoint-set forest), so that matching a file with many
    equal titles stays linear."""

    def __init__(self, size: int) -> None:
        self.next = list(range(size + 1))

    def first(self, index: int) -> int:
        root = index
        while self.next[root] != root:
            root = self.next[root]
        while self.next[index] != root:
            self.next[index], index = root, self.next[index]
        return root

    def take(self, index: int) -> None:
        self.next[index] = index + 1


def key_from_title(title: str) -> str:
    """A slug of the title; titles with no ASCII letters (Cyrillic, Chinese...) get a hash."""
    base = slugify(title)[:80].strip("-_")
    if not re.search(r"[a-z]", base):
        digest = hashlib.sha1(" ".join(title.casefold().split()).encode()).hexdigest()
        base = f"t-{digest[:10]}"
    return base


def free_key(key: str, taken: set[str], counters: dict[str, int] | None = None) -> str:
    """`key`, or else the first of `key-2`, `key-3`, … that is not taken. With `counters`
    (kept across calls while `taken` only grows), numbers already found taken are not tried
    again, so numbering many equal titles stays linear."""
    stem = key[: KEY_MAX_LENGTH - 6]
    number = counters.get(stem, 2) if counters is not None else 2
    while key in taken:
        key = f"{stem}-{number}"
        number += 1
    if counters is not None:
        counters[stem] = number
    return key


def _assign_keys(
    nodes: list[DiagramNode], matched: dict[int, TextEntry], text_file: str
) -> dict[int, str]:
    keys: dict[int, str] = {}
    taken: set[str] = set()
    counters: dict[str, int] = {}
    for node in nodes:
        entry = matched.get(id(node))
        if entry is not None and entry.key:
            if entry.key in taken:
                raise TrackFileError(
                    _("%(file)s:%(line)d: the key “%(key)s” is used twice")
                    % {"file": text_file, "line": entry.line, "key": entry.key}
                )
            keys[id(node)] = entry.key
            taken.add(entry.key)
    for node in nodes:
        if id(node) in keys:
            continue
        base = key_from_title(node.title)
        key = base
        if key in taken and node.parent is not None:
            key = f"{keys[id(node.parent)]}-{base}"[:KEY_MAX_LENGTH].strip("-_")
        key = free_key(key, taken, counters)
        assert KEY_PATTERN.match(key)
        keys[id(node)] = key
        taken.add(key)
    return keys
