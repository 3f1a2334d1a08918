from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .models import Mentorship


def mentoring_nav(request: HttpRequest) -> dict:
    """Whether the header links to the mentoring page: the user mentors someone or has an
    invitation to answer. Lazy, so only a page that draws the header for a signed-in user asks
    the database; pages that already know set `mentoring_nav` themselves."""

    def is_mentor() -> bool:
        # Error pages can be drawn for a request without a (saved) user.
        user = getattr(request, "user", None)
        return (
            user is not None
            and user.is_authenticated
            and user.pk is not None
            and Mentorship.objects.filter(
                mentor=user, state__in=[Mentorship.State.INVITED, Mentorship.State.ACTIVE]
            ).exists()
        )

    return {"mentoring_nav": SimpleLazyObject(is_mentor)}
