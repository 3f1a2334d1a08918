"""Writes that touch several progress models, as plain functions."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tracks.models import Topic, Track

from .models import Comment, Follow, ProgressEvent, Status, TopicProgress


def follow(user: AbstractBaseUser, track: Track) -> Follow:
    """Start (or resume) following a track; a resumed follow keeps all earlier progress."""
    follow, created = Follow.objects.get_or_create(user=user, track=track)
    if not created and not follow.active:
        follow.active = True
        follow.save(update_fields=["active"])
    return follow


def unfollow(user: AbstractBaseUser, track: Track) -> None:
    """Stop following a track. Statuses, events and notes stay: following again restores them."""
    Follow.objects.filter(user=user, track=track, active=True).update(active=False)


@dataclass
class StatusChange:
    progress: TopicProgress
    previous: str
    changed: bool
    event: ProgressEvent | None = None


def set_status(
    user: AbstractBaseUser,
    topic: Topic,
    status: str,
    reason: str = "",
    actor: AbstractBaseUser | None = None,
) -> StatusChange:
    """Set the user's status on a topic and record the change.

    The row is locked while it is read and written, so two identical submissions racing each
    other leave one TopicProgress and one ProgressEvent: the second one finds the status
    already set and records nothing. Setting a status on a track also follows it. On
    PostgreSQL the status counts behind curator insights move in the same transaction
    (triggers, see `progress.counts`).
    """
    status = Status(status)
    reason = reason.strip() if status == Status.SKIPPED else ""
    with transaction.atomic():
        progress, _created = TopicProgress.objects.select_for_update().get_or_create(
            user=user, topic=topic
        )
        previous = progress.status
        follow(user, topic.track)
        if previous == status:
            if progress.reason != reason:
                progress.reason = reason
                progress.save(update_fields=["reason", "updated_at"])
            return StatusChange(progress, previous, changed=False)
        progress.status = status
        progress.reason = reason
        update_fields = ["status", "reason", "updated_at"]
        if status != Status.DONE and progress.confirmed_by_id is not None:
            # A mentor signed off a done topic; the sign-off no longer applies.
            progress.confirmed_by = None
            progress.confirmed_at = None
            update_fields += ["confirmed_by", "confirmed_at"]
        progress.save(update_fields=update_fields)
        event = ProgressEvent.objects.create(
            user=user,
            topic=topic,
            actor=actor or user,
            from_status=previous,
            to_status=status,
            reason=reason,
        )
    return StatusChange(progress, previous, changed=True, event=event)


# --- mentor feedback ---------------------------------------------------------------------
# Access is the views' business (an active mentorship); these functions only keep the data
# consistent. A sign-off is not written to ProgressEvent: that history is the learner's own
# status changes, which completions per week and streaks count.


class NotDone(ValueError):
    """Only a topic the learner marked done can be signed off."""

    message = _("Only a done topic can be confirmed.")


def confirm(mentor: AbstractBaseUser, mentee: AbstractBaseUser, topic: Topic) -> TopicProgress:
    """Sign off the mentee's done topic. A topic already signed off keeps its first sign-off."""
    with transaction.atomic():
        progress = (
            TopicProgress.objects.select_for_update().filter(user=mentee, topic=topic).first()
        )
        if progress is None or progress.status != Status.DONE:
            raise NotDone(NotDone.message)
        if progress.confirmed_by_id is None:
            progress.confirmed_by = mentor
            progress.confirmed_at = timezone.now()
            progress.save(update_fields=["confirmed_by", "confirmed_at"])
    return progress


def unconfirm(mentor: AbstractBaseUser, mentee: AbstractBaseUser, topic: Topic) -> bool:
    """Withdraw the mentor's own sign-off; another mentor's stays. True if one was withdrawn."""
    withdrawn = TopicProgress.objects.filter(user=mentee, topic=topic, confirmed_by=mentor).update(
        confirmed_by=None, confirmed_at=None
    )
    return withdrawn > 0


def add_comment(
    mentor: AbstractBaseUser, mentee: AbstractBaseUser, topic: Topic, body: str
) -> Comment:
    return Comment.objects.create(author=mentor, mentee=mentee, topic=topic, body=body.strip())
