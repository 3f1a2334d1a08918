"""Demo check-ins for `load_demo`: Ana has two on the ML track, the second rated by Bruno."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import timezone

from tracks.models import Track

from . import services
from .models import CheckIn, Level

# Ana's levels in her first and second check-in, and Bruno's in the second, per behaviour in
# order; a track with more behaviours repeats the pattern.
FIRST = [1, 2, 1, 2, 2, 1, 2, 1, 2, 2]
SECOND = [2, 3, 2, 3, 3, 2, 4, 2, 3, 3]
MENTOR = [2, 3, 2, 1, 3, 3, 2, 2, 3, 4]


def load_demo_checkins(ana: AbstractBaseUser, bruno: AbstractBaseUser, track: Track) -> None:
    """Needs Ana following the track with Bruno as her active mentor."""
    behaviours = list(track.behaviours.live().order_by("order", "id"))
    topic = track.topics.filter(retired=False, parent__isnull=False).order_by("order").first()
    link = f" (#{topic.key})" if topic else ""
    now = timezone.now()
    for weeks_ago, levels in ((8, FIRST), (2, SECOND)):
        checkin = services.start_checkin(ana, track)
        for index, behaviour in enumerate(behaviours):
            level = levels[index % len(levels)]
            evidence = f"Exemplo do trabalho desta fase{link}." if level >= Level.SOMETIMES else ""
            services.save_rating(checkin, behaviour, level, evidence)
        services.submit_checkin(checkin)
        when = now - timedelta(weeks=weeks_ago)
        CheckIn.objects.filter(pk=checkin.pk).update(created_at=when, submitted_at=when)
    for index, behaviour in enumerate(behaviours):
        level = MENTOR[index % len(MENTOR)]
        comment = "Vejo isso no dia a dia." if level >= Level.CONSISTENTLY else "Vamos conversar."
        services.save_mentor_rating(bruno, checkin, behaviour, level, comment)
    services.complete_checkin(bruno, checkin)
    CheckIn.objects.filter(pk=checkin.pk).update(completed_at=now - timedelta(weeks=1))
