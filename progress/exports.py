"""A learner's own data, as JSON (everything) and CSV (one row per topic)."""

from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Max, Min, Q
from django.utils import timezone

from tracks.models import Topic
from tracks.tree import build_tree, walk

from .models import Comment, Follow, Note, ProgressEvent, Status, TopicProgress

FORMAT_VERSION = 1


def _when(value: datetime | None) -> str:
    return value.isoformat() if value else ""


# Rows read from the database at a time, and the size of the pieces a download is sent in.
CHUNK_ROWS = 2000
CHUNK_CHARS = 64 * 1024


def _export_sections(user: AbstractBaseUser) -> dict[str, Iterable[dict[str, Any]]]:
    """Everything of the user's, per section, read in chunks as the download goes."""
    follows = Follow.objects.filter(user=user).select_related("track").order_by("created_at")
    statuses = (
        TopicProgress.objects.filter(user=user)
        .select_related("topic__track", "confirmed_by")
        .order_by("topic__track__slug", "topic__order")
    )
    events = (
        ProgressEvent.objects.filter(user=user)
        .select_related("topic__track", "actor")
        .order_by("created_at", "id")
    )
    notes = Note.objects.filter(user=user).select_related("topic__track").order_by("created_at")
    comments = (
        Comment.objects.filter(mentee=user)
        .select_related("topic__track", "author")
        .order_by("created_at")
    )
    return {
        "follows": (
            {
                "track": f.track.slug,
                "title": f.track.title,
                "active": f.active,
                "since": _when(f.created_at),
            }
            for f in follows.iterator(chunk_size=CHUNK_ROWS)
        ),
        "statuses": (
            {
                "track": p.topic.track.slug,
                "topic": p.topic.key,
                "title": p.topic.title,
                "status": p.status,
                "reason": p.reason,
                "updated_at": _when(p.updated_at),
                "confirmed_by": p.confirmed_by.get_username() if p.confirmed_by else "",
                "confirmed_at": _when(p.confirmed_at),
            }
            for p in statuses.iterator(chunk_size=CHUNK_ROWS)
        ),
        "events": (
            {
                "track": e.topic.track.slug,
                "topic": e.topic.key,
                "from": e.from_status,
                "to": e.to_status,
                "reason": e.reason,
                "at": _when(e.created_at),
                "by": e.actor.get_username() if e.actor else "",
            }
            for e in events.iterator(chunk_size=CHUNK_ROWS)
        ),
        "notes": (
            {
                "track": n.topic.track.slug,
                "topic": n.topic.key,
                "body": n.body,
                "shared": n.shared,
                "created_at": _when(n.created_at),
                "updated_at": _when(n.updated_at),
            }
            for n in notes.iterator(chunk_size=CHUNK_ROWS)
        ),
        "comments_received": (
            {
                "track": c.topic.track.slug,
                "topic": c.topic.key,
                "author": c.author.get_username(),
                "body": c.body,
                "created_at": _when(c.created_at),
            }
            for c in comments.iterator(chunk_size=CHUNK_ROWS)
        ),
    }


def _dumps(value: Any, depth: int) -> str:
    """`value` as json.dumps(indent=2) writes it `depth` levels down."""
    return json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n" + "  " * depth)


def _json_pieces(user: AbstractBaseUser) -> Iterator[str]:
    header = {
        "format": "trilha-progress",
        "version": FORMAT_VERSION,
        "exported_at": timezone.now().isoformat(),
        "user": {"username": user.get_username(), "email": getattr(user, "email", "")},
    }
    yield "{"
    first = True
    for key, value in header.items():
        yield ("\n" if first else ",\n") + f"  {_dumps(key, 1)}: {_dumps(value, 1)}"
        first = False
    for key, items in _export_sections(user).items():
        yield f",\n  {_dumps(key, 1)}: ["
        empty = True
        for item in items:
            yield ("\n" if empty else ",\n") + "    " + _dumps(item, 2)
            empty = False
        yield "]" if empty else "\n  ]"
    yield "\n}"


def _in_chunks(pieces: Iterable[str]) -> Iterator[str]:
    """Join small pieces into chunks of about CHUNK_CHARS: one write each, not one per row."""
    buffer: list[str] = []
    size = 0
    for piece in pieces:
        buffer.append(piece)
        size += len(piece)
        if size >= CHUNK_CHARS:
            yield "".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer)


def export_json_chunks(user: AbstractBaseUser) -> Iterator[str]:
    """The JSON export, written as it is read: the same text as `json.dumps(export, indent=2,
    ensure_ascii=False)` of the whole document, in memory that does not grow with the rows."""
    return _in_chunks(_json_pieces(user))


CSV_HEADER = [
    "track",
    "topic_key",
    "topic",
    "status",
    "reason",
    "started_at",
    "done_at",
    "updated_at",
]


def _cell(value: str) -> str:
    # A cell starting with = + - @ is run as a formula by spreadsheet programs.
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


def csv_rows(user: AbstractBaseUser) -> Iterator[list[str]]:
    """One row per topic of every track the user follows or followed, in tree order: live
    topics, and retired ones that still carry the user's progress."""
    progress = {p.topic_id: p for p in TopicProgress.objects.filter(user=user)}
    track_ids = set(Follow.objects.filter(user=user).values_list("track_id", flat=True))
    topics = (
        Topic.objects.filter(Q(track_id__in=track_ids) | Q(id__in=progress.keys()))
        .filter(Q(retired=False) | Q(id__in=progress.keys()))
        .select_related("track")
        .order_by("track__title", "track_id", "order")
    )
    # When each topic was first started and last marked done, counted by the database: a
    # learner may have a long history.
    started: dict[int, datetime] = {}
    done: dict[int, datetime] = {}
    for topic_id, first_started, last_done in (
        ProgressEvent.objects.filter(user=user)
        .order_by()
        .values("topic_id")
        .annotate(
            first_started=Min("created_at", filter=Q(to_status__in=[Status.DOING, Status.DONE])),
            last_done=Max("created_at", filter=Q(to_status=Status.DONE)),
        )
        .values_list("topic_id", "first_started", "last_done")
    ):
        if first_started:
            started[topic_id] = first_started
        if last_done:
            done[topic_id] = last_done

    by_track: dict[int, list[Topic]] = {}
    for topic in topics:
        by_track.setdefault(topic.track_id, []).append(topic)
    for track_topics in by_track.values():
        for node in walk(build_tree(track_topics)):
            topic = node.topic
            row = progress.get(topic.id)
            status = row.status if row else Status.TODO
            yield [
                _cell(topic.track.slug),
                _cell(topic.key),
                _cell(topic.title),
                status,
                _cell(row.reason if row else ""),
                _when(started.get(topic.id)),
                _when(done.get(topic.id) if status == Status.DONE else None),
                _when(row.updated_at if row else None),
            ]


class _Line:
    """A file-like object whose write() hands back what it is given, for csv.writer."""

    def write(self, value: str) -> str:
        return value


def export_csv_chunks(user: AbstractBaseUser) -> Iterator[str]:
    """The CSV export, with a byte-order mark so that spreadsheet programs read it as UTF-8,
    written as it is made."""
    writer = csv.writer(_Line())
    pieces = itertools.chain(
        ["\ufeff", writer.writerow(CSV_HEADER)], (writer.writerow(row) for row in csv_rows(user))
    )
    return _in_chunks(pieces)
