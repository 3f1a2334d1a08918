"""Exporting a track as its three files: README.md, <slug>.puml and trilha-texto.md.

Importing an export gives the same track; exporting it again gives the same bytes.
"""

from __future__ import annotations

import io
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .importer import README, TEXT_FILE
from .models import Resource, Topic, Track
from .plantuml.writer import write_plantuml
from .trackfiles import TopicText, write_readme, write_trilha_texto
from .tree import Node, build_tree, walk


@dataclass
class _DiagramNode:
    title: str
    side: str
    colour: str
    boxless: bool
    children: list[_DiagramNode] = field(default_factory=list)


def _diagram_node(node: Node) -> _DiagramNode:
    return _DiagramNode(
        title=node.topic.title,
        side=node.topic.side,
        colour=node.topic.colour,
        boxless=node.topic.boxless,
        children=[_diagram_node(child) for child in node.children],
    )


def export_track(track: Track) -> dict[str, str]:
    """File name → text of the three files of the track, in canonical form."""
    roots = build_tree(Topic.objects.for_track(track).live())
    resources: dict[int, list[tuple[str, str, str, str]]] = defaultdict(list)
    for resource in Resource.objects.filter(topic__track=track, topic__retired=False).order_by(
        "topic_id", "order", "id"
    ):
        resources[resource.topic_id].append(
            (resource.title, resource.url, resource.kind, resource.language)
        )
    diagram_name = f"{track.slug}.puml"
    readme = write_readme(
        title=track.title,
        description=track.description,
        behaviours=track.behaviours.live().order_by("order", "id").values_list("text", "key"),
        related=track.related.order_by("slug").values_list("slug", "title"),
        diagram=f"{track.slug}.png",
        language=track.language,
    )
    texto = write_trilha_texto(
        TopicText(
            depth=node.depth,
            title=node.topic.title,
            key=node.topic.key,
            description=node.topic.description,
            resources=resources.get(node.topic.pk, []),
        )
        for node in walk(roots)
    )
    return {
        README: readme,
        diagram_name: write_plantuml([_diagram_node(root) for root in roots], track.diagram_kind),
        TEXT_FILE: texto,
    }


def write_track_folder(track: Track, directory: Path) -> list[Path]:
    """Write DIRECTORY/<slug>/ and return the paths written."""
    folder = directory / track.slug
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in export_track(track).items():
        path = folder / name
        path.write_bytes(text.encode("utf-8"))
        written.append(path)
    return written


def export_zip(track: Track) -> bytes:
    """A .zip holding <slug>/ and its three files, ready to import again."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in export_track(track).items():
            archive.writestr(f"{track.slug}/{name}", text.encode("utf-8"))
    return buffer.getvalue()
