"""Writes of check-ins, as plain functions: each says what it guarantees.

A check-in moves draft → submitted → completed. A draft is the learner's alone: they rate
the track's live behaviours over as many days as they like, then submit it to their active
mentors. Any of those mentors rates it and completes it; from then on it is read-only.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from notifications.services import notify_checkin_completed, notify_checkin_submitted
from progress.models import Follow, Mentorship
from tracks.models import ExpectedBehaviour, Track

from .models import CheckIn, MentorRating, Rating


class CheckInError(Exception):
    """A check-in action refused; the message says why, for the person who tried it."""


def draft_of(user: AbstractBaseUser, track: Track) -> CheckIn | None:
    return CheckIn.objects.filter(user=user, track=track, state=CheckIn.State.DRAFT).first()


def start_checkin(user: AbstractBaseUser, track: Track) -> CheckIn:
    """The learner's draft on this track: the one they have, or a new one.

    A new draft starts from the learner's latest submitted check-in (levels and evidence of
    the behaviours still live), so that a check-in records what changed since. At most one
    draft per learner and track, even when two requests race (a database constraint).
    """
    if not Follow.objects.filter(user=user, track=track, active=True).exists():
        raise CheckInError(_("Start the track first: check-ins are for tracks you follow."))
    draft = draft_of(user, track)
    if draft is not None:
        return draft
    previous = CheckIn.objects.filter(user=user, track=track).shared().first()
    try:
        with transaction.atomic():
            draft = CheckIn.objects.create(user=user, track=track)
            if previous is not None:
                Rating.objects.bulk_create(
                    Rating(
                        checkin=draft,
                        behaviour_id=rating.behaviour_id,
                        level=rating.level,
                        evidence=rating.evidence,
                    )
                    for rating in previous.ratings.filter(behaviour__retired=False)
                )
    except IntegrityError:
        return draft_of(user, track)
    return draft


def _locked(checkin: CheckIn) -> CheckIn:
    return CheckIn.objects.select_for_update().get(pk=checkin.pk)


def save_rating(
    checkin: CheckIn, behaviour: ExpectedBehaviour, level: int | None, evidence: str
) -> Rating:
    """Record the learner's level and evidence for one behaviour of their draft. The draft is
    locked while written, so a submit racing it never sees half a rating."""
    with transaction.atomic():
        if _locked(checkin).state != CheckIn.State.DRAFT:
            raise CheckInError(_("This check-in was submitted; it can no longer change."))
        rating, _created = Rating.objects.update_or_create(
            checkin=checkin, behaviour=behaviour, defaults={"level": level, "evidence": evidence}
        )
    return rating


def active_mentor_ids(user: AbstractBaseUser) -> list[int]:
    return list(Mentorship.objects.active().filter(mentee=user).values_list("mentor_id", flat=True))


def submit_checkin(checkin: CheckIn) -> CheckIn:
    """Send the learner's draft to their active mentors.

    Refused (CheckInError, nothing changed) unless every live behaviour of the track has a
    level and the learner has an active mentor. From here on the learner's ratings are
    read-only. Mentors are told on the mentoring page; each active mentor
    is notified (e-mail after the transaction commits).
    """
    with transaction.atomic():
        checkin = _locked(checkin)
        if checkin.state != CheckIn.State.DRAFT:
            raise CheckInError(_("This check-in was already submitted."))
        rated = set(
            checkin.ratings.filter(level__isnull=False).values_list("behaviour_id", flat=True)
        )
        unrated = [
            behaviour.text
            for behaviour in ExpectedBehaviour.objects.filter(track_id=checkin.track_id)
            .live()
            .order_by("order", "id")
            if behaviour.pk not in rated
        ]
        if unrated:
            raise CheckInError(
                _("Pick a level for every behaviour before submitting; still missing: %(list)s")
                % {"list": "; ".join(unrated)}
            )
        if not active_mentor_ids(checkin.user):
            raise CheckInError(
                _("You have no active mentor to submit to: invite one on the Mentors page.")
            )
        checkin.state = CheckIn.State.SUBMITTED
        checkin.submitted_at = timezone.now()
        checkin.save(update_fields=["state", "submitted_at"])
        learner = checkin.user
        for mentor in get_user_model().objects.filter(pk__in=active_mentor_ids(learner)):
            url = reverse(
                "checkins:review",
                args=[learner.get_username(), checkin.track.slug, checkin.pk],
            )
            notify_checkin_submitted(
                learner=learner, mentor=mentor, title=_checkin_title(checkin), url=url
            )
    return checkin


def save_mentor_rating(
    mentor: AbstractBaseUser,
    checkin: CheckIn,
    behaviour: ExpectedBehaviour,
    level: int | None,
    comment: str,
) -> MentorRating:
    """Record a mentor's level and comment for one behaviour of a submitted check-in."""
    with transaction.atomic():
        if _locked(checkin).state != CheckIn.State.SUBMITTED:
            raise CheckInError(_("This check-in is completed; it can no longer change."))
        rating, _created = MentorRating.objects.update_or_create(
            checkin=checkin,
            behaviour=behaviour,
            mentor=mentor,
            defaults={"level": level, "comment": comment},
        )
    return rating


def complete_checkin(mentor: AbstractBaseUser, checkin: CheckIn) -> CheckIn:
    """Close a submitted check-in once the mentor rated each of its behaviours.

    Refused (CheckInError, nothing changed) while a behaviour lacks the mentor's level. The
    learner then sees the mentors' ratings and comments; the learner is
    notified (e-mail after the transaction commits).
    """
    with transaction.atomic():
        checkin = _locked(checkin)
        if checkin.state != CheckIn.State.SUBMITTED:
            raise CheckInError(_("This check-in is already completed."))
        rated = set(
            MentorRating.objects.filter(
                checkin=checkin, mentor=mentor, level__isnull=False
            ).values_list("behaviour_id", flat=True)
        )
        missing = [
            rating.behaviour.text
            for rating in checkin.ratings.select_related("behaviour").order_by(
                "behaviour__order", "behaviour_id"
            )
            if rating.level is not None and rating.behaviour_id not in rated
        ]
        if missing:
            raise CheckInError(
                _("Give your level for every behaviour before completing; still missing: %(list)s")
                % {"list": "; ".join(missing)}
            )
        checkin.state = CheckIn.State.COMPLETED
        checkin.completed_at = timezone.now()
        checkin.completed_by = mentor
        checkin.save(update_fields=["state", "completed_at", "completed_by"])
        url = reverse("checkins:checkin", args=[checkin.track.slug, checkin.pk])
        notify_checkin_completed(
            mentor=mentor, learner=checkin.user, title=_checkin_title(checkin), url=url
        )
    return checkin


def _checkin_title(checkin: CheckIn) -> str:
    """How a notification names the check-in: its track and the day it was started."""
    started = timezone.localdate(checkin.created_at)
    return f"{checkin.track.title}, {date_format(started, 'SHORT_DATE_FORMAT')}"
