"""Curator insights: where learners skip topics or get stuck on them. Counts only, no names."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tracks.models import Topic, Track
from tracks.tree import Node, build_tree, walk
from tracks.views import staff_required

from .models import Follow, Status, TopicProgress
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
    track or the number of learners."""
    now = now or timezone.now()
    topics = Topic.objects.for_track(track).live().only("id", "key", "title", "parent_id", "order")
    roots = build_tree(topics)
    nodes = list(walk(roots))
    live_ids = {node.topic.id for node in nodes}
    not_counted = live_ids - _counted_topic_ids(roots)

    progress = TopicProgress.objects.filter(topic__track=track, topic__retired=False)
    followers = Follow.objects.filter(track=track, active=True)

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
            stuck=Count(
                "id",
                filter=Q(
                    status=Status.DOING,
                    updated_at__lt=now - timedelta(days=STUCK_AFTER_DAYS),
                ),
            ),
        )
    )
    rows = {node.topic.id: TopicInsight(node) for node in nodes}
    for count in counts:
        row = rows[count["topic_id"]]
        row.done, row.doing = count["done"], count["doing"]
        row.skipped, row.stuck = count["skipped"], count["stuck"]

    reasons = (
        progress.filter(status=Status.SKIPPED)
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
    for topic_id, reason in reasons:
        if reason.strip():
            rows[topic_id].reasons.append(reason.strip())

    finished = 0
    counted_total = len(live_ids - not_counted)
    if counted_total:
        finished = (
            progress.filter(user__in=followers.values("user"), status=Status.DONE)
            .exclude(topic_id__in=not_counted)
            .order_by()
            .values("user")
            .annotate(done=Count("id"))
            .filter(done=counted_total)
            .count()
        )

    return TrackInsights(
        track=track,
        followers=followers.count(),
        learners=learners,
        finished=finished,
        rows=list(rows.values()),
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
