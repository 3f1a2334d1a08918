"""Writes that touch several progress models, as plain functions."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from tracks.models import Topic, Track

from .models import Follow, ProgressEvent, Status, TopicProgress


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
    already set and records nothing. Setting a status on a track also follows it.
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
