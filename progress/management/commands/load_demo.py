"""Demo accounts for trying Trilha on a laptop: a learner, her mentor and a curator.

`make run` calls it. It refuses to run with DEBUG off (a deployment must not get accounts
with a published password) and leaves existing accounts alone, so running it again is safe.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from checkins.demo import load_demo_checkins
from progress.models import Mentorship, Note, ProgressEvent
from progress.services import add_comment, confirm, set_status
from teams.demo import load_team_demo
from tracks.models import Topic, Track

PASSWORD = "trilha-demo"
TRACK = "engenharia-de-machine-learning"
# (username, display name, staff)
ACCOUNTS = [
    ("ana", "Ana (demo)", False),
    ("bruno", "Bruno (demo)", False),
    ("curadora", "Curadora (demo)", True),
]


class Command(BaseCommand):
    help = "Create the demo accounts ana (learner), bruno (her mentor) and curadora (curator)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="run even with DEBUG off (not for production)"
        )

    def handle(self, *args, force: bool = False, **options) -> None:
        if not settings.DEBUG and not force:
            raise CommandError("DEBUG is off: demo accounts are for development (use --force).")
        User = get_user_model()
        if User.objects.filter(username__in=[name for name, _d, _s in ACCOUNTS]).exists():
            self.stdout.write("Demo accounts already exist; nothing changed.")
            return
        track = Track.objects.filter(slug=TRACK).first()
        if track is None:
            raise CommandError(f"Import the shipped tracks first: track {TRACK!r} is missing.")
        with transaction.atomic():
            users = {}
            for username, display_name, staff in ACCOUNTS:
                user = User.objects.create_user(
                    username, f"{username}@example.com", PASSWORD, is_staff=staff
                )
                user.profile.display_name = display_name
                user.profile.save(update_fields=["display_name"])
                users[username] = user
            self._progress(users["ana"], users["bruno"], track)
            load_team_demo(users["ana"], users["bruno"], track, PASSWORD)
        names = ", ".join(name for name, _d, _s in ACCOUNTS)
        self.stdout.write(f"Demo accounts {names}; password: {PASSWORD}")

    def _progress(self, ana, bruno, track: Track) -> None:
        """Some weeks of Ana's work on the ML track, and Bruno's feedback on it."""
        # The first leaves in tree order (a root's "order" runs through the whole track).
        leaves = list(
            Topic.objects.filter(track=track, retired=False, parent__isnull=False)
            .exclude(children__retired=False)
            .order_by("order")[:11]
        )
        now = timezone.now()
        for weeks_ago, topic in zip(range(11, -1, -1), leaves[:9], strict=False):
            set_status(ana, topic, "done")
            ProgressEvent.objects.filter(user=ana, topic=topic).update(
                created_at=now - timedelta(weeks=weeks_ago, days=weeks_ago % 3)
            )
        set_status(ana, leaves[9], "doing")
        set_status(ana, leaves[10], "skipped", reason="Já uso no trabalho")
        Note.objects.create(
            user=ana,
            topic=leaves[0],
            shared=True,
            body="Resumo: **revisar** os exemplos do capítulo 2 antes de seguir.",
        )
        Note.objects.create(user=ana, topic=leaves[9], body="Dúvida para a próxima conversa.")
        Mentorship.objects.create(mentor=bruno, mentee=ana, state=Mentorship.State.ACTIVE)
        confirm(bruno, ana, leaves[0])
        add_comment(bruno, ana, leaves[9], "Bom ponto de partida; veja também a documentação.")
        load_demo_checkins(ana, bruno, track)
