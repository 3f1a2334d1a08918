"""A learner's check-ins on a track, read back: ratings per behaviour over time, and gaps.

Everything comes from a fixed number of queries, whatever the number of check-ins or
behaviours (the history page asserts it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Q
from django.utils.translation import gettext as _

from tracks.models import ExpectedBehaviour, Track

from .models import CheckIn, Level, MentorRating, Rating


def level_label(level: int | None) -> str:
    return str(Level(level).label) if level else "—"


# A mentor below this level, or two steps or more from the learner, flags a gap.
EXPECTED_LEVEL = Level.CONSISTENTLY
GAP_STEPS = 2


@dataclass
class Point:
    checkin: CheckIn
    level: int | None  # the learner's
    mentor_levels: list[int] = field(default_factory=list)

    @property
    def mentor_level(self) -> int | None:
        """The lowest of the mentors' levels: the one a conversation should start from."""
        return min(self.mentor_levels) if self.mentor_levels else None

    @property
    def label(self) -> str:
        return level_label(self.level)

    @property
    def mentor_label(self) -> str:
        return level_label(self.mentor_level)


@dataclass
class Series:
    number: int
    behaviour: ExpectedBehaviour
    points: list[Point]


@dataclass
class Gap:
    behaviour: ExpectedBehaviour
    level: int | None
    mentor_level: int
    reasons: list[str]

    @property
    def label(self) -> str:
        return Level(self.level).label if self.level else "—"

    @property
    def mentor_label(self) -> str:
        return Level(self.mentor_level).label


@dataclass
class History:
    checkins: list[CheckIn]  # submitted or completed, oldest first
    series: list[Series]
    gaps: list[Gap]
    gaps_checkin: CheckIn | None  # the completed check-in the gaps come from

    @property
    def completed(self) -> list[CheckIn]:
        return [c for c in self.checkins if c.state == CheckIn.State.COMPLETED]


def find_gaps(level: int | None, mentor_levels: list[int]) -> list[str]:
    reasons = []
    lowest = min(mentor_levels)
    if lowest < EXPECTED_LEVEL:
        reasons.append(_("a mentor rated it below Consistently"))
    if level is not None and any(abs(level - other) >= GAP_STEPS for other in mentor_levels):
        reasons.append(_("you and a mentor are two steps or more apart"))
    return reasons


def learner_history(user: AbstractBaseUser, track: Track) -> History:
    """The learner's submitted and completed check-ins on the track, oldest first, with their
    levels and, for completed ones, their mentors' levels. Four queries."""
    checkins = list(
        CheckIn.objects.filter(user=user, track=track).shared().order_by("submitted_at", "id")
    )
    ids = [c.pk for c in checkins]
    completed = {c.pk for c in checkins if c.state == CheckIn.State.COMPLETED}
    levels: dict[tuple[int, int], int | None] = {}
    for checkin_id, behaviour_id, level in Rating.objects.filter(checkin_id__in=ids).values_list(
        "checkin_id", "behaviour_id", "level"
    ):
        levels[checkin_id, behaviour_id] = level
    mentor_levels: dict[tuple[int, int], list[int]] = {}
    # Mentors' ratings count once the check-in is completed: until then they are a draft.
    for checkin_id, behaviour_id, level in MentorRating.objects.filter(
        checkin_id__in=completed, level__isnull=False
    ).values_list("checkin_id", "behaviour_id", "level"):
        mentor_levels.setdefault((checkin_id, behaviour_id), []).append(level)
    rated = {behaviour_id for _checkin, behaviour_id in levels}
    behaviours = list(
        ExpectedBehaviour.objects.filter(track=track)
        .filter(Q(retired=False) | Q(pk__in=rated))
        .order_by("retired", "order", "id")
    )
    series = [
        Series(
            number,
            behaviour,
            [
                Point(
                    checkin,
                    levels.get((checkin.pk, behaviour.pk)),
                    sorted(mentor_levels.get((checkin.pk, behaviour.pk), [])),
                )
                for checkin in checkins
            ],
        )
        for number, behaviour in enumerate(behaviours, start=1)
    ]
    gaps_checkin = next((c for c in reversed(checkins) if c.pk in completed), None)
    gaps = []
    if gaps_checkin is not None:
        for behaviour in behaviours:
            key = (gaps_checkin.pk, behaviour.pk)
            if key not in mentor_levels:
                continue
            reasons = find_gaps(levels.get(key), mentor_levels[key])
            if reasons:
                gaps.append(Gap(behaviour, levels.get(key), min(mentor_levels[key]), reasons))
    return History(checkins, series, gaps, gaps_checkin)
