import pytest

from progress.models import Follow, Note, TopicProgress
from progress.services import set_status
from tests.conftest import topic
from tracks.models import Track

# Assertions read the English messages, whatever the default language.
pytestmark = pytest.mark.usefixtures("english")

HTMX = {"HX-Request": "true"}


def test_start_track_follows_it_and_the_dashboard_lists_it(client, alice, track):
    client.force_login(alice)
    response = client.post("/tracks/ml/follow/")
    assert response.status_code == 302
    assert response["Location"] == "/tracks/ml/"
    assert Follow.objects.get(user=alice, track=track).active
    html = client.get("/me/").content.decode()
    assert 'href="/tracks/ml/"' in html
    assert "0 of 6 topics done (0%)" in html


def test_track_page_offers_start_track_then_stop_following(client, alice, track):
    client.force_login(alice)
    assert "Start track" in client.get("/tracks/ml/").content.decode()
    client.post("/tracks/ml/follow/")
    html = client.get("/tracks/ml/").content.decode()
    assert "Start track" not in html
    assert "Stop following" in html


def test_stop_following_keeps_statuses_and_notes(client, alice, track):
    python = topic(track, "python")
    set_status(alice, python, "done")
    Note.objects.create(user=alice, topic=python, body="Keep me")
    client.force_login(alice)
    client.post("/tracks/ml/unfollow/")
    follow = Follow.objects.get(user=alice, track=track)
    assert not follow.active
    assert TopicProgress.objects.get(user=alice, topic=python).status == "done"
    assert Note.objects.filter(user=alice, body="Keep me").exists()
    dashboard = client.get("/me/").content.decode()
    assert "Tracks I stopped following" in dashboard
    assert "You are not following any track yet." in dashboard


def test_following_again_shows_the_kept_progress(client, alice, track):
    set_status(alice, topic(track, "python"), "done")
    Follow.objects.filter(user=alice).update(active=False)
    client.force_login(alice)
    response = client.post("/tracks/ml/follow/", {"next": "/me/"})
    assert response["Location"] == "/me/"
    assert Follow.objects.filter(user=alice, track=track).count() == 1
    assert "1 of 6 topics done (16%)" in client.get("/me/").content.decode()


def test_htmx_follow_returns_the_progress_summary_only(client, alice, track):
    client.force_login(alice)
    response = client.post("/tracks/ml/follow/", headers=HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="progress-summary"')
    assert "Stop following" in html
    assert "<html" not in html
    html = client.post("/tracks/ml/unfollow/", headers=HTMX).content.decode()
    assert "Start track" in html


def test_anonymous_start_track_is_sent_to_log_in_and_back(client, track):
    response = client.post("/tracks/ml/follow/")
    assert response["Location"] == "/accounts/login/?next=/tracks/ml/"
    assert not Follow.objects.exists()


def test_follow_and_unfollow_reject_get(client, alice, track):
    client.force_login(alice)
    assert client.get("/tracks/ml/follow/").status_code == 405
    assert client.get("/tracks/ml/unfollow/").status_code == 405


def test_an_unpublished_track_cannot_be_followed(client, alice, track):
    Track.objects.filter(pk=track.pk).update(published=False)
    client.force_login(alice)
    assert client.post("/tracks/ml/follow/").status_code == 404
    assert not Follow.objects.exists()


def test_following_one_track_leaves_other_users_alone(client, alice, charlie, track):
    client.force_login(alice)
    client.post("/tracks/ml/follow/")
    client.force_login(charlie)
    assert "You are not following any track yet." in client.get("/me/").content.decode()
