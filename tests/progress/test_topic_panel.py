"""The topic panel as htmx loads it is built once per track version and topic, and filled per
viewer: each viewer reads their own status, notes and comments, and nobody else's."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from progress import services
from progress.models import Note, Status
from tests.conftest import topic
from tracks.models import Topic

HTMX = {"HX-Request": "true"}
pytestmark = pytest.mark.usefixtures("english")


def panel(client, key: str = "python", slug: str = "ml"):
    return client.get(f"/tracks/{slug}/t/{key}/", headers=HTMX)


def pressed(html: str) -> list[str]:
    return re.findall(r'id="status-python-(\w+)" aria-pressed="true"', html)


def test_each_viewer_of_the_cached_panel_reads_their_own_status(client, alice, charlie, track):
    services.set_status(alice, topic(track, "python"), Status.DOING)
    client.force_login(alice)
    assert pressed(panel(client).content.decode()) == ["doing"]
    client.force_login(charlie)
    assert pressed(panel(client).content.decode()) == ["todo"]
    services.set_status(charlie, topic(track, "python"), Status.DONE)
    assert pressed(panel(client).content.decode()) == ["done"]
    client.force_login(alice)
    assert pressed(panel(client).content.decode()) == ["doing"]


def test_a_skip_reason_and_a_sign_off_show_in_the_cached_panel(client, alice, bob, track):
    client.force_login(alice)
    panel(client)  # cached without a reason
    services.set_status(alice, topic(track, "python"), Status.SKIPPED, "Known it for years")
    html = panel(client).content.decode()
    assert pressed(html) == ["skipped"]
    assert '<span class="skip-reason">Known it for years</span>' in html
    assert 'value="Known it for years"' in html

    services.set_status(alice, topic(track, "python"), Status.DONE)
    services.confirm(bob, alice, topic(track, "python"))
    bob.profile.display_name = "Bob Mentor"
    bob.profile.save()
    html = panel(client).content.decode()
    assert "Done, confirmed by your mentor" in html
    assert "Confirmed by Bob Mentor (bob)" in html


def test_notes_and_comments_in_the_cached_panel_are_the_viewers_own(
    client, alice, bob, charlie, track
):
    python = topic(track, "python")
    Note.objects.create(user=alice, topic=python, body="Alice's *private* note")
    services.add_comment(bob, alice, python, "Nice work, Alice")
    client.force_login(charlie)
    html = panel(client).content.decode()  # the panel is cached by a viewer with neither
    assert "note-list" not in html and "Mentor comments" not in html

    client.force_login(alice)
    html = panel(client).content.decode()
    assert "Alice&#x27;s <em>private</em> note" in html or "Alice's <em>private</em> note" in html
    assert "Mentor comments" in html and "Nice work, Alice" in html

    client.force_login(charlie)
    html = panel(client).content.decode()
    assert "private" not in html and "Nice work" not in html


def test_the_cached_panel_has_one_token_and_no_placeholder(alice, track):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    panel(client)
    response = panel(client)
    html = response.content.decode()
    assert "\x00" not in html
    tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))
    assert len(tokens) == 1
    # The token works: a note posted with it is saved, and one without it is refused.
    data = {"body": "No token", "embedded": "1"}
    assert client.post("/tracks/ml/t/python/notes/", data, headers=HTMX).status_code == 403
    response = client.post(
        "/tracks/ml/t/python/notes/",
        {"csrfmiddlewaretoken": tokens.pop(), "body": "From the cached panel", "embedded": "1"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert Note.objects.filter(user=alice, body="From the cached panel").exists()


def test_visitors_staff_and_learners_each_get_their_own_cached_panel(client, alice, curator, track):
    html = panel(client).content.decode()
    assert "You will be asked to log in to save a status." in html
    assert "Edit topic" not in html
    client.force_login(curator)
    html = panel(client).content.decode()
    assert "Edit topic" in html
    client.force_login(alice)
    html = panel(client).content.decode()
    assert "Edit topic" not in html and "You will be asked to log in" not in html
    assert "Add note" in html


def test_a_topic_cached_for_staff_is_a_404_for_others_once_unpublished_or_retired(
    client, alice, curator, track
):
    client.force_login(curator)
    assert panel(client).status_code == 200
    track.published = False
    track.save()
    assert panel(client).status_code == 200  # staff see unpublished tracks
    client.force_login(alice)
    assert panel(client).status_code == 404
    client.logout()
    assert panel(client).status_code == 404

    track.published = True
    track.save()
    Topic.objects.filter(track=track, key="python").update(retired=True)
    assert panel(client).status_code == 404
    assert panel(client, key="nope").status_code == 404
    assert panel(client, slug="nope").status_code == 404


def test_a_warm_panel_costs_two_queries_and_one_more_for_notes_or_comments(
    client, alice, bob, track, django_assert_num_queries
):
    services.set_status(alice, topic(track, "python"), Status.DONE)
    client.force_login(alice)
    panel(client)
    # The session, then the user with the topic, its track, the status and whether there are
    # notes or comments.
    with django_assert_num_queries(2):
        assert pressed(panel(client).content.decode()) == ["done"]
    Note.objects.create(user=alice, topic=topic(track, "python"), body="A note")
    services.add_comment(bob, alice, topic(track, "python"), "A comment")
    with django_assert_num_queries(4):
        html = panel(client).content.decode()
    assert "A note" in html and "A comment" in html
