"""A learner's own data, as JSON (everything) and CSV (one row per topic)."""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Max, Min, Q, QuerySet
from django.utils import timezone

from checkins.exports import checkins_for_export, write_checkins_csv
from tracks.models import Topic
from tracks.tree import build_tree, walk

from .models import Comment, Follow, Note, ProgressEvent, Status, TopicProgress

FORMAT_VERSION = 1


def _when(value: datetime | None) -> str:
    return value.isoformat() if value else ""


# Rows read from the database at a time, and the size of the pieces a download is sent in.
CHUNK_ROWS = 2000
CHUNK_CHARS = 64 * 1024


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return "" if value is None else value


def _section(queryset: QuerySet, columns: list[tuple[str, str]]) -> Iterator[dict[str, Any]]:
    """The rows of `queryset` as dicts of `columns` (key in the export, field lookup), read
    in chunks; dates in ISO 8601, empty values as ""."""
    keys = [key for key, _lookup in columns]
    rows = queryset.values_list(*[lookup for _key, lookup in columns])
    for row in rows.iterator(chunk_size=CHUNK_ROWS):
        yield {key: _value(value) for key, value in zip(keys, row, strict=True)}


def _export_sections(user: AbstractBaseUser) -> dict[str, Iterator[dict[str, Any]]]:
    """Everything of the user's, per section, read in chunks as the download goes."""
    username = get_user_model().USERNAME_FIELD
    return {
        "follows": _section(
            Follow.objects.filter(user=user).order_by("created_at"),
            [
                ("track", "track__slug"),
                ("title", "track__title"),
                ("active", "active"),
                ("since", "created_at"),
            ],
        ),
        "statuses": _section(
            TopicProgress.objects.filter(user=user).order_by("topic__track__slug", "topic__order"),
            [
                ("track", "topic__track__slug"),
                ("topic", "topic__key"),
                ("title", "topic__title"),
                ("status", "status"),
                ("reason", "reason"),
                ("updated_at", "updated_at"),
                ("confirmed_by", f"confirmed_by__{username}"),
                ("confirmed_at", "confirmed_at"),
            ],
        ),
        "events": _section(
            ProgressEvent.objects.filter(user=user).order_by("created_at", "id"),
            [
                ("track", "topic__track__slug"),
                ("topic", "topic__key"),
                ("from", "from_status"),
                ("to", "to_status"),
                ("reason", "reason"),
                ("at", "created_at"),
                ("by", f"actor__{username}"),
            ],
        ),
        "notes": _section(
            Note.objects.filter(user=user).order_by("created_at"),
            [
                ("track", "topic__track__slug"),
                ("topic", "topic__key"),
                ("body", "body"),
                ("shared", "shared"),
                ("created_at", "created_at"),
                ("updated_at", "updated_at"),
            ],
        ),
        "comments_received": _section(
            Comment.objects.filter(mentee=user).order_by("created_at"),
            [
                ("track", "topic__track__slug"),
                ("topic", "topic__key"),
                ("author", f"author__{username}"),
                ("body", "body"),
                ("created_at", "created_at"),
            ],
        ),
        "checkins": iter(checkins_for_export(user)),
    }


_encode = json.JSONEncoder(ensure_ascii=False).encode


def _dumps(value: Any, depth: int) -> str:
    """`value` as json.dumps(indent=2, ensure_ascii=False) writes it `depth` levels down. A
    flat dict (every row of the export) is written here with the C encoder for each value:
    with an indent, json.dumps falls back to its much slower pure-Python encoder."""
    if (
        isinstance(value, dict)
        and value
        and not any(isinstance(item, dict | list) for item in value.values())
    ):
        inner = ",\n" + "  " * (depth + 1)
        body = inner.join(f"{_encode(key)}: {_encode(item)}" for key, item in value.items())
        return "{\n" + "  " * (depth + 1) + body + "\n" + "  " * depth + "}"
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


def _checkins_csv(user: AbstractBaseUser) -> Iterator[str]:
    """The check-in sections after the topic rows (a learner has a handful of check-ins)."""
    out = io.StringIO()
    write_checkins_csv(user, csv.writer(out))
    yield out.getvalue()


def export_csv_chunks(user: AbstractBaseUser) -> Iterator[str]:
    """The CSV export, with a byte-order mark so that spreadsheet programs read it as UTF-8,
    written as it is made."""
    writer = csv.writer(_Line())
    pieces = itertools.chain(
        ["\ufeff", writer.writerow(CSV_HEADER)],
        (writer.writerow(row) for row in csv_rows(user)),
        _checkins_csv(user),
    )
    return _in_chunks(pieces)
