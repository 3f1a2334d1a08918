"""Any saved or deleted topic, resource or behaviour gives its track a new content version, so
that pages cached for the old version are not shown again (see `Track.content_version`)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver
from django.utils import timezone

from .models import ExpectedBehaviour, Resource, Topic, Track, TrackWrites, mark_track_changed


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


# A track page lists its related tracks (title and link, published ones only) in its cached
# part: a change to the relation, or to a related track, makes a new version of both sides.
@receiver(m2m_changed, sender=Track.related.through, dispatch_uid="tracks_related_changed")
def related_changed(
    sender: type, instance: Track, action: str, pk_set: set[int] | None = None, **kwargs: Any
) -> None:
    if action == "pre_clear":
        instance._related_before_clear = set(instance.related.values_list("pk", flat=True))
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    changed = {instance.pk, *(pk_set or ()), *getattr(instance, "_related_before_clear", ())}
    Track.objects.filter(pk__in=changed).update(updated_at=timezone.now())


@receiver(post_save, sender=Track, dispatch_uid="tracks_track_saved")
@receiver(pre_delete, sender=Track, dispatch_uid="tracks_track_deleted")
def track_saved_or_deleted(sender: type, instance: Track, raw: bool = False, **kwargs: Any) -> None:
    TrackWrites.note()
    if not raw:
        Track.objects.filter(related=instance).exclude(pk=instance.pk).update(
            updated_at=timezone.now()
        )
