"""Every hot page answers in a number of queries that does not grow with the track, the
learner's history or the mentor's mentees: the same bound for a small and a large case."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from progress.models import Follow, Mentorship, ProgressEvent, Status, TopicProgress
from progress.services import set_status
from tests.conftest import topic
from tracks.models import Topic, Track

User = get_user_model()
HTMX = {"HX-Request": "true"}
pytestmark = pytest.mark.usefixtures("english")

# The whole request, session and middleware included. The first request of a track version
# also builds its cached parts (topics, behaviours, related tracks); after that a visitor's
# page costs the track, and a signed-in viewer's the session, then one statement: their user
# row, the track with whether they follow it, their statuses and the header's facts.
TRACK_PAGE_ANONYMOUS_FIRST = 5
TRACK_PAGE_ANONYMOUS = 1
TRACK_PAGE_FIRST = 12
TRACK_PAGE = 2
PANEL = 13
# A status change also gives the learner's teams a new version (their pages are cached by it).
STATUS_CHANGE = {"outline": 20, "panel": 23}
# Once the panel's parts are cached and this process has verified the session: the session,
# and one statement that reads the user, writes the status, its event, the follow and the
# teams' versions, and reads back what the answer shows.
STATUS_CHANGE_WARM = 2
# /me/ also lists team invitations and the latest notifications.
DASHBOARD = 16
# The mentoring pages also show the check-ins waiting for the mentor.
MENTORING = 12
MENTEE_TRACK = 17


@pytest.fixture
def big_track(db):
    """A track of 600 live topics: a root, 12 sections of 7 chapters of 6 topics (and 7 retired)."""
    track = Track.objects.create(slug="big", title="Big track", description="Many *topics*.")
    root = Topic.objects.create(track=track, key="big", title="Big track", order=0)
    sections = Topic.objects.bulk_create(
        Topic(track=track, parent=root, key=f"s{s}", title=f"Section {s}", order=1 + s)
        for s in range(12)
    )
    chapters = Topic.objects.bulk_create(
        Topic(track=track, parent=section, key=f"{section.key}c{c}", title=f"Chapter {c}")
        for section in sections
        for c in range(7)
    )
    Topic.objects.bulk_create(
        Topic(track=track, parent=chapter, key=f"{chapter.key}l{n}", title=f"Leaf {n}")
        for chapter in chapters
        for n in range(6)
    )
    Topic.objects.bulk_create(
        Topic(track=track, parent=root, key=f"old{n}", title=f"Old {n}", retired=True)
        for n in range(7)
    )
    assert Topic.objects.for_track(track).live().count() == 1 + 12 + 84 + 504
    return track


@pytest.fixture(params=["small", "large"])
def any_track(request, track):
    """The small `track` (7 topics) or a 600-topic track."""
    return track if request.param == "small" else request.getfixturevalue("big_track")


def some_topics(track: Track, count: int) -> list[Topic]:
    return list(Topic.objects.for_track(track).live().exclude(parent=None).order_by("id")[:count])


def progress_on(user, track: Track, count: int) -> None:
    statuses = [Status.DONE, Status.DOING, Status.SKIPPED]
    rows = [
        TopicProgress(user=user, topic=item, status=statuses[index % 3])
        for index, item in enumerate(some_topics(track, count))
    ]
    TopicProgress.objects.bulk_create(rows)
    Follow.objects.get_or_create(user=user, track=track)


def test_track_page_for_anonymous_visitors(client, any_track, django_assert_max_num_queries):
    with django_assert_max_num_queries(TRACK_PAGE_ANONYMOUS_FIRST):
        response = client.get(f"/tracks/{any_track.slug}/")
    assert response.status_code == 200
    with django_assert_max_num_queries(TRACK_PAGE_ANONYMOUS):
        assert client.get(f"/tracks/{any_track.slug}/").status_code == 200


def test_track_page_for_a_learner(client, alice, any_track, django_assert_max_num_queries):
    progress_on(alice, any_track, 5)
    client.force_login(alice)
    with django_assert_max_num_queries(TRACK_PAGE_FIRST):
        response = client.get(f"/tracks/{any_track.slug}/")
    assert "2 of " in response.content.decode()  # two of the five are done
    with django_assert_max_num_queries(TRACK_PAGE):
        client.get(f"/tracks/{any_track.slug}/")


def test_topic_panel(client, alice, any_track, django_assert_max_num_queries):
    progress_on(alice, any_track, 5)
    item = some_topics(any_track, 1)[0]
    client.force_login(alice)
    url = f"/tracks/{any_track.slug}/t/{item.key}/"
    with django_assert_max_num_queries(PANEL):
        response = client.get(url, headers=HTMX)
    assert f'id="status-{item.key}-done" aria-pressed="true"' in response.content.decode()
    with django_assert_max_num_queries(PANEL):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("source", ["outline", "panel"])
def test_status_change_by_htmx(client, alice, any_track, source, django_assert_max_num_queries):
    progress_on(alice, any_track, 5)
    item = some_topics(any_track, 6)[-1]
    client.force_login(alice)
    url = f"/tracks/{any_track.slug}/t/{item.key}/status/"
    data = {"status": "done", "source": source, "embedded": "1", "open": item.key}
    with django_assert_max_num_queries(STATUS_CHANGE[source]):
        response = client.post(url, data, headers=HTMX)
    assert response.status_code == 200
    assert "3 of " in response.content.decode()
    assert TopicProgress.objects.get(user=alice, topic=item).status == Status.DONE
    with django_assert_max_num_queries(STATUS_CHANGE_WARM):
        response = client.post(url, {**data, "status": "todo"}, headers=HTMX)
    assert "2 of " in response.content.decode()
    assert TopicProgress.objects.get(user=alice, topic=item).status == Status.TODO


@pytest.mark.parametrize("events", [10, 10_000])
def test_dashboard(client, alice, track, events, django_assert_max_num_queries):
    progress_on(alice, track, 5)
    topics = some_topics(track, 6)
    ProgressEvent.objects.bulk_create(
        ProgressEvent(
            user=alice,
            topic=topics[n % len(topics)],
            actor=alice,
            from_status=Status.TODO,
            to_status=Status.DONE,
        )
        for n in range(events)
    )
    client.force_login(alice)
    with django_assert_max_num_queries(DASHBOARD):
        response = client.get("/me/")
    assert "2 of 6 topics done (33%)" in response.content.decode()


@pytest.fixture(params=[1, 50])
def mentees(request, bob, alice, track):
    """Bob mentors `param` learners (alice among them), each with progress on the track."""
    learners = [alice] + [
        User.objects.create_user(f"learner{n}", f"learner{n}@example.com")
        for n in range(request.param - 1)
    ]
    Mentorship.objects.bulk_create(
        Mentorship(mentor=bob, mentee=learner, state=Mentorship.State.ACTIVE)
        for learner in learners[1:]
    )
    for learner in learners:
        progress_on(learner, track, 4)
    set_status(alice, topic(track, "apis"), "done")
    return learners


def test_mentoring_page(client, bob, mentees, django_assert_max_num_queries):
    client.force_login(bob)
    with django_assert_max_num_queries(MENTORING):
        response = client.get("/mentoring/")
    html = response.content.decode()
    assert html.count('class="card mentee"') == len(mentees)


def test_mentee_track_page(client, bob, mentees, track, django_assert_max_num_queries):
    client.force_login(bob)
    with django_assert_max_num_queries(MENTEE_TRACK):
        response = client.get(f"/mentoring/alice/{track.slug}/")
    assert response.status_code == 200
    assert "3 of 6 topics done (50%)" in response.content.decode()
