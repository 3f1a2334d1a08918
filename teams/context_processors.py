from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .models import Invitation, Membership


def teams(request: HttpRequest) -> dict:
    """`teams_nav`: whether the header links to the teams (the user is in one, or is staff);
    `team_invitations`: the invitations waiting for an answer, listed on /me/. Both lazy, so
    only a page that uses them asks the database."""
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated and user.pk is not None

    def in_a_team() -> bool:
        if not signed_in:
            return False
        return user.is_staff or Membership.objects.filter(user=user).exists()

    def invitations() -> list[Invitation]:
        if not signed_in:
            return []
        return list(
            Invitation.objects.filter(user=user, state=Invitation.State.PENDING)
            .select_related("team", "invited_by__profile")
            .order_by("created_at")
        )

    return {
        "teams_nav": SimpleLazyObject(in_a_team),
        "team_invitations": SimpleLazyObject(invitations),
    }
