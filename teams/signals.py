"""Give a team a new `Team.version` whenever its pages would show something else: the team
itself, its tracks or members, a member's name or any status of a member. Code that writes
those rows in bulk calls `teams_changed` itself, and on PostgreSQL a status change gives the
teams their new version in its own statement (progress.services)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from progress.models import TopicProgress

from .models import Membership, Team


def teams_changed(**lookup: Any) -> None:
    Team.objects.filter(**lookup).update(version=F("version") + 1)


@receiver(post_save, sender=Team, dispatch_uid="teams_team_saved")
def team_saved(sender: type, instance: Team, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        teams_changed(pk=instance.pk)


@receiver(m2m_changed, sender=Team.tracks.through, dispatch_uid="teams_tracks_changed")
def team_tracks_changed(sender: type, instance: Any, action: str, **kwargs: Any) -> None:
    if action.startswith("post_") and isinstance(instance, Team):
        teams_changed(pk=instance.pk)


@receiver(post_save, sender=Membership, dispatch_uid="teams_membership_saved")
@receiver(post_delete, sender=Membership, dispatch_uid="teams_membership_deleted")
def membership_changed(sender: type, instance: Membership, raw: bool = False, **kwargs) -> None:
    if not raw:
        teams_changed(pk=instance.team_id)


# Statuses are only deleted with their learner (whose memberships go too) or their topic (which
# gives the track a new version): no delete receiver, so that those deletions stay fast.
@receiver(post_save, sender=TopicProgress, dispatch_uid="teams_progress_saved")
def progress_changed(sender: type, instance: TopicProgress, raw: bool = False, **kwargs) -> None:
    if not raw:
        teams_changed(memberships__user_id=instance.user_id)


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="teams_user_saved")
def user_saved(
    sender: type, instance: Any, raw: bool = False, update_fields: Any = None, **kwargs: Any
) -> None:
    # A log-in only stamps last_login, which no team page shows.
    if raw or (update_fields is not None and set(update_fields) <= {"last_login"}):
        return
    teams_changed(memberships__user_id=instance.pk)
