"""Importing track files into the database: a track folder, a bare `.puml`, a folder of track
folders, or an uploaded `.zip`.

Reading and checking happen first, in memory (`read_tracks`, `plan_tracks`); only a complete,
valid set of tracks reaches the database (`apply_plans`), in one transaction. Errors are one line
naming the file, the line and the reason.
"""

from __future__ import annotations

import hashlib
import io
import logging
import posixpath
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .models import ExpectedBehaviour, Resource, Topic, Track
from .plantuml.parser import Diagram, DiagramError, DiagramNode, parse_plantuml
from .render_queue import enqueue
from .trackfiles import (
    KEY_PATTERN,
    TextEntry,
    guess_kind,
    is_web_url,
    normalize_text,
    parse_readme,
    parse_trilha_texto,
)

logger = logging.getLogger(__name__)

# Track files are small text files; anything bigger is a mistake (or an attack) and is refused
# before it is read.
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ZIP_BYTES = 20 * 1024 * 1024
MAX_ZIP_FILES = 500
DIAGRAM_SUFFIXES = (".puml", ".plantuml", ".pu", ".wsd", ".iuml")
README = "README.md"
TEXT_FILE = "trilha-texto.md"
KEY_MAX_LENGTH = 120
SLUG_MAX_LENGTH = 100


class TrackFileError(Exception):
    """A track that cannot be imported; the message is one line: file, line and reason."""


# --- where the files come from ---------------------------------------------------------------


class Source:
    """A folder of files, on disk or in memory (an upload)."""

    name: str  # folder name ("" for loose files)
    label: str  # how errors name the folder

    def files(self) -> list[str]:
        raise NotImplementedError

    def subfolders(self) -> list[Source]:
        raise NotImplementedError

    def size(self, name: str) -> int:
        raise NotImplementedError

    def read_bytes(self, name: str) -> bytes:
        raise NotImplementedError

    def has(self, name: str) -> bool:
        return name in self.files()

    def display(self, name: str) -> str:
        return posixpath.join(self.label, name) if self.label else name

    def read_text(self, name: str) -> str:
        where = self.display(name)
        if self.size(name) > MAX_FILE_BYTES:
            raise TrackFileError(
                _("%(file)s: the file is larger than %(limit)d MB")
                % {"file": where, "limit": MAX_FILE_BYTES // (1024 * 1024)}
            )
        return decode_text(self.read_bytes(name), where)


class FolderSource(Source):
    def __init__(self, path: Path, label: str) -> None:
        self.path = path
        self.name = path.name
        self.label = label
        self._files: list[str] | None = None

    def files(self) -> list[str]:
        if self._files is None:
            self._files = self._list_files()
        return self._files

    def _list_files(self) -> list[str]:
        names = []
        for path in sorted(self.path.rglob("*")):
            relative = path.relative_to(self.path)
            if path.is_file() and not any(part.startswith(".") for part in relative.parts):
                names.append(relative.as_posix())
            if len(names) > MAX_ZIP_FILES:
                break
        return names

    def subfolders(self) -> list[Source]:
        return [
            FolderSource(child, posixpath.join(self.label, child.name))
            for child in sorted(self.path.iterdir())
            if child.is_dir() and not child.name.startswith((".", "_"))
        ]

    def size(self, name: str) -> int:
        return (self.path / name).stat().st_size

    def read_bytes(self, name: str) -> bytes:
        return (self.path / name).read_bytes()


class MemorySource(Source):
    def __init__(self, files: dict[str, bytes], name: str = "", label: str = "") -> None:
        self.contents = files
        self.name = name
        self.label = label

    def files(self) -> list[str]:
        return sorted(self.contents)

    def subfolders(self) -> list[Source]:
        groups: dict[str, dict[str, bytes]] = defaultdict(dict)
        for name, data in self.contents.items():
            first, _slash, rest = name.partition("/")
            if rest and not first.startswith((".", "_")):
                groups[first][rest] = data
        return [
            MemorySource(groups[folder], folder, posixpath.join(self.label, folder))
            for folder in sorted(groups)
        ]

    def size(self, name: str) -> int:
        return len(self.contents[name])

    def read_bytes(self, name: str) -> bytes:
        return self.contents[name]


def decode_text(data: bytes, where: str) -> str:
    if b"\x00" in data:
        raise TrackFileError(_("%(file)s: a binary file, not text") % {"file": where})
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise TrackFileError(
            _("%(file)s:%(line)d: not UTF-8 text") % {"file": where, "line": line}
        ) from error
    if not text.strip():
        raise TrackFileError(_("%(file)s: the file is empty") % {"file": where})
    return text


def sources_from_path(path: Path) -> list[Source]:
    """The track folders at PATH: itself, its subfolders, a bare `.puml`, or a `.zip`."""
    label = str(path)
    if not path.exists():
        raise TrackFileError(_("%(path)s: no such file or folder") % {"path": label})
    if path.is_file():
        if path.stat().st_size > MAX_ZIP_BYTES or (
            path.suffix.lower() != ".zip" and path.stat().st_size > MAX_FILE_BYTES
        ):
            raise TrackFileError(
                _("%(file)s: the file is larger than %(limit)d MB")
                % {"file": label, "limit": MAX_FILE_BYTES // (1024 * 1024)}
            )
        if path.suffix.lower() == ".zip":
            return sources_from_zip(path.read_bytes(), path.name)
        if path.suffix.lower() in DIAGRAM_SUFFIXES:
            return [MemorySource({path.name: path.read_bytes()}, "", str(path.parent))]
        raise TrackFileError(
            _("%(path)s: expected a track folder, a .puml file or a .zip") % {"path": label}
        )
    return _track_folders(FolderSource(path, label))


def sources_from_zip(data: bytes, name: str) -> list[Source]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise TrackFileError(_("%(file)s: not a valid .zip file") % {"file": name}) from error
    members = [info for info in archive.infolist() if not info.is_dir()]
    if len(members) > MAX_ZIP_FILES:
        raise TrackFileError(_("%(file)s: too many files in the archive") % {"file": name})
    if sum(info.file_size for info in members) > MAX_ZIP_BYTES:
        raise TrackFileError(_("%(file)s: the archive is too large unpacked") % {"file": name})
    files: dict[str, bytes] = {}
    for info in members:
        path = PurePosixPath(info.filename)
        if path.is_absolute() or ".." in path.parts or path.name.startswith("."):
            continue
        if "__MACOSX" in path.parts:
            continue
        if info.file_size > MAX_FILE_BYTES:
            if path.suffix.lower() in DIAGRAM_SUFFIXES or path.name in (README, TEXT_FILE):
                raise TrackFileError(
                    _("%(file)s: the file is larger than %(limit)d MB")
                    % {"file": f"{name}/{path}", "limit": MAX_FILE_BYTES // (1024 * 1024)}
                )
            continue
        files[path.as_posix()] = archive.read(info)
    return _track_folders(MemorySource(files, "", name))


def sources_from_uploads(files: dict[str, bytes]) -> list[Source]:
    """Loose uploaded files: a `.puml` with an optional README.md and trilha-texto.md."""
    return [MemorySource(files, "", "")]


def _top_level(source: Source) -> list[str]:
    return [name for name in source.files() if "/" not in name]


def _diagrams_at_top(source: Source) -> list[str]:
    return [name for name in _top_level(source) if name.lower().endswith(DIAGRAM_SUFFIXES)]


def _looks_like_track(source: Source) -> bool:
    top = _top_level(source)
    return README in top or bool(_diagrams_at_top(source))


def _track_folders(source: Source) -> list[Source]:
    if _diagrams_at_top(source):
        return [source]
    if source.has(README) and _readme_diagram(source):
        return [source]
    subfolders = source.subfolders()
    folders = [folder for folder in subfolders if _looks_like_track(folder)]
    if folders:
        return folders
    if source.has(README):
        return [source]  # a track folder without its diagram: reported when read
    if len(subfolders) == 1 and not _top_level(source):
        # One folder wrapping everything, as archives of a folder usually are.
        return _track_folders(subfolders[0])
    raise TrackFileError(
        _("%(path)s: no track found (a folder with README.md and a .puml diagram)")
        % {"path": source.label or "."}
    )


def _readme_diagram(source: Source) -> str | None:
    """The `.puml` that README.md's image link names (`mle/mle.png` → `mle/mle.puml`)."""
    try:
        readme = parse_readme(source.read_text(README), source.display(README))
    except TrackFileError:
        return None
    if not readme.diagram or "://" in readme.diagram:
        return None
    image = PurePosixPath(posixpath.normpath(readme.diagram))
    stem = image.with_suffix("")
    for suffix in DIAGRAM_SUFFIXES:
        for candidate in (f"{stem}{suffix}", f"{stem.name}{suffix}"):
            if source.has(candidate):
                return candidate
    return None


# --- reading a track into a plan --------------------------------------------------------------


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
        named = _readme_diagram(source)
        if named:
            return named
    diagrams = _diagrams_at_top(source)
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
            "title": entry.title,
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
    """Pair each entry with a node of the same title, in document order, each node once."""
    positions = {id(node): index for index, node in enumerate(nodes)}
    by_title: dict[str, list[DiagramNode]] = defaultdict(list)
    for node in nodes:
        by_title[normalize_text(node.title)].append(node)
    matched: dict[int, TextEntry] = {}
    unmatched: list[TextEntry] = []
    cursor = -1
    for entry in entries:
        candidates = [
            node
            for node in by_title.get(normalize_text(entry.title), [])
            if id(node) not in matched
        ]
        if not candidates:
            unmatched.append(entry)
            continue
        after = [node for node in candidates if positions[id(node)] > cursor]
        node = (after or candidates)[0]
        matched[id(node)] = entry
        cursor = positions[id(node)]
    return matched, unmatched


def key_from_title(title: str) -> str:
    """A slug of the title; titles with no ASCII letters (Cyrillic, Chinese...) get a hash."""
    base = slugify(title)[:80].strip("-_")
    if not re.search(r"[a-z]", base):
        digest = hashlib.sha1(" ".join(title.casefold().split()).encode()).hexdigest()
        base = f"t-{digest[:10]}"
    return base


def free_key(key: str, taken: set[str]) -> str:
    """`key`, or else the first of `key-2`, `key-3`, … that is not taken."""
    stem = key[: KEY_MAX_LENGTH - 6]
    number = 2
    while key in taken:
        key = f"{stem}-{number}"
        number += 1
    return key


def _assign_keys(
    nodes: list[DiagramNode], matched: dict[int, TextEntry], text_file: str
) -> dict[int, str]:
    keys: dict[int, str] = {}
    taken: set[str] = set()
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
        key = free_key(key, taken)
        assert KEY_PATTERN.match(key)
        keys[id(node)] = key
        taken.add(key)
    return keys


# --- writing plans to the database ----------------------------------------------------------


@dataclass
class TrackResult:
    slug: str
    title: str
    created: bool = False
    topics: int = 0
    topics_created: int = 0
    topics_updated: int = 0
    topics_retired: int = 0
    resources: int = 0
    behaviours: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.topics_created or self.topics_updated)

    def summary(self) -> str:
        return _(
            "%(slug)s: %(title)s — %(topics)d topics (%(created)d created, %(updated)d updated, "
            "%(retired)d retired), %(resources)d resources, %(behaviours)d behaviours, "
            "%(warnings)d warnings"
        ) % {
            "slug": self.slug,
            "title": self.title,
            "topics": self.topics,
            "created": self.topics_created,
            "updated": self.topics_updated,
            "retired": self.topics_retired,
            "resources": self.resources,
            "behaviours": self.behaviours,
            "warnings": len(self.warnings),
        }


def related_warnings(plans: list[TrackPlan]) -> dict[str, list[str]]:
    """Related tracks that neither exist nor come in this import, per track slug."""
    incoming = {plan.slug for plan in plans}
    wanted = {slug for plan in plans for slug, _where in plan.related or []}
    existing = set(Track.objects.filter(slug__in=wanted).values_list("slug", flat=True))
    warnings: dict[str, list[str]] = defaultdict(list)
    for plan in plans:
        for slug, where in plan.related or []:
            if slug not in incoming and slug not in existing:
                warnings[plan.slug].append(
                    _("%(where)s: the related track “%(slug)s” does not exist; not linked")
                    % {"where": where, "slug": slug}
                )
    return warnings


def apply_plans(plans: list[TrackPlan]) -> list[TrackResult]:
    """Write the tracks in one transaction, which also queues their diagrams for the worker."""
    missing = related_warnings(plans)
    with transaction.atomic():
        results = []
        tracks: dict[str, Track] = {}
        for plan in plans:
            track, result = _apply_track(plan)
            tracks[plan.slug] = track
            result.warnings = plan.warnings + result.warnings + missing.get(plan.slug, [])
            results.append(result)
        _link_related(plans, tracks)
        enqueue(track.pk for track in tracks.values())
    return results


def _link_related(plans: list[TrackPlan], tracks: dict[str, Track]) -> None:
    """ "See also" is mutual: a track is related to the tracks its README links and to the
    tracks of this import whose README links it. Its README is the truth for the rest."""
    links = {
        plan.slug: {slug for slug, _where in plan.related}
        for plan in plans
        if plan.related is not None
    }
    for slug, own in links.items():
        wanted = own | {other for other, theirs in links.items() if slug in theirs}
        related = set(Track.objects.filter(slug__in=wanted).values_list("pk", flat=True))
        track = tracks[slug]
        if set(track.related.values_list("pk", flat=True)) != related:
            track.related.set(related)


def _apply_track(plan: TrackPlan) -> tuple[Track, TrackResult]:
    result = TrackResult(slug=plan.slug, title=plan.title, topics=len(plan.topics))
    values: dict[str, object] = {"title": plan.title, "diagram_kind": plan.diagram_kind}
    if plan.description is not None:
        values["description"] = plan.description
    if plan.language:
        values["language"] = plan.language
    track = Track.objects.filter(slug=plan.slug).first()
    if track is None:
        track = Track.objects.create(slug=plan.slug, **values)
        result.created = True
    else:
        changed = [name for name, value in values.items() if getattr(track, name) != value]
        if changed:
            for name in changed:
                setattr(track, name, values[name])
            track.save(update_fields=[*changed, "updated_at"])

    if plan.behaviours is not None:
        result.behaviours = len(plan.behaviours)
        current = list(track.behaviours.order_by("order").values_list("text", flat=True))
        if current != plan.behaviours:
            track.behaviours.all().delete()
            ExpectedBehaviour.objects.bulk_create(
                ExpectedBehaviour(track=track, text=text, order=order)
                for order, text in enumerate(plan.behaviours)
            )
    else:
        result.behaviours = track.behaviours.count()

    existing = {topic.key: topic for topic in Topic.objects.filter(track=track)}
    # Without trilha-texto.md the files say nothing about descriptions, resources or keys:
    # existing topics keep theirs (as the track keeps its description without a README.md).
    keep_text = not plan.has_text and not result.created
    topics = plan.topics
    if keep_text:
        topics = _keys_by_title(plan.topics, existing)
        result.warnings.append(
            _(
                "%(where)s: no trilha-texto.md; existing topics keep their descriptions and "
                "resources"
            )
            % {"where": plan.label}
        )
    kept: set[str] = set()  # keys of the topics whose resources stay as they are
    saved: dict[str, Topic] = {}
    for plan_topic in topics:
        parent = saved[plan_topic.parent_key] if plan_topic.parent_key else None
        fields = {
            "title": plan_topic.title,
            "description": plan_topic.description,
            "order": plan_topic.order,
            "side": plan_topic.side,
            "colour": plan_topic.colour,
            "boxless": plan_topic.boxless,
            "parent_id": parent.pk if parent else None,
            "retired": False,
        }
        topic = existing.get(plan_topic.key)
        if topic is None:
            topic = Topic.objects.create(track=track, key=plan_topic.key, **fields)
            result.topics_created += 1
        else:
            if keep_text:
                kept.add(plan_topic.key)
                if not plan_topic.description:  # a note on the diagram node still wins
                    del fields["description"]
            changed = [name for name, value in fields.items() if getattr(topic, name) != value]
            if changed:
                for name in changed:
                    setattr(topic, name, fields[name])
                topic.save(update_fields=changed)
                result.topics_updated += 1
        saved[plan_topic.key] = topic
    for key, topic in existing.items():
        if key not in saved and not topic.retired:
            topic.retired = True
            topic.save(update_fields=["retired"])
            result.topics_retired += 1

    current_resources: dict[int, list[tuple[str, str, str, str]]] = defaultdict(list)
    for resource in Resource.objects.filter(topic__track=track).order_by("topic_id", "order"):
        current_resources[resource.topic_id].append(
            (resource.title, resource.url, resource.kind, resource.language)
        )
    for plan_topic in topics:
        topic = saved[plan_topic.key]
        if plan_topic.key in kept:
            result.resources += len(current_resources.get(topic.pk, []))
            continue
        wanted = [resource.as_tuple() for resource in plan_topic.resources]
        result.resources += len(wanted)
        if current_resources.get(topic.pk, []) != wanted:
            Resource.objects.filter(topic=topic).delete()
            Resource.objects.bulk_create(
                Resource(topic=topic, title=title, url=url, kind=kind, language=lang, order=order)
                for order, (title, url, kind, lang) in enumerate(wanted)
            )
    return track, result


def _keys_by_title(topics: list[TopicPlan], existing: dict[str, Topic]) -> list[TopicPlan]:
    """The planned topics, each whose key is new taking the key of the one existing topic
    (live or retired) with its title, unless another planned topic has that key.

    Without trilha-texto.md keys come from titles, and a topic renamed in the app keeps its
    old key; this keeps it (and its learners' progress) rather than retiring it."""
    by_title: dict[str, list[str]] = defaultdict(list)
    for topic in existing.values():
        by_title[normalize_text(topic.title)].append(topic.key)
    taken = {topic.key for topic in topics}
    renamed: dict[str, str] = {}
    for topic in topics:
        if topic.key in existing:
            continue
        candidates = by_title.get(normalize_text(topic.title), [])
        if len(candidates) == 1 and candidates[0] not in taken:
            renamed[topic.key] = candidates[0]
            taken.add(candidates[0])
    return [
        replace(
            topic,
            key=renamed.get(topic.key, topic.key),
            parent_key=renamed.get(topic.parent_key or "", topic.parent_key),
        )
        for topic in topics
    ]


def import_path(path: Path, *, strict: bool = False) -> list[TrackResult]:
    return apply_plans(read_tracks(path, strict=strict))
