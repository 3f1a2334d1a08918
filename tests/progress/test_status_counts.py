"""The status counts behind curator insights equal a recount after any kind of change."""

import random
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone

from progress import counts
from progress.insights import track_insights
from progress.models import (
    Follow,
    LearnerTrackTally,
    Status,
    TopicProgress,
    TopicStatusCount,
    TrackCount,
)
from progress.services import set_status
from tracks.models import Topic, Track

User = get_user_model()

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the counts are kept by PostgreSQL triggers"
)


def recounted_topics() -> dict[int, tuple[int, int, int]]:
    rows = (
        TopicProgress.objects.order_by()
        .values("topic_id")
        .annotate(
            doing=Count("id", filter=Q(status=Status.DOING)),
            done=Count("id", filter=Q(status=Status.DONE)),
            skipped=Count("id", filter=Q(status=Status.SKIPPED)),
        )
    )
    return {
        row["topic_id"]: (row["doing"], row["done"], row["skipped"])
        for row in rows
        if row["doing"] or row["done"] or row["skipped"]
    }


def kept_topics() -> dict[int, tuple[int, int, int]]:
    return {
        c.topic_id: (c.doing, c.done, c.skipped)
        for c in TopicStatusCount.objects.all()
        if c.doing or c.done or c.skipped
    }


def recounted_tallies() -> dict[tuple[int, int], tuple[int, int]]:
    rows = (
        TopicProgress.objects.exclude(status=Status.TODO)
        .order_by()
        .values("user_id", "topic__track_id")
        .annotate(marked=Count("id"), done=Count("id", filter=Q(status=Status.DONE)))
    )
    return {(r["user_id"], r["topic__track_id"]): (r["marked"], r["done"]) for r in rows}


def kept_tallies() -> dict[tuple[int, int], tuple[int, int]]:
    return {
        (t.user_id, t.track_id): (t.marked, t.done)
        for t in LearnerTrackTally.objects.all()
        if t.marked or t.done
    }


def recounted_tracks() -> dict[int, tuple[int, int]]:
    return {
        track.id: (
            Follow.objects.filter(track=track, active=True).count(),
            LearnerTrackTally.objects.filter(track=track, marked__gt=0).count(),
        )
        for track in Track.objects.all()
    }


def kept_tracks() -> dict[int, tuple[int, int]]:
    kept = {c.track_id: (c.followers, c.learners) for c in TrackCount.objects.all()}
    return {track.id: kept.get(track.id, (0, 0)) for track in Track.objects.all()}


def figures(track: Track) -> tuple:
    data = track_insights(track)
    rows = [
        (row.node.topic.key, row.done, row.doing, row.skipped, row.stuck, row.reasons)
        for row in data.rows
    ]
    return data.followers, data.learners, data.finished, rows


def naive_figures(track: Track, monkeypatch) -> tuple:
    with monkeypatch.context() as patch:
        patch.setattr(counts, "kept_by_database", lambda: False)
        return figures(track)


def assert_counts_match(track: Track, monkeypatch) -> None:
    assert kept_topics() == recounted_topics()
    assert kept_tallies() == recounted_tallies()
    assert kept_tracks() == recounted_tracks()
    assert figures(track) == naive_figures(track, monkeypatch)


@pytest.fixture
def bigger_track(track):
    """The small track with a third section, so that retiring topics leaves orphans."""
    root = Topic.objects.get(track=track, key="ml")
    extra = Topic.objects.create(track=track, parent=root, key="extra", title="Extra", order=7)
    for i in range(4):
        Topic.objects.create(track=track, parent=extra, key=f"x{i}", title=f"X{i}", order=8 + i)
    return track


def test_counts_equal_a_recount_after_random_changes(bigger_track, monkeypatch):
    track = bigger_track
    other = Track.objects.create(slug="other", title="Other")
    other_root = Topic.objects.create(track=other, key="o", title="Other", order=0)
    Topic.objects.create(track=other, parent=other_root, key="o1", title="O1", order=1)
    rng = random.Random(20261202)
    users = [User.objects.create_user(f"learner{i}") for i in range(12)]
    topics = list(Topic.objects.filter(track__in=[track, other]))
    statuses = list(Status.values)
    reasons = ["", "Too easy", "Later", "  "]

    for step in range(400):
        user = rng.choice(users)
        topic = rng.choice(topics)
        set_status(user, topic, rng.choice(statuses), reason=rng.choice(reasons))
        if step % 50 == 0:
            assert_counts_match(track, monkeypatch)

    # Some learners finish the track, some are stuck on a topic for weeks.
    for user in users[:3]:
        for topic in Topic.objects.filter(track=track):
            set_status(user, topic, Status.DONE)
    for user in users[3:6]:
        set_status(user, rng.choice(topics[1:]), Status.DOING)
    TopicProgress.objects.filter(user__in=users[3:8], status=Status.DOING).update(
        updated_at=timezone.now() - timedelta(days=30)
    )
    Follow.objects.filter(user=users[1]).update(active=False)
    Follow.objects.filter(user=users[2], track=other).delete()
    Follow.objects.create(user=User.objects.create_user("follower"), track=track)
    assert_counts_match(track, monkeypatch)

    # Writes that do not go through set_status: bulk updates, deletes, direct inserts.
    TopicProgress.objects.filter(user=users[4], status=Status.DONE).update(status=Status.SKIPPED)
    TopicProgress.objects.filter(user=users[5]).delete()
    newcomer = User.objects.create_user("newcomer")
    TopicProgress.objects.bulk_create(
        TopicProgress(user=newcomer, topic=topic, status=rng.choice(statuses)) for topic in topics
    )
    assert_counts_match(track, monkeypatch)

    # Accounts deleted with their progress.
    for user in (users[0], users[6], newcomer):
        user.delete()
    assert_counts_match(track, monkeypatch)

    # Topics retired (an orphaned subtree, a whole section) and deleted.
    Topic.objects.filter(track=track, key__in=["basics", "x1"]).update(retired=True)
    assert_counts_match(track, monkeypatch)
    Topic.objects.filter(track=track, key="x2").delete()
    Topic.objects.filter(track=other, key="o1").delete()
    assert_counts_match(track, monkeypatch)

    # More random changes after all that.
    users = list(User.objects.all())
    topics = list(Topic.objects.filter(track__in=[track, other], retired=False))
    for _step in range(150):
        set_status(rng.choice(users), rng.choice(topics), rng.choice(statuses), reason="Why not")
    assert_counts_match(track, monkeypatch)


def test_rebuild_counts_the_same_as_the_triggers(track, alice, bob):
    set_status(alice, Topic.objects.get(track=track, key="python"), Status.DONE)
    set_status(bob, Topic.objects.get(track=track, key="python"), Status.SKIPPED, "No")
    set_status(bob, Topic.objects.get(track=track, key="apis"), Status.DOING)
    before = kept_topics(), kept_tallies()
    before += (kept_tracks(),)
    TopicStatusCount.objects.all().delete()
    LearnerTrackTally.objects.all().delete()
    TrackCount.objects.all().delete()
    counts.rebuild()
    assert (kept_topics(), kept_tallies(), kept_tracks()) == before
    assert before[2][track.id] == (2, 2)
    assert before[0] == recounted_topics()


def test_a_status_change_updates_the_counts_it_moves(track, alice):
    python = Topic.objects.get(track=track, key="python")
    set_status(alice, python, Status.DOING)
    assert kept_topics() == {python.id: (1, 0, 0)}
    set_status(alice, python, Status.DONE)
    assert kept_topics() == {python.id: (0, 1, 0)}
    assert kept_tallies() == {(alice.id, track.id): (1, 1)}
    set_status(alice, python, Status.TODO)
    assert kept_topics() == {} and kept_tallies() == {}
