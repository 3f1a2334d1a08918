"""Markdown that would take minutes or blow the stack is refused when typed and shown as
plain text when it is already stored; no note, comment or description can break a page."""

import importlib

import pytest
from django.urls import reverse

from progress.models import Comment, Note
from tests.conftest import topic
from tracks.markdown import MAX_MARKDOWN_CHARS, markdown_problems, render_markdown

pytestmark = pytest.mark.usefixtures("english")

HTMX = {"HX-Request": "true"}
NESTED_LIST = "".join("  " * depth + "- x\n" for depth in range(500))
NESTED_ON_ONE_LINE = "- " * 500 + "deep"
BRACKETS = "[" * 20_000
UNCLOSED_LINKS = "[a](" * 5000
FOOTNOTES = "[^" * 5000
TAGS = "<a " * 5000
PLAIN_MEGABYTE = ("word " * 20 + "\n\n") * 10_000
HOSTILE = [NESTED_LIST, NESTED_ON_ONE_LINE, BRACKETS, UNCLOSED_LINKS, FOOTNOTES, TAGS]


@pytest.mark.parametrize("body", [*HOSTILE, PLAIN_MEGABYTE])
def test_hostile_markdown_is_found_and_shown_as_written(body):
    assert markdown_problems(body)
    html = render_markdown(body)
    # Shown as escaped text in paragraphs: nothing parsed, nothing lost.
    assert "<li>" not in html
    assert "<a " not in html
    assert html.count("<p>") >= 1


def test_ordinary_markdown_passes_the_checks():
    text = "# Notes\n\n" + "- [a link](https://example.org/)\n" * 100 + "\n> quoted *text*\n"
    assert markdown_problems(text) == []
    html = render_markdown(text)
    assert html.count('<a href="https://example.org/"') == 100
    assert "<blockquote>" in html


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (NESTED_LIST[:15_000], "levels deep"),
        (NESTED_ON_ONE_LINE, "Line 1 nests lists, quotes or indentation more than 20 levels deep"),
        (BRACKETS, "has too many brackets"),
        (UNCLOSED_LINKS, "has too many brackets"),
        (TAGS, "HTML tags"),
        (PLAIN_MEGABYTE, f"characters long; the most is {MAX_MARKDOWN_CHARS}"),
    ],
)
def test_a_note_too_deep_long_or_slow_to_render_is_refused(client, alice, track, body, message):
    client.force_login(alice)
    response = client.post("/tracks/ml/t/python/notes/", {"body": body}, headers=HTMX)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Note.objects.exists()


def test_editing_a_note_into_hostile_markdown_is_refused(client, alice, track):
    note = Note.objects.create(user=alice, topic=topic(track, "python"), body="fine")
    client.force_login(alice)
    response = client.post(f"/notes/{note.pk}/edit/", {"body": BRACKETS})
    assert response.status_code == 200
    assert "has too many brackets" in response.content.decode()
    note.refresh_from_db()
    assert note.body == "fine"


def test_a_mentor_comment_of_brackets_is_refused(client, alice, bob, track):
    client.force_login(bob)
    response = client.post(
        "/mentoring/alice/ml/t/python/comments/", {"body": "[" * 5000}, headers=HTMX
    )
    assert response.status_code == 200
    assert "has too many brackets" in response.content.decode()
    assert not Comment.objects.exists()


@pytest.fixture
def stored_hostile_notes(alice, bob, track):
    """Notes saved before the checks existed (or by any path around the form)."""
    python = topic(track, "python")
    notes = [Note.objects.create(user=alice, topic=python, body=b, shared=True) for b in HOSTILE]
    Comment.objects.create(author=bob, mentee=alice, topic=python, body=NESTED_LIST)
    return notes


def test_stored_hostile_notes_never_break_the_topic_page_and_can_be_deleted(
    client, alice, stored_hostile_notes
):
    client.force_login(alice)
    for url in ["/tracks/ml/t/python/", "/tracks/ml/notes/"]:
        response = client.get(url)
        assert response.status_code == 200, url
    html = client.get("/tracks/ml/t/python/").content.decode()
    for note in stored_hostile_notes:
        assert f'action="{reverse("progress:note-delete", args=[note.pk])}"' in html
    note = stored_hostile_notes[0]
    response = client.post(reverse("progress:note-delete", args=[note.pk]))
    assert response.status_code == 302
    assert not Note.objects.filter(pk=note.pk).exists()


def test_stored_hostile_notes_never_break_the_mentor_page(client, bob, stored_hostile_notes):
    client.force_login(bob)
    response = client.get("/mentoring/alice/ml/")
    assert response.status_code == 200
    # The notes are read in the topic's panel.
    response = client.get("/mentoring/alice/ml/t/python/")
    assert response.status_code == 200
    assert "deep" in response.content.decode()


def test_notes_keep_their_html_so_reading_never_parses(alice, track):
    note = Note.objects.create(user=alice, topic=topic(track, "python"), body="Use **venv**")
    assert note.body_html == "<p>Use <strong>venv</strong></p>"
    note.body = "Now *pip*"
    note.save(update_fields=["body"])
    note.refresh_from_db()
    assert note.body_html == "<p>Now <em>pip</em></p>"


def test_a_row_without_stored_html_still_renders(client, alice, track):
    note = Note.objects.create(user=alice, topic=topic(track, "python"), body="x")
    Note.objects.filter(pk=note.pk).update(body=NESTED_LIST, body_html="")
    client.force_login(alice)
    response = client.get("/tracks/ml/t/python/")
    assert response.status_code == 200


def test_the_migration_renders_existing_rows(alice, bob, track):
    from django.apps import apps

    note = Note.objects.create(user=alice, topic=topic(track, "python"), body="*a*")
    comment = Comment.objects.create(author=bob, mentee=alice, topic=note.topic, body="**b**")
    Note.objects.update(body_html="")
    Comment.objects.update(body_html="")
    migration = importlib.import_module("progress.migrations.0003_note_comment_body_html")
    migration.render_bodies(apps, None)
    note.refresh_from_db()
    comment.refresh_from_db()
    assert note.body_html == "<p><em>a</em></p>"
    assert comment.body_html == "<p><strong>b</strong></p>"


def test_a_hostile_track_description_does_not_break_the_track_page(client, alice, track):
    track.description = NESTED_LIST
    track.save()
    topic_row = topic(track, "python")
    topic_row.description = NESTED_ON_ONE_LINE
    topic_row.save()
    assert client.get("/tracks/ml/").status_code == 200
    assert client.get("/tracks/ml/t/python/").status_code == 200


def test_the_editor_refuses_a_hostile_description(client, curator, track):
    client.force_login(curator)
    response = client.post(
        "/curate/ml/edit/",
        {"title": "Machine Learning", "description": BRACKETS, "language": "en"},
    )
    assert response.status_code == 200
    assert "has too many brackets" in response.content.decode()
    track.refresh_from_db()
    assert track.description == "About *ML*."


def test_images_in_notes_are_dropped(alice, track):
    note = Note.objects.create(
        user=alice,
        topic=topic(track, "python"),
        body='![x](https://tracker.example/p.gif) <img src="https://tracker.example/q.gif">',
    )
    assert "<img" not in note.body_html
    assert "tracker.example" not in note.body_html


def test_a_javascript_link_is_plain_text_not_a_dead_link():
    html = render_markdown("[click me](javascript:alert(1)) and [ok](https://example.org/)")
    assert "click me" in html
    assert "javascript:" not in html
    assert html.count("<a ") == 1
    assert '<a href="https://example.org/"' in html
