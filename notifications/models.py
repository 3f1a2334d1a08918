"""What people are told about: one row per event and recipient, the kinds they muted, and the
weeks whose digest went out."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    MENTOR_INVITED = "mentor_invited", _("Someone invites me to be their mentor")
    INVITATION_ACCEPTED = "invitation_accepted", _("My mentor accepts my invitation")
    COMMENT_ADDED = "comment_added", _("A mentor comments on one of my topics")
    TOPIC_CONFIRMED = "topic_confirmed", _("A mentor confirms one of my topics")
    CHECKIN_SUBMITTED = "checkin_submitted", _("A mentee submits a check-in")
    CHECKIN_COMPLETED = "checkin_completed", _("A mentor completes my check-in")
    DIGEST = "digest", _("Weekly digest of my mentees' progress")


class Notification(models.Model):
    """One event told to one person; the text is drawn from `kind` and `context` when shown,
    in the reader's language."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=32, choices=Kind)
    context = models.JSONField(default=dict)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_recent"),
            # The header's unread count reads only this small index.
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} · {self.kind}"


class Mute(models.Model):
    """A kind of e-mail someone turned off."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="muted_notifications"
    )
    kind = models.CharField(max_length=32, choices=Kind)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="mute_unique_user_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.user} mutes {self.kind}"


class DigestSent(models.Model):
    """The weekly digest went to `user` for ISO week `week` ("2026-W49"): never twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    week = models.CharField(max_length=8)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "week"], name="digest_unique_user_week"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.week}"
