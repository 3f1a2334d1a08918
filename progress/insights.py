"""Curator insights: where learners skip topics or get stuck on them. Counts only, no names."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import RowNumber
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tracks.models import Topic, Track
from tracks.tree import Node, build_tree, walk
from tracks.views import staff_required

from . import counts
from .models import (
    Follow,
    LearnerTrackTally,
    Status,
    TopicProgress,
    TopicStatusCount,
    TrackCount,
)
from .stats import sections_of

# A learner "doing" a topic whose status has not changed for longer than this is stuck on it.
STUCK_AFTER_DAYS = 14
REASONS_PER_TOPIC = 3
HIGHLIGHT_SIZE = 5


@dataclass
class TopicInsight:
    node: Node
    done: int = 0
    doing: int = 0
    skipped: int = 0
    stuck: int = 0
    reasons: list[str] = field(default_factory=list)

    @property
    def marked(self) -> int:
        return self.done + self.doing + self.skipped

    @property
    def skip_rate(self) -> int | None:
        """Skipped, as a share of the learners who marked the topic at all (rounded down)."""
        return 100 * self.skipped // self.marked if self.marked else None


@dataclass
class TrackInsights:
    track: Track
    followers: int
    learners: int
    finished: int
    rows: list[TopicInsight]
    stuck_after_days: int = STUCK_AFTER_DAYS

    @property
    def percent_finished(self) -> int:
        return 100 * self.finished // self.followers if self.followers else 0

    @property
    def most_skipped(self) -> list[TopicInsight]:
        return _top([row for row in self.rows if row.skipped], key=lambda row: row.skipped)

    @property
    def most_stuck(self) -> list[TopicInsight]:
        return _top([row for row in self.rows if row.stuck], key=lambda row: row.stuck)


def _top(rows: list[TopicInsight], key: Callable[[TopicInsight], int]) -> list[TopicInsight]:
    # sorted() is stable, so equal counts keep tree order.
    return sorted(rows, key=key, reverse=True)[:HIGHLIGHT_SIZE]


def _counted_topic_ids(roots: list[Node]) -> set[int]:
    """The topics that make up 100% of a track, as `stats.tally_track` counts them."""
    ids = {node.topic.id for section in sections_of(roots) for node in section.walk()}
    if not ids and len(roots) == 1:
        ids = {roots[0].topic.id}
    return ids


def track_insights(track: Track, now: datetime | None = None) -> TrackInsights:
    """Every figure of the insights page in a fixed number of queries, whatever the size of the
    track or the number of learners. On PostgreSQL the counts come from the tallies that the
    database keeps on each status change (`progress.counts`), so the cost does not grow with
    the learners either."""
    now = now or timezone.now()
    topics = Topic.objects.for_track(track).only(
        "id", "key", "title", "parent_id", "order", "retired"
    )
    all_topics = list(topics)
    roots = build_tree([topic for topic in all_topics if not topic.retired])
    nodes = list(walk(roots))
    live_ids = {node.topic.id for node in nodes}
    retired_ids = {topic.id for topic in all_topics if topic.retired}
    not_counted = live_ids - _counted_topic_ids(roots)
    counted_total = len(live_ids - not_counted)
    rows = {node.topic.id: TopicInsight(node) for node in nodes}
    stuck_since = now - timedelta(days=STUCK_AFTER_DAYS)
    if counts.kept_by_database():
        followers, learners, finished = _tallied(
            track, rows, retired_ids, not_counted, counted_total, stuck_since
        )
        reasons = _latest_reasons(live_ids)
    else:
        followers, learners, finished = _counted(
            track, rows, not_counted, counted_total, stuck_since
        )
        reasons = _latest_reasons_by_window(track)
    for topic_id, reason in reasons:
        if reason.strip():
            rows[topic_id].reasons.append(reason.strip())

    return TrackInsights(
        track=track,
        followers=followers,
        learners=learners,
        finished=finished,
        rows=list(rows.values()),
    )


def _finished(
    track: Track, not_counted: set[int], counted_total: int, candidates: QuerySet | None = None
) -> int:
    """Active followers who have done every counted topic (of `candidates`, when given)."""
    if not counted_total:
        return 0
    users = Follow.objects.filter(track=track, active=True).values("user")
    if candidates is not None:
        users = users.filter(user__in=candidates)
    return (
        TopicProgress.objects.filter(
            topic__track=track, topic__retired=False, user__in=users, status=Status.DONE
        )
        .exclude(topic_id__in=not_counted)
        .order_by()
        .values("user")
        .annotate(done=Count("id"))
        .filter(done=counted_total)
        .count()
    )


def _tallied(
    track: Track,
    rows: dict[int, TopicInsight],
    retired_ids: set[int],
    not_counted: set[int],
    counted_total: int,
    stuck_since: datetime,
) -> tuple[int, int, int]:
    """Followers, learners and finished followers from the tallies; per-topic counts into
    `rows`."""
    for count in TopicStatusCount.objects.filter(topic_id__in=rows):
        row = rows[count.topic_id]
        row.done, row.doing, row.skipped = count.done, count.doing, count.skipped
    # Stuck = doing, less those whose status changed recently: few rows, read from an index.
    recent = (
        TopicProgress.objects.filter(
            topic_id__in=rows, status=Status.DOING, updated_at__gte=stuck_since
        )
        .order_by()
        .values("topic_id")
        .annotate(recent=Count("*"))
    )
    recent_doing = {count["topic_id"]: count["recent"] for count in recent}
    for topic_id, row in rows.items():
        row.stuck = row.doing - recent_doing.get(topic_id, 0)

    tallies = LearnerTrackTally.objects.filter(track=track)
    track_count = TrackCount.objects.filter(track=track).first()
    followers = track_count.followers if track_count else 0
    learners = track_count.learners if track_count else 0
    if retired_ids:
        # The tallies count retired topics too: leave out the learners whose every mark is on
        # a retired topic.
        only_retired = (
            TopicProgress.objects.filter(topic_id__in=retired_ids)
            .exclude(status=Status.TODO)
            .order_by()
            .values("user")
            .annotate(marks=Count("id"))
            .filter(marks=Subquery(tallies.filter(user=OuterRef("user")).values("marked")[:1]))
        )
        learners -= only_retired.count()
    # Only a learner with at least as many done topics as the track counts can have finished.
    candidates = tallies.filter(done__gte=counted_total).values("user")
    return followers, learners, _finished(track, not_counted, counted_total, candidates)


def _latest_reasons(topic_ids: set[int]) -> list[tuple[int, str]]:
    """The latest skip reasons of each topic, a few index reads per topic."""
    if not topic_ids:
        return []
    table = TopicProgress._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT topic.id, reason.reason
            FROM unnest(%s) AS topic(id)
            CROSS JOIN LATERAL (
                SELECT p.reason FROM {table} p
                WHERE p.topic_id = topic.id AND p.status = %s AND p.reason <> ''
                ORDER BY p.updated_at DESC, p.id DESC
                LIMIT %s
            ) AS reason
            """,
            [sorted(topic_ids), Status.SKIPPED.value, REASONS_PER_TOPIC],
        )
        return cursor.fetchall()


def _counted(
    track: Track,
    rows: dict[int, TopicInsight],
    not_counted: set[int],
    counted_total: int,
    stuck_since: datetime,
) -> tuple[int, int]:
    """The same figures as `_tallied`, counted from the progress and follow rows."""
    progress = TopicProgress.objects.filter(topic__track=track, topic__retired=False)
    learners = progress.exclude(status=Status.TODO).aggregate(
        learners=Count("user", distinct=True)
    )["learners"]
    counts = (
        progress.order_by()
        .values("topic_id")
        .annotate(
            done=Count("id", filter=Q(status=Status.DONE)),
            doing=Count("id", filter=Q(status=Status.DOING)),
            skipped=Count("id", filter=Q(status=Status.SKIPPED)),
            stuck=Count("id", filter=Q(status=Status.DOING, updated_at__lt=stuck_since)),
        )
    )
    for count in counts:
        row = rows[count["topic_id"]]
        row.done, row.doing = count["done"], count["doing"]
        row.skipped, row.stuck = count["skipped"], count["stuck"]
    followers = Follow.objects.filter(track=track, active=True).count()
    return followers, learners, _finished(track, not_counted, counted_total)


def _latest_reasons_by_window(track: Track) -> QuerySet:
    return (
        TopicProgress.objects.filter(topic__track=track, topic__retired=False)
        .filter(status=Status.SKIPPED)
        .exclude(reason="")
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=F("topic_id"),
                order_by=[F("updated_at").desc(), F("id").desc()],
            )
        )
        .filter(rank__lte=REASONS_PER_TOPIC)
        .order_by("topic_id", "rank")
        .values_list("topic_id", "reason")
    )


@staff_required
@require_GET
def insights(request: HttpRequest, slug: str) -> HttpResponse:
    track = get_object_or_404(Track, slug=slug)
    return render(request, "progress/insights.html", {"insights": track_insights(track)})


def _cell(value: object) -> object:
    """Keep spreadsheets from running learner-written text as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@staff_required
@require_GET
def insights_csv(request: HttpRequest, slug: str) -> HttpResponse:
    track = get_object_or_404(Track, slug=slug)
    data = track_insights(track)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"trilha-insights-{track.slug}-{timezone.localdate().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # The byte-order mark lets spreadsheet programs read the file as UTF-8.
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(
        [
            _("key"),
            _("topic"),
            _("depth"),
            _("done"),
            _("doing"),
            _("skipped"),
            _("stuck (doing for more than %(days)s days)") % {"days": data.stuck_after_days},
            _("skip rate (%)"),
            _("recent skip reasons"),
        ]
    )
    for row in data.rows:
        writer.writerow(
            [
                _cell(value)
                for value in (
                    row.node.topic.key,
                    row.node.topic.title,
                    row.node.depth,
                    row.done,
                    row.doing,
                    row.skipped,
                    row.stuck,
                    "" if row.skip_rate is None else row.skip_rate,
                    " | ".join(row.reasons),
                )
            ]
        )
    return response
