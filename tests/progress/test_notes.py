import re

import pytest

from progress.models import Note
from tests.conftest import topic
from tracks.models import Topic, Track

# Assertions read the English messages, whatever the default language.
pytestmark = pytest.mark.usefixtures("english")

HTMX = {"HX-Request": "true"}


@pytest.fixture
def alice_note(alice, track):
    return Note.objects.create(user=alice, topic=topic(track, "python"), body="Use **venv**")


def test_learner_adds_a_note_and_is_sent_back_to_the_topic(client, alice, track):
    client.force_login(alice)
    response = client.post("/tracks/ml/t/python/notes/", {"body": "Read the *tutorial*"})
    note = Note.objects.get(user=alice)
    assert response["Location"] == f"/tracks/ml/t/python/#note-{note.pk}"
    assert note.topic == topic(track, "python")
    assert not note.shared
    html = client.get("/tracks/ml/t/python/").content.decode()
    assert "<em>tutorial</em>" in html
    assert "Private" in html


def test_htmx_note_returns_the_notes_section_newest_first(client, alice, track):
    client.force_login(alice)
    client.post("/tracks/ml/t/python/notes/", {"body": "First"}, headers=HTMX)
    response = client.post(
        "/tracks/ml/t/python/notes/", {"body": "Second", "shared": "on"}, headers=HTMX
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="notes-python"')
    assert "<html" not in html
    assert html.index("Second") < html.index("First")
    assert Note.objects.get(body="Second").shared
    assert "Shared with my mentors" in html


def test_empty_note_is_refused_with_a_message(client, alice, track):
    client.force_login(alice)
    response = client.post("/tracks/ml/t/python/notes/", {"body": "  "}, headers=HTMX)
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    response = client.post("/tracks/ml/t/python/notes/", {"body": ""})
    assert response.status_code == 200
    assert "<html" in response.content.decode()
    assert not Note.objects.exists()


def test_anonymous_note_is_sent_to_log_in(client, track):
    response = client.post("/tracks/ml/t/python/notes/", {"body": "Hi"})
    assert response["Location"] == "/accounts/login/?next=/tracks/ml/t/python/"
    assert not Note.objects.exists()


def test_learner_edits_a_note(client, alice, alice_note):
    client.force_login(alice)
    page = client.get(f"/notes/{alice_note.pk}/edit/").content.decode()
    assert "<h1>Edit note</h1>" in page
    assert re.search(r'<label for="note-\d+-body">', page)
    response = client.post(f"/notes/{alice_note.pk}/edit/", {"body": "Use **uv**", "shared": "on"})
    assert response["Location"] == f"/tracks/ml/t/python/#note-{alice_note.pk}"
    alice_note.refresh_from_db()
    assert (alice_note.body, alice_note.shared) == ("Use **uv**", True)


def test_htmx_edit_swaps_the_form_into_the_note_and_back(client, alice, alice_note):
    client.force_login(alice)
    form = client.get(f"/notes/{alice_note.pk}/edit/", headers=HTMX).content.decode()
    assert form.lstrip().startswith("<form")
    assert f'hx-target="#note-{alice_note.pk}"' in form
    saved = client.post(
        f"/notes/{alice_note.pk}/edit/", {"body": "Now *this*"}, headers=HTMX
    ).content.decode()
    assert "<em>this</em>" in saved
    assert "<form" in saved  # the delete button
    assert "<li" not in saved  # the list item stays, only its content changes
    cancelled = client.get(f"/notes/{alice_note.pk}/", headers=HTMX).content.decode()
    assert "<em>this</em>" in cancelled


def test_learner_deletes_a_note(client, alice, alice_note):
    client.force_login(alice)
    response = client.post(f"/notes/{alice_note.pk}/delete/")
    assert response["Location"] == "/tracks/ml/t/python/"
    assert not Note.objects.exists()


def test_htmx_delete_returns_nothing_to_swap_in(client, alice, alice_note):
    client.force_login(alice)
    response = client.post(f"/notes/{alice_note.pk}/delete/", headers=HTMX)
    assert response.status_code == 200
    assert response.content == b""
    assert not Note.objects.exists()


@pytest.mark.parametrize(
    ("method", "url"),
    [("get", "/notes/{pk}/"), ("get", "/notes/{pk}/edit/"), ("post", "/notes/{pk}/edit/")],
)
def test_a_stranger_cannot_see_or_edit_a_note(client, charlie, alice_note, method, url):
    client.force_login(charlie)
    response = getattr(client, method)(url.format(pk=alice_note.pk), {"body": "Hacked"})
    assert response.status_code == 404
    alice_note.refresh_from_db()
    assert alice_note.body == "Use **venv**"


def test_a_stranger_cannot_delete_a_note(client, charlie, alice_note):
    client.force_login(charlie)
    assert client.post(f"/notes/{alice_note.pk}/delete/").status_code == 404
    assert Note.objects.filter(pk=alice_note.pk).exists()


def test_a_mentor_cannot_edit_a_shared_note_either(client, bob, alice_note):
    Note.objects.filter(pk=alice_note.pk).update(shared=True)
    client.force_login(bob)
    assert client.post(f"/notes/{alice_note.pk}/delete/").status_code == 404
    assert client.get(f"/notes/{alice_note.pk}/edit/").status_code == 404


def test_other_learners_notes_are_not_shown_on_the_topic(client, alice, charlie, alice_note):
    client.force_login(charlie)
    html = client.get("/tracks/ml/t/python/").content.decode()
    assert "venv" not in html


def test_note_views_reject_the_wrong_method(client, alice, alice_note):
    client.force_login(alice)
    assert client.get(f"/notes/{alice_note.pk}/delete/").status_code == 405
    assert client.get("/tracks/ml/t/python/notes/").status_code == 405
    assert client.post(f"/notes/{alice_note.pk}/").status_code == 405


@pytest.mark.parametrize(
    ("body", "forbidden"),
    [
        ("<script>alert('x')</script>", "<script"),
        ('<img src="x.png" onerror="alert(1)">', "onerror"),
        ("[click](javascript:alert(1))", "javascript:"),
        ('<a href="javascript:alert(1)">click</a>', "javascript:"),
    ],
)
def test_notes_render_scripts_handlers_and_javascript_urls_inert(
    client, alice, track, body, forbidden
):
    Note.objects.create(user=alice, topic=topic(track, "python"), body=body)
    client.force_login(alice)
    for url in ("/tracks/ml/t/python/", "/tracks/ml/notes/"):
        html = client.get(url).content.decode()
        rendered = re.findall(r'<div class="note-body">(.*?)</div>', html, re.S)
        assert len(rendered) == 1
        assert forbidden not in rendered[0]
        assert body not in html


def test_notes_page_lists_my_notes_in_topic_order(client, alice, charlie, track):
    for key, body in [("batch", "On batch"), ("python", "On python"), ("basics", "On basics")]:
        Note.objects.create(user=alice, topic=topic(track, key), body=body)
    Note.objects.create(user=charlie, topic=topic(track, "apis"), body="Charlie's")
    client.force_login(alice)
    response = client.get("/tracks/ml/notes/")
    html = response.content.decode()
    assert response.status_code == 200
    assert len(re.findall(r"<h1[\s>]", html)) == 1
    assert html.index("On basics") < html.index("On python") < html.index("On batch")
    assert "Charlie's" not in html
    assert "3 notes, in the order of the track's topics." in html


def test_notes_page_keeps_notes_of_retired_topics(client, alice, track):
    Note.objects.create(user=alice, topic=topic(track, "batch"), body="Old topic")
    Topic.objects.filter(key="batch").update(retired=True)
    client.force_login(alice)
    html = client.get("/tracks/ml/notes/").content.decode()
    assert "Old topic" in html
    assert "removed from the track" in html


def test_notes_page_needs_login_and_a_visible_track(client, alice, track):
    response = client.get("/tracks/ml/notes/")
    assert response["Location"] == "/accounts/login/?next=/tracks/ml/notes/"
    Track.objects.filter(pk=track.pk).update(published=False)
    client.force_login(alice)
    assert client.get("/tracks/ml/notes/").status_code == 404


def test_notes_page_query_count_does_not_grow_with_notes(
    client, alice, track, django_assert_max_num_queries
):
    for topic_obj in Topic.objects.filter(track=track):
        for i in range(5):
            Note.objects.create(user=alice, topic=topic_obj, body=f"Note {i}")
    client.force_login(alice)
    with django_assert_max_num_queries(12):
        response = client.get("/tracks/ml/notes/")
    assert "35 notes" in response.content.decode()


def test_topic_panel_query_count_does_not_grow_with_notes(
    client, alice, track, django_assert_max_num_queries
):
    for i in range(20):
        Note.objects.create(user=alice, topic=topic(track, "python"), body=f"Note {i}")
    client.force_login(alice)
    with django_assert_max_num_queries(14):
        response = client.get("/tracks/ml/t/python/", headers=HTMX)
    assert response.content.decode().count('class="note"') == 20
