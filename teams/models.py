"""Teams: leads follow a group of members on the same tracks.

A membership row exists only while the person is in the team: leaving or being removed
deletes it, so a former member drops out of every team view at once.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tracks.models import Track


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    tracks = models.ManyToManyField(
        Track, blank=True, related_name="teams", verbose_name=_("tracks")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Goes up whenever what the team's pages show changes (the team, its members, their
    # statuses: teams/signals.py), so that a page built for one version can be cached under it.
    version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("teams:team", args=[self.slug])


class MembershipQuerySet(models.QuerySet):
    def leads(self) -> MembershipQuerySet:
        return self.filter(role=Membership.Role.LEAD)

    def members(self) -> MembershipQuerySet:
        return self.filter(role=Membership.Role.MEMBER)


class Membership(models.Model):
    """A person in a team: a lead (sees the members' progress) or a member (is seen)."""

    class Role(models.TextChoices):
        LEAD = "lead", _("Lead")
        MEMBER = "member", _("Member")

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role, default=Role.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="membership_unique_team_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.team} ({self.role})"


class Invitation(models.Model):
    """A lead's invitation of one person; answered once, on the person's /me/ page."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_invitations"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=10, choices=State, default=State.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("team invitation")
        verbose_name_plural = _("team invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["team", "user"],
                condition=Q(state="pending"),
                name="team_invitation_unique_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.team} ({self.state})"


def new_token() -> str:
    return secrets.token_urlsafe(24)


class JoinLinkQuerySet(models.QuerySet):
    def usable(self) -> JoinLinkQuerySet:
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class JoinLink(models.Model):
    """A link anyone signed in can use to join, until it expires or a lead revokes it."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="join_links")
    token = models.CharField(max_length=64, unique=True, default=new_token)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = JoinLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("join link")
        verbose_name_plural = _("join links")

    def __str__(self) -> str:
        return f"{self.team} · {self.token[:6]}…"

    def get_absolute_url(self) -> str:
        return reverse("teams:join", args=[self.token])

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def expired(self) -> bool:
        return self.expires_at <= timezone.now()
