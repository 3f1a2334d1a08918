from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .models import Notification


def unread_notifications(request: HttpRequest) -> dict:
    """The header's unread count: one indexed count, only when a signed-in header asks."""

    def count() -> int:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.pk is None:
            return 0
        return Notification.objects.filter(recipient=user, read_at__isnull=True).count()

    return {"unread_notifications": SimpleLazyObject(count)}
