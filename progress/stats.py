"""Progress percentages, computed on the server from a track's live topics."""

from __future__ import annotations

from dataclasses import dataclass

from tracks.tree import Node, walk

from .models import Status


@dataclass
class Tally:
    total: int = 0
    done: int = 0
    doing: int = 0
    skipped: int = 0

    @property
    def percent_done(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def percent_skipped(self) -> int:
        return round(100 * self.skipped / self.total) if self.total else 0

    def add(self, status: str | None) -> None:
        self.total += 1
        if status == Status.DONE:
            self.done += 1
        elif status == Status.DOING:
            self.doing += 1
        elif status == Status.SKIPPED:
            self.skipped += 1


@dataclass
class Section:
    node: Node
    tally: Tally


def sections_of(roots: list[Node]) -> list[Node]:
    """A single root is the track itself: its children are the sections. Several roots are
    sections of their own."""
    if len(roots) == 1:
        return roots[0].children
    return roots


def tally_track(roots: list[Node], statuses: dict[int, str]) -> tuple[Tally, list[Section]]:
    """Count every live topic except a lone root (the track itself); skipped apart from done."""
    overall = Tally()
    sections = []
    for section_root in sections_of(roots):
        tally = Tally()
        for node in section_root.walk():
            tally.add(statuses.get(node.topic.id))
        overall.total += tally.total
        overall.done += tally.done
        overall.doing += tally.doing
        overall.skipped += tally.skipped
        sections.append(Section(section_root, tally))
    if len(roots) == 1 and not roots[0].children:
        overall.add(statuses.get(roots[0].topic.id))
    return overall, sections


def count_topics(roots: list[Node]) -> int:
    return sum(1 for _ in walk(roots))
