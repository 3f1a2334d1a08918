"""Check-ins on pages that belong to `progress`: a mentee's track page, the mentoring page and
the curators' insights. Each tag runs a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field

from django import template
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Count, Exists, OuterRef

from progress.models import Mentorship
from tracks.models import ExpectedBehaviour, Track

from ..models import CheckIn, Level, MentorRating, Rating

register = template.Library()


@register.simple_tag
def mentee_checkins(mentee: AbstractBaseUser, track: Track) -> list[CheckIn]:
    """A mentee's submitted and completed check-ins on a track, newest first."""
    return list(
        CheckIn.objects.filter(user=mentee, track=track).shared().order_by("-submitted_at", "-id")
    )


@register.simple_tag(takes_context=True)
def checkins_waiting(context: template.Context, mentee: AbstractBaseUser) -> list[CheckIn]:
    """The mentee's check-ins waiting for the signed-in mentor. One query for all the mentees
    of the page, kept on the request."""
    request = context["request"]
    waiting = getattr(request, "_checkins_waiting", None)
    if waiting is None:
        mentoring = Mentorship.objects.active().filter(mentor=request.user, mentee=OuterRef("user"))
        waiting = {}
        for checkin in (
            CheckIn.objects.filter(state=CheckIn.State.SUBMITTED)
            .filter(Exists(mentoring))
            .select_related("track")
            .order_by("submitted_at", "id")
        ):
            waiting.setdefault(checkin.user_id, []).append(checkin)
        request._checkins_waiting = waiting
    return waiting.get(mentee.pk, [])


@dataclass
class BehaviourCounts:
    behaviour: ExpectedBehaviour
    own: list[int] = field(default_factory=lambda: [0] * len(Level.values))
    mentors: list[int] = field(default_factory=lambda: [0] * len(Level.values))

    @property
    def levels(self) -> list[tuple[str, int, int]]:
        return [
            (Level(value).label, self.own[index], self.mentors[index])
            for index, value in enumerate(Level.values)
        ]


@register.simple_tag
def behaviour_insights(track: Track) -> list[BehaviourCounts]:
    """Per live behaviour: how many learners gave themselves each level in their latest
    submitted check-in on the track, and how many mentor ratings each level got in those
    check-ins. Counts only; three queries whatever the number of learners."""
    later = CheckIn.objects.shared().filter(
        user=OuterRef("user"), track=track, submitted_at__gt=OuterRef("submitted_at")
    )
    latest = CheckIn.objects.shared().filter(track=track).filter(~Exists(later)).values("pk")
    rows = {
        behaviour.pk: BehaviourCounts(behaviour)
        for behaviour in track.behaviours.live().order_by("order", "id")
    }
    index = {value: position for position, value in enumerate(Level.values)}
    for behaviour_id, level, count in (
        Rating.objects.filter(checkin__in=latest, behaviour_id__in=rows, level__isnull=False)
        .values_list("behaviour_id", "level")
        .annotate(count=Count("id"))
        .order_by()
    ):
        rows[behaviour_id].own[index[level]] = count
    for behaviour_id, level, count in (
        MentorRating.objects.filter(
            checkin__in=latest.filter(state=CheckIn.State.COMPLETED),
            behaviour_id__in=rows,
            level__isnull=False,
        )
        .values_list("behaviour_id", "level")
        .annotate(count=Count("id"))
        .order_by()
    ):
        rows[behaviour_id].mentors[index[level]] = count
    return list(rows.values())
