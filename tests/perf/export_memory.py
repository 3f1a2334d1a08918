"""Peak memory of the data exports for long histories (not a test; pytest does not collect it).

    DATABASE_URL=postgres://... .venv/bin/python -m tests.perf.export_memory

Uses the benchmark's data set (`seed_load`): its learner with 10,000 status changes, and a
learner with 100,000 made here on first use. Prints, per export and learner, the peak of
Python memory (tracemalloc) while the whole download is read through the test client, the
size of the download and the time taken.
"""

from __future__ import annotations

import os
import sys
import time
import tracemalloc
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from progress.management.commands.seed_load import ACCOUNTS, ML_TRACK  # noqa: E402
from progress.models import Follow, ProgressEvent, Status, TopicProgress  # noqa: E402
from tracks.models import Topic, Track  # noqa: E402

User = get_user_model()
LONG = "bench-100k-events"
LONG_EVENTS = 100_000


def long_history_learner() -> object:
    user = User.objects.filter(username=LONG).first()
    if user is not None:
        return user
    user = User.objects.create_user(LONG, f"{LONG}@example.com")
    track = Track.objects.get(slug=ML_TRACK)
    topics = list(Topic.objects.filter(track=track, retired=False))
    Follow.objects.create(user=user, track=track)
    start = timezone.now() - timedelta(days=365)
    statuses = [Status.DOING, Status.DONE, Status.TODO]
    events = []
    for number in range(LONG_EVENTS):
        topic = topics[number % len(topics)]
        turn = number // len(topics)
        events.append(
            ProgressEvent(
                user=user,
                topic=topic,
                actor=user,
                from_status=statuses[(turn - 1) % 3] if turn else Status.TODO,
                to_status=statuses[turn % 3],
            )
        )
    created = ProgressEvent.objects.bulk_create(events, batch_size=5000)
    step = timedelta(days=365) / LONG_EVENTS
    # created_at is set on insert; spread the history over the year.
    for offset in range(0, len(created), 5000):
        batch = created[offset : offset + 5000]
        for number, event in enumerate(batch, start=offset):
            event.created_at = start + step * number
        ProgressEvent.objects.bulk_update(batch, ["created_at"], batch_size=5000)
    last_turn = (LONG_EVENTS - 1) // len(topics)
    TopicProgress.objects.bulk_create(
        TopicProgress(user=user, topic=topic, status=statuses[last_turn % 3]) for topic in topics
    )
    return user


def measure(user: object, url: str) -> tuple[float, int, float]:
    client = Client()
    client.force_login(user)
    tracemalloc.start()
    started = time.perf_counter()
    response = client.get(url)
    size = 0
    if response.streaming:
        for piece in response.streaming_content:
            size += len(piece)
    else:
        size = len(response.content)
    seconds = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20, size, seconds


def main() -> int:
    heavy = User.objects.filter(username=ACCOUNTS["heavy"]).first()
    if heavy is None:
        print("Run `manage.py seed_load --users 1000` on this database first.")
        return 1
    long = long_history_learner()
    print(f"{'export':12} {'status changes':>15} {'peak MiB':>9} {'size MiB':>9} {'seconds':>8}")
    for url in ("/me/export.json", "/me/export.csv"):
        for user in (heavy, long):
            events = ProgressEvent.objects.filter(user=user).count()
            peak, size, seconds = measure(user, url)
            print(f"{url:12} {events:15,} {peak:9.1f} {size / 2**20:9.1f} {seconds:8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
