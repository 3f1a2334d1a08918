"""Any saved or deleted topic, resource or behaviour gives its track a new content version, so
that pages cached for the old version are not shown again (see `Track.content_version`)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from .models import ExpectedBehaviour, Resource, Topic, Track, mark_track_changed


@receiver(post_save, sender=Topic, dispatch_uid="tracks_topic_saved")
@receiver(post_delete, sender=Topic, dispatch_uid="tracks_topic_deleted")
@receiver(post_save, sender=ExpectedBehaviour, dispatch_uid="tracks_behaviour_saved")
@receiver(post_delete, sender=ExpectedBehaviour, dispatch_uid="tracks_behaviour_deleted")
def track_content_changed(sender: type, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        mark_track_changed(instance.track_id)


@receiver(post_save, sender=Resource, dispatch_uid="tracks_resource_saved")
@receiver(post_delete, sender=Resource, dispatch_uid="tracks_resource_deleted")
def resource_changed(sender: type, instance: Resource, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        track = Topic.objects.filter(pk=instance.topic_id).values("track_id")
        Track.objects.filter(pk__in=track).update(updated_at=timezone.now())
