"""A learner's own data, as JSON (everything) and CSV (one row per topic)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Q
from django.utils import timezone

from checkins.exports import checkins_for_export, write_checkins_csv
from tracks.models import Topic
from tracks.tree import build_tree, walk

from .models import Comment, Follow, Note, ProgressEvent, Status, TopicProgress

FORMAT_VERSION = 1


def _when(value: datetime | None) -> str:
    return value.isoformat() if value else ""


def export_json(user: AbstractBaseUser) -> dict[str, Any]:
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
        "format": "trilha-progress",
        "version": FORMAT_VERSION,
        "exported_at": timezone.now().isoformat(),
        "user": {"username": user.get_username(), "email": getattr(user, "email", "")},
        "follows": [
            {
                "track": f.track.slug,
                "title": f.track.title,
                "active": f.active,
                "since": _when(f.created_at),
            }
            for f in follows
        ],
        "statuses": [
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
            for p in statuses
        ],
        "events": [
            {
                "track": e.topic.track.slug,
                "topic": e.topic.key,
                "from": e.from_status,
                "to": e.to_status,
                "reason": e.reason,
                "at": _when(e.created_at),
                "by": e.actor.get_username() if e.actor else "",
            }
            for e in events
        ],
        "notes": [
            {
                "track": n.topic.track.slug,
                "topic": n.topic.key,
                "body": n.body,
                "shared": n.shared,
                "created_at": _when(n.created_at),
                "updated_at": _when(n.updated_at),
            }
            for n in notes
        ],
        "comments_received": [
            {
                "track": c.topic.track.slug,
                "topic": c.topic.key,
                "author": c.author.get_username(),
                "body": c.body,
                "created_at": _when(c.created_at),
            }
            for c in comments
        ],
        "checkins": checkins_for_export(user),
    }


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
    started: dict[int, datetime] = {}
    done: dict[int, datetime] = {}
    for topic_id, to_status, created_at in (
        ProgressEvent.objects.filter(user=user)
        .order_by("created_at", "id")
        .values_list("topic_id", "to_status", "created_at")
    ):
        if to_status in (Status.DOING, Status.DONE):
            started.setdefault(topic_id, created_at)
        if to_status == Status.DONE:
            done[topic_id] = created_at

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


def write_csv(user: AbstractBaseUser, out: Any) -> None:
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    writer.writerows(csv_rows(user))
    write_checkins_csv(user, writer)
