"""Fill a database with realistic learners for the benchmark (`python -m tests.perf.bench`).

    python manage.py seed_load --users 100000

Learners follow the machine learning track from tracks/content (imported when missing) with
about 30 statuses, 60 status changes and 5 notes each; some of them also follow a generated
600-topic track. Besides them: a mentor with 50 active mentees, a learner with 10,000 status
changes, a curator, and the lead of a team of 200 of the learners on the machine learning
track (usernames in `ACCOUNTS`). Rows go in with COPY, in batches, with one password hash for
everybody; the status counts that the database keeps for insights are counted once at the end.
A database that already holds the benchmark's accounts is left as it is, but for the team,
added when missing (a data set seeded before the team existed).
"""

from __future__ import annotations

import io
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from progress import counts
from progress.models import Mentorship, Status
from teams.models import Membership, Team
from tracks.importer import apply_plans, read_tracks
from tracks.markdown import render_markdown
from tracks.models import Topic, Track

ML_TRACK = "engenharia-de-machine-learning"
BIG_TRACK = "bench-600"
BIG_TRACK_SECTIONS = 20
BIG_TRACK_PER_SECTION = 30
PASSWORD = "bench-pass-123"
LEARNER = "bench-{:06d}"
# The accounts the benchmark signs in as.
ACCOUNTS = {
    "learner": LEARNER.format(0),
    "big_learner": LEARNER.format(1),
    "mentor": "bench-mentor",
    "heavy": "bench-heavy",
    "curator": "bench-curator",
    "lead": "bench-lead",
}
TEAM = "bench-team"
TEAM_MEMBERS = 200
STATUSES_PER_LEARNER = 30
NOTES_PER_LEARNER = 5
MENTEES = 50
HEAVY_EVENTS = 10_000
# One learner in this many also follows the 600-topic track (so that about MENTEES do
# at 1,000 learners, and all of them in a small set).
BIG_TRACK_SHARE = 50
BATCH = 5_000
REASONS = [
    "Already know it from work",
    "Not used in my team",
    "Will come back later",
    "Covered by another course",
]
NOTE_BODIES = [
    "Read the first chapter; **examples** are good.",
    "Question for my mentor: when is this worth it?",
    "Links collected, need to practise.",
    "Done a small project with it.",
    "Re-read after the course; clearer now.",
]
# Notes keep their rendered HTML beside the text, as the app saves them.
NOTE_HTML = {body: str(render_markdown(body)) for body in NOTE_BODIES}


def _final_to_path(final: str, rng: random.Random) -> list[str]:
    """The statuses a topic went through to reach `final`: about two changes each."""
    if final == Status.DONE:
        return [Status.DOING, Status.DONE] if rng.random() < 0.7 else ["doing", "done"] * 2
    if final == Status.DOING:
        return [Status.DOING] if rng.random() < 0.5 else ["doing", "todo", "doing"]
    if final == Status.SKIPPED:
        return [Status.SKIPPED] if rng.random() < 0.5 else ["doing", "skipped"]
    return [Status.DOING, Status.TODO]


def _final_status(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.5:
        return Status.DONE
    if roll < 0.75:
        return Status.DOING
    if roll < 0.9:
        return Status.SKIPPED
    return Status.TODO


def _tsv(value: object) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


@dataclass
class Rows:
    """Rows of one batch, per table, as COPY text."""

    progress: io.StringIO
    events: io.StringIO
    notes: io.StringIO
    follows: io.StringIO

    @classmethod
    def new(cls) -> Rows:
        return cls(io.StringIO(), io.StringIO(), io.StringIO(), io.StringIO())

    @staticmethod
    def add(buffer: io.StringIO, *values: object) -> None:
        buffer.write("\t".join(_tsv(value) for value in values))
        buffer.write("\n")


class Command(BaseCommand):
    help = "Fill the database with realistic learners for the benchmark (in bulk)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--users", type=int, required=True, help="Number of learners.")
        parser.add_argument("--seed", type=int, default=7, help="Random seed (default 7).")

    def handle(self, *args: object, users: int, seed: int, **options: object) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("seed_load writes with COPY: it needs PostgreSQL (DATABASE_URL).")
        if users < 4:
            raise CommandError("--users must be at least 4.")
        from django.contrib.auth import get_user_model

        User = get_user_model()
        self.password = make_password(PASSWORD)
        if User.objects.filter(username__in=ACCOUNTS.values()).exists():
            team = self._team()
            if team is None:
                self.stdout.write("The benchmark's accounts already exist; nothing changed.")
            else:
                self.stdout.write(f"Added the team {TEAM} ({team} members); nothing else changed.")
            return
        started = time.monotonic()
        self.rng = random.Random(seed)
        self.now = timezone.now()
        ml = self._ml_track()
        big = self._big_track()
        self.ml_topics = list(Topic.objects.for_track(ml).live().values_list("id", flat=True))
        self.big_topics = list(Topic.objects.for_track(big).live().values_list("id", flat=True))
        self.ml, self.big = ml, big

        first_id = self._reserve_user_ids(users + 3)
        learner_ids = range(first_id, first_id + users)
        big_every = min(BIG_TRACK_SHARE, max(1, users // MENTEES))
        for batch_start in range(0, users, BATCH):
            batch = learner_ids[batch_start : batch_start + BATCH]
            self._write_learners(batch, first_id, big_every)
            self.stdout.write(f"  {batch_start + len(batch)} learners")
        mentor_id, heavy_id, curator_id = (first_id + users + i for i in range(3))
        mentees = list(learner_ids[:MENTEES])
        self._write_specials(mentor_id, heavy_id, curator_id, mentees)
        team = self._team()
        self._finish()
        self.stdout.write(
            f"Seeded {users} learners, a mentor of {len(mentees)}, a learner with "
            f"{HEAVY_EVENTS} events, a curator and a team of {team} in "
            f"{time.monotonic() - started:.0f} s."
        )

    # --- tracks ---------------------------------------------------------------------------

    def _ml_track(self) -> Track:
        track = Track.objects.filter(slug=ML_TRACK).first()
        if track is None:
            content = Path(settings.BASE_DIR) / "tracks" / "content"
            apply_plans(read_tracks(content))
            track = Track.objects.get(slug=ML_TRACK)
        return track

    def _big_track(self) -> Track:
        track = Track.objects.filter(slug=BIG_TRACK).first()
        if track is not None:
            return track
        with transaction.atomic():
            track = Track.objects.create(
                slug=BIG_TRACK,
                title="Benchmark: 600 topics",
                description="A generated track for the benchmark.",
                language="en",
            )
            root = Topic.objects.create(track=track, key="root", title="600 topics", order=0)
            order = 1
            for s in range(BIG_TRACK_SECTIONS):
                section = Topic.objects.create(
                    track=track,
                    parent=root,
                    key=f"s{s}",
                    title=f"Section {s + 1}",
                    order=order,
                    side=Topic.Side.LEFT if s % 2 else Topic.Side.RIGHT,
                )
                order += 1
                children = []
                for t in range(BIG_TRACK_PER_SECTION - 1):
                    children.append(
                        Topic(
                            track=track,
                            parent=section,
                            key=f"s{s}-t{t}",
                            title=f"Topic {s + 1}.{t + 1}",
                            order=order,
                        )
                    )
                    order += 1
                Topic.objects.bulk_create(children)
        return track

    # --- rows -----------------------------------------------------------------------------

    def _reserve_user_ids(self, count: int) -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT coalesce(max(id), 0) FROM auth_user")
            first = cursor.fetchone()[0] + 1
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('auth_user', 'id'), %s)", [first + count]
            )
        return first

    def _learner(
        self, rows: Rows, user_id: int, track_id: int, topics: list[int], statuses: int
    ) -> None:
        rng = self.rng
        joined = self.now - timedelta(days=rng.uniform(30, 400))
        Rows.add(rows.follows, user_id, track_id, True, joined)
        chosen = rng.sample(topics, min(statuses, len(topics)))
        for topic_id in chosen:
            final = _final_status(rng)
            # A topic's changes lie a few days apart, all in the past; its status was last
            # changed at its last event.
            when = joined + (self.now - timedelta(days=10) - joined) * rng.random()
            previous = Status.TODO
            reason = ""
            for status in _final_to_path(final, rng):
                reason = rng.choice(REASONS) if status == "skipped" and rng.random() < 0.5 else ""
                Rows.add(rows.events, user_id, topic_id, user_id, previous, status, reason, when)
                previous = status
                updated = when
                when += timedelta(hours=rng.uniform(1, 48))
            Rows.add(rows.progress, user_id, topic_id, final, reason, updated, None, None)
        for topic_id in rng.sample(chosen, min(NOTES_PER_LEARNER, len(chosen))):
            created = joined + (self.now - joined) * rng.random()
            body = rng.choice(NOTE_BODIES)
            shared = rng.random() < 0.5
            Rows.add(rows.notes, user_id, topic_id, body, NOTE_HTML[body], shared, created, created)

    def _write_learners(self, batch: range, first_id: int, big_every: int) -> None:
        users = io.StringIO()
        profiles = io.StringIO()
        rows = Rows.new()
        for user_id in batch:
            number = user_id - first_id
            username = LEARNER.format(number)
            self._user(users, profiles, user_id, username)
            self._learner(rows, user_id, self.ml.id, self.ml_topics, STATUSES_PER_LEARNER)
            if big_every == 1 or number % big_every == 1:
                self._learner(rows, user_id, self.big.id, self.big_topics, STATUSES_PER_LEARNER)
        self._copy(users, profiles, rows)

    def _user(
        self,
        users: io.StringIO,
        profiles: io.StringIO,
        user_id: int,
        username: str,
        staff: bool = False,
    ) -> None:
        joined = self.now - timedelta(days=400)
        Rows.add(
            users,
            user_id,
            self.password,
            None,
            staff,
            username,
            "",
            "",
            f"{username}@example.com",
            staff,
            True,
            joined,
        )
        Rows.add(profiles, user_id, "", "", False)

    def _write_specials(
        self, mentor_id: int, heavy_id: int, curator_id: int, mentee_ids: list[int]
    ) -> None:
        users = io.StringIO()
        profiles = io.StringIO()
        rows = Rows.new()
        self._user(users, profiles, mentor_id, ACCOUNTS["mentor"])
        self._user(users, profiles, curator_id, ACCOUNTS["curator"], staff=True)
        self._user(users, profiles, heavy_id, ACCOUNTS["heavy"])
        self._heavy(rows, heavy_id)
        self._copy(users, profiles, rows)
        seen = self.now - timedelta(days=7)
        Mentorship.objects.bulk_create(
            Mentorship(
                mentor_id=mentor_id,
                mentee_id=mentee_id,
                state=Mentorship.State.ACTIVE,
                mentor_seen_at=seen,
            )
            for mentee_id in mentee_ids
        )

    def _team(self) -> int | None:
        """The team TEAM on the machine learning track: the first TEAM_MEMBERS learners (all of
        them in a smaller data set) led by ACCOUNTS["lead"], in bulk. Made once: returns its
        number of members, or None when it was already there."""
        from django.contrib.auth import get_user_model

        if Team.objects.filter(slug=TEAM).exists():
            return None
        User = get_user_model()
        usernames = [LEARNER.format(number) for number in range(TEAM_MEMBERS)]
        with transaction.atomic():
            lead, _created = User.objects.get_or_create(
                username=ACCOUNTS["lead"],
                defaults={"email": f"{ACCOUNTS['lead']}@example.com", "password": self.password},
            )
            team = Team.objects.create(name="Benchmark team", slug=TEAM)
            team.tracks.add(self._ml_track())
            members = User.objects.filter(username__in=usernames).values_list("id", flat=True)
            made = Membership.objects.bulk_create(
                [Membership(team=team, user=lead, role=Membership.Role.LEAD)]
                + [Membership(team=team, user_id=user_id) for user_id in members]
            )
        return len(made) - 1

    def _heavy(self, rows: Rows, user_id: int) -> None:
        """A learner who changed statuses HEAVY_EVENTS times over a year, on every topic."""
        rng = self.rng
        joined = self.now - timedelta(days=365)
        Rows.add(rows.follows, user_id, self.ml.id, True, joined)
        current = dict.fromkeys(self.ml_topics, Status.TODO)
        updated: dict[int, datetime] = {}
        step = timedelta(days=365) / HEAVY_EVENTS
        for number in range(HEAVY_EVENTS):
            topic_id = self.ml_topics[number % len(self.ml_topics)]
            choices = [s for s in Status.values if s != current[topic_id]]
            status = rng.choice(choices)
            when = joined + step * number
            Rows.add(rows.events, user_id, topic_id, user_id, current[topic_id], status, "", when)
            current[topic_id] = status
            updated[topic_id] = when
        for topic_id, status in current.items():
            Rows.add(rows.progress, user_id, topic_id, status, "", updated[topic_id], None, None)

    def _copy(self, users: io.StringIO, profiles: io.StringIO, rows: Rows) -> None:
        tables = [
            (
                "auth_user (id, password, last_login, is_superuser, username, first_name, "
                "last_name, email, is_staff, is_active, date_joined)",
                users,
            ),
            ("progress_profile (user_id, display_name, language, public)", profiles),
            ("progress_follow (user_id, track_id, active, created_at)", rows.follows),
            (
                "progress_topicprogress (user_id, topic_id, status, reason, updated_at, "
                "confirmed_by_id, confirmed_at)",
                rows.progress,
            ),
            (
                "progress_progressevent (user_id, topic_id, actor_id, from_status, to_status, "
                "reason, created_at)",
                rows.events,
            ),
            (
                "progress_note (user_id, topic_id, body, body_html, shared, created_at, "
                "updated_at)",
                rows.notes,
            ),
        ]
        with transaction.atomic(), connection.cursor() as cursor:
            # The generated rows are consistent by construction: as a superuser, skip the
            # foreign-key checks and the count triggers row by row (counts are made once at
            # the end); otherwise check keys as rows go in and turn the count trigger off.
            replica = self._replication_role(cursor)
            if not replica:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("ALTER TABLE progress_topicprogress DISABLE TRIGGER USER")
            for table, buffer in tables:
                with cursor.cursor.copy(f"COPY {table} FROM STDIN") as copy:
                    copy.write(buffer.getvalue())
            if replica:
                # Back to normal for the rest of an enclosing transaction, if any.
                cursor.execute("SET LOCAL session_replication_role = origin")
            else:
                cursor.execute("ALTER TABLE progress_topicprogress ENABLE TRIGGER USER")

    @staticmethod
    def _replication_role(cursor) -> bool:
        try:
            with transaction.atomic():
                cursor.execute("SET LOCAL session_replication_role = replica")
        except DatabaseError:
            return False
        return True

    def _finish(self) -> None:
        counts.rebuild()
        with connection.cursor() as cursor:
            if connection.in_atomic_block:
                cursor.execute("ANALYZE")
            else:
                # Also sets the visibility map, so that counts can read indexes alone.
                cursor.execute("VACUUM (ANALYZE)")
