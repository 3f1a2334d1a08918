"""What a lead sees, counted in the database: a fixed number of queries per page, however
many members or topics the team has.

Only members count; leads are not part of their own heatmap. Members are always read through
`member_ids(team)`, a subquery on the current memberships, so someone who left is gone from
every figure on the next request.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Case, Count, IntegerField, Max, Q, QuerySet, Value, When
from django.utils import timezone

from progress.models import Note, ProgressEvent, Status, TopicProgress
from progress.stats import sections_of
from tracks.models import Topic, Track
from tracks.tree import Node, build_tree

from .models import Membership, Team

STUCK_AFTER = timedelta(days=14)
FEED_LENGTH = 20
BINS = 5


def member_ids(team: Team) -> QuerySet:
    return Membership.objects.filter(team=team, role=Membership.Role.MEMBER).values("user_id")


def members_of(team: Team) -> list[Membership]:
    return list(
        Membership.objects.members()
        .filter(team=team)
        .select_related("user__profile")
        .order_by("user__username")
    )


def percent(part: int, whole: int) -> int:
    # Rounded down, as everywhere in Trilha: 199 of 200 is 99%, never a 100% that is not true.
    return 100 * part // whole if whole else 0


def heat_bin(done: int, members: int) -> int:
    """0 when nobody is done, then quarters: 1 (under 25%), 2 (25–49%), 3 (50–74%), 4 (75%+)."""
    if not members or not done:
        return 0
    return 1 + min(3, 4 * done // members)


def counted_topics(roots: list[Node]) -> list[Node]:
    """The topics a percentage counts: all but the track's own root topic (see progress.stats)."""
    sections = sections_of(roots)
    if not sections and len(roots) == 1:
        return [roots[0]]
    return [node for section in sections for node in section.walk()]


# --- the team page: members × tracks -----------------------------------------------------


@dataclass
class Cell:
    track: Track
    done: int = 0
    total: int = 0
    last: datetime | None = None

    @property
    def percent(self) -> int:
        return percent(self.done, self.total)


@dataclass
class MemberRow:
    membership: Membership
    cells: list[Cell]

    @property
    def user(self) -> AbstractBaseUser:
        return self.membership.user

    @property
    def last_activity(self) -> datetime | None:
        return max((cell.last for cell in self.cells if cell.last), default=None)


@dataclass
class Overview:
    tracks: list[Track]
    rows: list[MemberRow]
    stuck: list[TopicProgress]
    feed: list[ProgressEvent]


SORTS = ("member", "activity")


def team_overview(team: Team, sort: str = "member") -> Overview:
    members = members_of(team)
    tracks = list(team.tracks.order_by("title"))
    topics_by_track: dict[int, list[Topic]] = {track.pk: [] for track in tracks}
    for topic in (
        Topic.objects.live().filter(track__in=tracks).only("id", "track_id", "parent_id", "order")
    ):
        topics_by_track[topic.track_id].append(topic)
    counted: set[int] = set()
    totals: dict[int, int] = {}
    for track_id, topics in topics_by_track.items():
        ids = [node.topic.id for node in counted_topics(build_tree(topics))]
        counted.update(ids)
        totals[track_id] = len(ids)
    figures = {
        (row["user_id"], row["topic__track_id"]): row
        for row in TopicProgress.objects.filter(
            user__in=member_ids(team), topic__track__in=tracks, topic__retired=False
        )
        .values("user_id", "topic__track_id")
        .annotate(
            done=Count("id", filter=Q(status=Status.DONE, topic_id__in=counted)),
            last=Max("updated_at"),
        )
        .order_by()
    }
    rows = []
    for membership in members:
        cells = []
        for track in tracks:
            row = figures.get((membership.user_id, track.pk), {})
            cells.append(Cell(track, row.get("done", 0), totals[track.pk], row.get("last")))
        rows.append(MemberRow(membership, cells))
    _sort_rows(rows, tracks, sort)
    stuck = list(
        TopicProgress.objects.filter(
            user__in=member_ids(team),
            topic__track__in=tracks,
            topic__retired=False,
            status=Status.DOING,
            updated_at__lt=timezone.now() - STUCK_AFTER,
        )
        .select_related("user__profile", "topic__track")
        .order_by("updated_at", "id")
    )
    feed = list(
        ProgressEvent.objects.filter(
            user__in=member_ids(team), topic__track__in=tracks, topic__retired=False
        )
        .select_related("user__profile", "topic__track", "actor__profile")
        .order_by("-created_at", "-id")[:FEED_LENGTH]
    )
    return Overview(tracks, rows, stuck, feed)


def _sort_rows(rows: list[MemberRow], tracks: Sequence[Track], sort: str) -> None:
    """Sort in place by `sort`: "member", "activity", or a track's slug (its % done); a
    leading "-" reverses. Ties and unknown keys fall back to the username."""
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    rows.sort(key=lambda row: row.user.get_username().lower())
    if key == "activity":
        never = datetime.min.replace(tzinfo=timezone.get_current_timezone())
        rows.sort(key=lambda row: row.last_activity or never, reverse=descending)
    elif (index := next((i for i, t in enumerate(tracks) if t.slug == key), None)) is not None:
        rows.sort(key=lambda row: row.cells[index].percent, reverse=descending)
    elif key == "member" and descending:
        rows.reverse()


# --- the track page: heatmap, outline and sections -----------------------------------------


@dataclass
class TopicFigures:
    node: Node
    members: int
    done: int = 0
    doing: int = 0
    skipped: int = 0
    children: list[TopicFigures] = field(default_factory=list)

    @property
    def topic(self) -> Topic:
        return self.node.topic

    @property
    def not_started(self) -> int:
        return self.members - self.done - self.doing - self.skipped

    @property
    def percent(self) -> int:
        return percent(self.done, self.members)

    @property
    def bin(self) -> int:
        return heat_bin(self.done, self.members)


@dataclass
class SectionCell:
    done: int
    total: int

    @property
    def percent(self) -> int:
        return percent(self.done, self.total)


@dataclass
class SectionRow:
    membership: Membership
    cells: list[SectionCell]
    overall: SectionCell
    skipped: int

    @property
    def user(self) -> AbstractBaseUser:
        return self.membership.user


@dataclass
class Heatmap:
    track: Track
    members: list[Membership]
    outline: list[TopicFigures]
    figures: dict[str, TopicFigures]  # by topic key
    sections: list[Node]
    section_totals: list[int]
    rows: list[SectionRow]

    @property
    def bins(self) -> dict[int, list[str]]:
        """Topic keys per heat bin, for the diagram's CSS."""
        result: dict[int, list[str]] = {level: [] for level in range(BINS)}
        for key, figures in self.figures.items():
            result[figures.bin].append(key)
        return result


def team_heatmap(team: Team, track: Track) -> Heatmap:
    """Per topic, how many members are done, doing and skipped; per member, % done by section.
    Four queries whatever the size of the team or the track."""
    members = members_of(team)
    topics = list(Topic.objects.for_track(track).live())
    for topic in topics:
        topic.track = track
    roots = build_tree(topics)
    by_topic = {
        row["topic_id"]: row
        for row in TopicProgress.objects.filter(
            user__in=member_ids(team), topic__track=track, topic__retired=False
        )
        .values("topic_id")
        .annotate(
            done=Count("id", filter=Q(status=Status.DONE)),
            doing=Count("id", filter=Q(status=Status.DOING)),
            skipped=Count("id", filter=Q(status=Status.SKIPPED)),
        )
        .order_by()
    }

    def figures_of(nodes: list[Node]) -> list[TopicFigures]:
        result = []
        for node in nodes:
            row = by_topic.get(node.topic.id, {})
            result.append(
                TopicFigures(
                    node,
                    len(members),
                    row.get("done", 0),
                    row.get("doing", 0),
                    row.get("skipped", 0),
                    figures_of(node.children),
                )
            )
        return result

    outline = figures_of(roots)
    figures: dict[str, TopicFigures] = {}
    stack = list(outline)
    while stack:
        item = stack.pop()
        figures[item.topic.key] = item
        stack.extend(item.children)

    sections = sections_of(roots)
    if not sections and len(roots) == 1:
        sections = roots
    section_of = {
        node.topic.id: index for index, section in enumerate(sections) for node in section.walk()
    }
    section_totals = [sum(1 for _ in section.walk()) for section in sections]
    rows = _section_rows(team, track, members, section_of, section_totals)
    return Heatmap(track, members, outline, figures, sections, section_totals, rows)


def _section_rows(
    team: Team,
    track: Track,
    members: list[Membership],
    section_of: dict[int, int],
    totals: list[int],
) -> list[SectionRow]:
    """Done per member and section, grouped in the database: a CASE maps each topic to its
    section (the tree lives in Python, so the mapping is sent with the query)."""
    counts: dict[tuple[int, int], tuple[int, int]] = {}
    if section_of:
        topic_ids: dict[int, list[int]] = {}
        for topic_id, index in section_of.items():
            topic_ids.setdefault(index, []).append(topic_id)
        section = Case(
            *(When(topic_id__in=ids, then=Value(index)) for index, ids in topic_ids.items()),
            default=Value(-1),
            output_field=IntegerField(),
        )
        grouped = (
            TopicProgress.objects.filter(
                user__in=member_ids(team), topic__track=track, topic_id__in=list(section_of)
            )
            .annotate(section=section)
            .values("user_id", "section")
            .annotate(
                done=Count("id", filter=Q(status=Status.DONE)),
                skipped=Count("id", filter=Q(status=Status.SKIPPED)),
            )
            .order_by()
        )
        for row in grouped:
            counts[(row["user_id"], row["section"])] = (row["done"], row["skipped"])
    rows = []
    for membership in members:
        cells = [
            SectionCell(counts.get((membership.user_id, index), (0, 0))[0], total)
            for index, total in enumerate(totals)
        ]
        skipped = sum(counts.get((membership.user_id, i), (0, 0))[1] for i in range(len(totals)))
        overall = SectionCell(sum(cell.done for cell in cells), sum(totals))
        rows.append(SectionRow(membership, cells, overall, skipped))
    return rows


# --- one topic: who is where ---------------------------------------------------------------


@dataclass
class TopicPeople:
    topic: Topic
    done: list[TopicProgress]
    doing: list[TopicProgress]
    skipped: list[TopicProgress]
    not_started: list[Membership]
    notes: list[Note]
    members: int


def topic_people(team: Team, topic: Topic) -> TopicPeople:
    """Members by their status on one topic, and the notes they shared with mentors on it
    (private notes never)."""
    members = members_of(team)
    rows = list(
        TopicProgress.objects.filter(user__in=member_ids(team), topic=topic)
        .select_related("user__profile")
        .order_by("user__username")
    )
    by_status: dict[str, list[TopicProgress]] = {status: [] for status in Status.values}
    for row in rows:
        by_status[row.status].append(row)
    started = {row.user_id for row in rows if row.status != Status.TODO}
    notes = list(
        Note.objects.filter(user__in=member_ids(team), topic=topic, shared=True)
        .select_related("user__profile")
        .order_by("-created_at", "-id")
    )
    return TopicPeople(
        topic,
        by_status[Status.DONE],
        by_status[Status.DOING],
        by_status[Status.SKIPPED],
        [m for m in members if m.user_id not in started],
        notes,
        len(members),
    )


def walk_figures(outline: list[TopicFigures]) -> Iterator[TopicFigures]:
    for item in outline:
        yield item
        yield from walk_figures(item.children)
