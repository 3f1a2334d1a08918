"""The demo team for `manage.py load_demo`: `plataforma-ml`, led by bruno, with ana and five
generated members at different stages, so that the heatmap has something to show."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import timezone

from progress.models import ProgressEvent, TopicProgress
from progress.services import set_status
from tracks.models import Topic, Track

from . import services
from .models import Team

SLUG = "plataforma-ml"
# (username, display name, topics done, topics doing, topics skipped)
MEMBERS = [
    ("carla", "Carla (demo)", 40, 2, 1),
    ("diego", "Diego (demo)", 24, 1, 2),
    ("elisa", "Elisa (demo)", 14, 1, 0),
    ("fabio", "Fábio (demo)", 5, 1, 1),
    ("gabriela", "Gabriela (demo)", 0, 0, 0),
]


def load_team_demo(
    ana: AbstractBaseUser, bruno: AbstractBaseUser, track: Track, password: str
) -> Team | None:
    """Create the demo team once; a team with the slug already there is left alone."""
    if Team.objects.filter(slug=SLUG).exists():
        return None
    User = get_user_model()
    topics = list(
        Topic.objects.filter(track=track, retired=False, parent__isnull=False).order_by("order")
    )
    team = services.create_team("Plataforma ML", SLUG, bruno, [track])
    link = services.create_link(team, bruno)
    services.join_by_link(link, ana)
    now = timezone.now()
    for index, (username, display_name, done, doing, skipped) in enumerate(MEMBERS):
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(username, f"{username}@example.com", password)
            user.profile.display_name = display_name
            user.profile.save(update_fields=["display_name"])
        services.join_by_link(link, user)
        # Each member walks the track in its own order, so the nodes get different shades.
        order = topics[index * 3 :] + topics[: index * 3]
        for step, topic in enumerate(order[:done]):
            set_status(user, topic, "done")
            when = now - timedelta(days=2 * (done - step) + index)
            ProgressEvent.objects.filter(user=user, topic=topic).update(created_at=when)
            TopicProgress.objects.filter(user=user, topic=topic).update(updated_at=when)
        for offset, topic in enumerate(order[done : done + doing]):
            set_status(user, topic, "doing")
            # The first "doing" of some members is old: the team page lists them as stuck.
            days = 20 + index if offset == 0 and index % 2 == 0 else 3
            ProgressEvent.objects.filter(user=user, topic=topic).update(
                created_at=now - timedelta(days=days)
            )
            TopicProgress.objects.filter(user=user, topic=topic).update(
                updated_at=now - timedelta(days=days)
            )
        for topic in order[done + doing : done + doing + skipped]:
            set_status(user, topic, "skipped", reason="Já vi isso em outro curso")
    return team
