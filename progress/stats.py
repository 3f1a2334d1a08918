"""Progress figures computed on the server: percentages, highlights, weekly completions, streaks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Count, Exists, Max, Min, OuterRef, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from tracks.models import Topic, Track
from tracks.tree import Node, walk

from .models import Follow, ProgressEvent, Status, TopicProgress


@dataclass
class Tally:
    total: int = 0
    done: int = 0
    doing: int = 0
    skipped: int = 0

    @property
    def percent_done(self) -> int:
        # Rounded down: 199 of 200 is 99%, never a 100% that is not true.
        return 100 * self.done // self.total if self.total else 0

    @property
    def percent_skipped(self) -> int:
        return 100 * self.skipped // self.total if self.total else 0

    @property
    def todo(self) -> int:
        return self.total - self.done - self.doing - self.skipped

    def add(self, status: str | None) -> None:
        self.total += 1
        if status == Status.DONE:
            self.done += 1
        elif status == Status.DOING:
            self.doing += 1
        elif status == Status.SKIPPED:
            self.skipped += 1

    def merge(self, other: Tally) -> None:
        self.total += other.total
        self.done += other.done
        self.doing += other.doing
        self.skipped += other.skipped


@dataclass
class Section:
    node: Node
    tally: Tally


def sections_of(roots: list[Node]) -> list[Node]:
    """The sections of a track: the children of its root topic (the track itself, shown as the
    centre of the diagram). Topics whose parent was retired float up as roots of their own and
    count as sections too; so do the roots of a track that has no single root topic."""
    track_roots = [node for node in roots if node.topic.parent_id is None]
    if len(track_roots) != 1:
        return roots
    track_root = track_roots[0]
    orphans = [node for node in roots if node is not track_root]
    return track_root.children + orphans


def tally_track(roots: list[Node], statuses: dict[int, str]) -> tuple[Tally, list[Section]]:
    """Count every live topic except the track's root topic; skipped apart from done."""
    overall = Tally()
    sections = []
    for section_root in sections_of(roots):
        tally = Tally()
        for node in section_root.walk():
            tally.add(statuses.get(node.topic.id))
        overall.merge(tally)
        sections.append(Section(section_root, tally))
    if not sections and len(roots) == 1:
        # A track made of a single topic: that topic is all there is to do.
        overall.add(statuses.get(roots[0].topic.id))
    return overall, sections


@dataclass
class FollowedTrack:
    track: Track
    overall: Tally
    user_id: int


def counted_topics(track_ids: Iterable[int]) -> dict[int, tuple[int, int | None]]:
    """Per track: how many live topics make up 100% and the root topic left out of them, as
    `tally_track` counts (the track's single root, the centre of its diagram, is not a topic
    to do unless it is the only one). One aggregate query for any number of tracks."""
    live = Topic.objects.live().filter(track__in=track_ids).order_by().values("track_id")
    rows = live.annotate(
        topics=Count("id"),
        roots=Count("id", filter=Q(parent__isnull=True)),
        root=Min("id", filter=Q(parent__isnull=True)),
    )
    counted = {}
    for row in rows:
        if row["roots"] == 1 and row["topics"] > 1:
            counted[row["track_id"]] = (row["topics"] - 1, row["root"])
        else:
            counted[row["track_id"]] = (row["topics"], None)
    return counted


def tally_follows(follows: Sequence[Follow]) -> list[FollowedTrack]:
    """% done of each follow's user on its track, in the order given, for any number of users
    and tracks in two aggregate queries (topics per track, statuses per user and track). Each
    follow's `track` should be selected."""
    track_ids = {follow.track_id for follow in follows}
    if not track_ids:
        return []
    counted = counted_topics(track_ids)
    excluded = [root for _total, root in counted.values() if root is not None]
    rows = (
        TopicProgress.objects.filter(
            user__in={follow.user_id for follow in follows},
            topic__track__in=track_ids,
            topic__retired=False,
        )
        .exclude(topic__in=excluded)
        .exclude(status=Status.TODO)
        .order_by()
        .values_list("user_id", "topic__track_id", "status")
        .annotate(count=Count("id"))
    )
    counts: dict[tuple[int, int], dict[str, int]] = {}
    for user_id, track_id, status, count in rows:
        counts.setdefault((user_id, track_id), {})[status] = count
    result = []
    for follow in follows:
        by_status = counts.get((follow.user_id, follow.track_id), {})
        overall = Tally(
            total=counted.get(follow.track_id, (0, None))[0],
            done=by_status.get(Status.DONE, 0),
            doing=by_status.get(Status.DOING, 0),
            skipped=by_status.get(Status.SKIPPED, 0),
        )
        result.append(FollowedTrack(follow.track, overall, follow.user_id))
    return result


def count_topics(roots: list[Node]) -> int:
    return sum(1 for _ in walk(roots))


CONFIRMED = "confirmed"


def highlights(nodes: Iterable[Node], confirmed: Iterable[int] = ()) -> dict[str, str]:
    """Topic key -> status for the diagram: done, doing, skipped, or confirmed (a mentor signed
    off a done topic). Topics still to do are left out."""
    confirmed = set(confirmed)
    result = {}
    for node in nodes:
        if node.status == Status.TODO:
            continue
        if node.status == Status.DONE and node.topic.id in confirmed:
            result[node.topic.key] = CONFIRMED
        else:
            result[node.topic.key] = str(node.status)
    return result


@dataclass
class WeekCount:
    start: date
    count: int


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weekly_completions(
    user: AbstractBaseUser, weeks: int = 26, today: date | None = None
) -> list[WeekCount]:
    """Topics completed per week (Monday to Sunday, local time), oldest first, ending with the
    current week. Only topics done now count, each once: in the week it was last marked done,
    so a tick taken back is not a completion. One aggregate over the chart's weeks only."""
    today = today or timezone.localdate()
    first = week_start(today) - timedelta(weeks=weeks - 1)
    still_done = TopicProgress.objects.filter(
        user=user, topic=OuterRef("topic"), status=Status.DONE
    )
    rows = (
        ProgressEvent.objects.filter(user=user, to_status=Status.DONE, topic__retired=False)
        .filter(created_at__gte=timezone.make_aware(datetime.combine(first, time.min)))
        .filter(Exists(still_done))
        .order_by()
        .values("topic_id")
        .annotate(last=Max("created_at"))
        .values_list("topic_id", "last")
    )
    done_in_week: dict[date, int] = {}
    for _topic_id, last in rows:
        start = week_start(timezone.localdate(last))
        done_in_week[start] = done_in_week.get(start, 0) + 1
    return [
        WeekCount(start, done_in_week.get(start, 0))
        for start in (first + timedelta(weeks=i) for i in range(weeks))
    ]


def active_days(user: AbstractBaseUser, since: date | None = None) -> set[date]:
    """Local dates on which the user changed at least one status (from `since` on)."""
    events = ProgressEvent.objects.filter(user=user)
    if since is not None:
        events = events.filter(
            created_at__gte=timezone.make_aware(datetime.combine(since, time.min))
        )
    rows = events.annotate(day=TruncDate("created_at")).order_by().values_list("day", flat=True)
    return set(rows.distinct())


def streak_of(user: AbstractBaseUser, today: date, windows: Sequence[int] = (35, 400)) -> int:
    """`current_streak` of the user, reading only the days it needs: the last few weeks, and
    more only while the streak reaches back to the start of what was read (at most one query
    per window, then one for the whole history)."""
    for window in windows:
        since = today - timedelta(days=window)
        streak = current_streak(active_days(user, since), today)
        # The day before the streak was read and found empty: the streak is complete.
        if not streak or today - timedelta(days=streak) > since:
            return streak
    return current_streak(active_days(user), today)


def current_streak(days: set[date], today: date) -> int:
    """The run of consecutive active days ending today, or yesterday when today has no activity
    yet (the streak is not lost before the day is over)."""
    day = today if today in days else today - timedelta(days=1)
    streak = 0
    while day in days:
        streak += 1
        day -= timedelta(days=1)
    return streak
