"""Check-in results a lead sees: per member, the latest check-in on a track that they
submitted to their mentors. Drafts are the member's alone and never read here; mentors' levels
and comments count once a mentor completed the check-in, as for the member.

Members are read through `member_ids(team)` like every team figure, so someone who left is
gone on the next request; each page runs a fixed number of queries, whatever the number of
members or behaviours.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import F, Min, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils.safestring import SafeString

from checkins.evidence import render_evidence, topic_keys
from checkins.models import CheckIn, Level, MentorRating, Rating
from tracks.models import ExpectedBehaviour, Track

from .models import Membership, Team
from .stats import member_ids, members_of

LEVELS = Level.values  # 1 to 4


def latest_checkins(track: Track, users: QuerySet) -> QuerySet[CheckIn]:
    """Each user's latest submitted or completed check-in on the track (one per user)."""
    return (
        CheckIn.objects.shared()
        .filter(track=track, user__in=users)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("user_id")],
                order_by=[F("submitted_at").desc(nulls_last=True), F("id").desc()],
            )
        )
        .filter(rank=1)
    )


@dataclass
class Cell:
    """One behaviour of one member's check-in: their level, and the mentors' (the lowest,
    where several rated) once the check-in is completed."""

    own: int | None = None
    mentor: int | None = None


@dataclass
class MemberResult:
    membership: Membership
    checkin: CheckIn | None
    cells: list[Cell] = field(default_factory=list)  # per behaviour, in order

    @property
    def user(self) -> AbstractBaseUser:
        return self.membership.user


@dataclass
class LevelCounts:
    """How many members gave themselves each level on one behaviour, and how many got it
    from their mentors."""

    behaviour: ExpectedBehaviour
    own: list[int] = field(default_factory=lambda: [0] * len(LEVELS))
    mentors: list[int] = field(default_factory=lambda: [0] * len(LEVELS))

    @property
    def levels(self) -> list[tuple[int, int]]:
        return list(zip(self.own, self.mentors, strict=True))


@dataclass
class TeamResults:
    behaviours: list[ExpectedBehaviour]
    rows: list[MemberResult]
    counts: list[LevelCounts]

    @property
    def shared(self) -> int:
        """Members with a check-in to read."""
        return sum(1 for row in self.rows if row.checkin is not None)


def team_results(team: Team, track: Track) -> TeamResults:
    """Members × behaviours of the track, from each member's latest shared check-in, and the
    count of members per level and behaviour. Five queries whatever the team's size."""
    members = members_of(team)
    checkins = {
        checkin.user_id: checkin for checkin in latest_checkins(track, member_ids(team)).order_by()
    }
    ids = [checkin.pk for checkin in checkins.values()]
    own = {
        (checkin_id, behaviour_id): level
        for checkin_id, behaviour_id, level in Rating.objects.filter(
            checkin_id__in=ids
        ).values_list("checkin_id", "behaviour_id", "level")
    }
    completed = [c.pk for c in checkins.values() if c.state == CheckIn.State.COMPLETED]
    mentor = {
        (row["checkin_id"], row["behaviour_id"]): row["level"]
        for row in MentorRating.objects.filter(checkin_id__in=completed, level__isnull=False)
        .values("checkin_id", "behaviour_id")
        .annotate(level=Min("level"))
        .order_by()
    }
    # Live behaviours, then any retired since that a member's latest check-in still rates.
    rated = {behaviour_id for _checkin, behaviour_id in own}
    behaviours = list(
        ExpectedBehaviour.objects.filter(track=track)
        .filter(Q(retired=False) | Q(pk__in=rated))
        .order_by("retired", "order", "id")
    )
    counts = [LevelCounts(behaviour) for behaviour in behaviours]
    rows = []
    for membership in members:
        checkin = checkins.get(membership.user_id)
        if checkin is None:
            rows.append(MemberResult(membership, None))
            continue
        cells = []
        for behaviour, tally in zip(behaviours, counts, strict=True):
            cell = Cell(own.get((checkin.pk, behaviour.pk)), mentor.get((checkin.pk, behaviour.pk)))
            if cell.own:
                tally.own[cell.own - 1] += 1
            if cell.mentor:
                tally.mentors[cell.mentor - 1] += 1
            cells.append(cell)
        rows.append(MemberResult(membership, checkin, cells))
    return TeamResults(behaviours, rows, counts)


# --- one member's check-in -----------------------------------------------------------------


@dataclass
class ResultItem:
    """One behaviour of a member's check-in, read-only."""

    rating: Rating
    evidence_html: SafeString
    mentor_ratings: list[MentorRating]

    @property
    def behaviour(self) -> ExpectedBehaviour:
        return self.rating.behaviour


def member_result(
    track: Track, user: AbstractBaseUser, topic_base: str
) -> tuple[CheckIn | None, list[ResultItem]]:
    """The member's latest shared check-in on the track, behaviour by behaviour: their level
    and evidence (topic references lead to `topic_base` + key), and once completed the
    mentors' levels and comments. Four queries."""
    checkin = (
        CheckIn.objects.shared()
        .filter(user=user, track=track)
        .order_by(F("submitted_at").desc(nulls_last=True), "-id")
        .first()
    )
    if checkin is None:
        return None, []
    checkin.user = user
    checkin.track = track
    keys = topic_keys(track)
    mentor_ratings: dict[int, list[MentorRating]] = {}
    if checkin.state == CheckIn.State.COMPLETED:
        for mentor_rating in checkin.mentor_ratings.select_related("mentor__profile").order_by(
            "mentor__username", "id"
        ):
            mentor_ratings.setdefault(mentor_rating.behaviour_id, []).append(mentor_rating)
    items = [
        ResultItem(
            rating,
            render_evidence(rating.evidence, track, keys, topic_base=topic_base),
            mentor_ratings.get(rating.behaviour_id, []),
        )
        for rating in checkin.ratings.select_related("behaviour").order_by(
            "behaviour__retired", "behaviour__order", "behaviour_id"
        )
    ]
    return checkin, items
