from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .models import Invitation


def teams(request: HttpRequest) -> dict:
    """`team_invitations`: the invitations waiting for an answer, listed on /me/. Lazy, so only
    a page that lists them asks the database (the header's `teams_nav` comes with the other
    header facts, from `progress.context_processors.header`)."""
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated and user.pk is not None

    def invitations() -> list[Invitation]:
        if not signed_in:
            return []
        return list(
            Invitation.objects.filter(user=user, state=Invitation.State.PENDING)
            .select_related("team", "invited_by__profile")
            .order_by("created_at")
        )

    return {
        "team_invitations": SimpleLazyObject(invitations),
    }
