"""The track page is built once per track version and shared by all its viewers; each viewer
still sees only their own statuses, and every edit shows at once."""

from __future__ import annotations

import io
import re
from html import unescape
from unittest import mock

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from notifications.models import Notification
from progress.models import TopicProgress
from progress.services import follow, set_status, unfollow
from teams.models import Membership, Team
from tests.conftest import topic
from tracks import diagrams
from tracks.models import Diagram, ExpectedBehaviour, Track

pytestmark = pytest.mark.usefixtures("english")

KEYS = ["ml", "basics", "python", "statistics", "serving", "apis", "batch"]


@pytest.fixture
def drawn(track):
    """The track with a stored diagram: one linked group per topic, as post-processing makes."""
    nodes = "".join(
        f'<a href="/tracks/ml/t/{key}/" class="topic-link"><g class="topic" data-topic="{key}">'
        f'<rect x="0" y="0" width="10" height="10"></rect><text>{key}</text></g></a>'
        for key in KEYS
    )
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">{nodes}</svg>'
    track.diagram = Diagram.objects.create(key="k" * 64, source="@startmindmap", svg=svg)
    track.save()
    return track


@pytest.fixture
def no_redraw():
    with mock.patch.object(diagrams, "refresh_track_diagram"):
        yield


def page(client: Client, slug: str = "ml") -> str:
    response = client.get(f"/tracks/{slug}/")
    assert response.status_code == 200
    return response.content.decode()


def group_class(html: str, key: str) -> str:
    return re.search(rf'<g class="([^"]*)" data-topic="{key}">', html).group(1)


def row(html: str, key: str) -> str:
    return re.search(rf'<div class="outline-row[^"]*" id="outline-{key}".*?</div>', html, re.S)[0]


# --- each viewer sees their own statuses ------------------------------------------------------


def test_viewers_of_the_cached_page_see_only_their_own_statuses(client, alice, charlie, drawn):
    set_status(alice, topic(drawn, "python"), "done")
    set_status(alice, topic(drawn, "apis"), "doing")
    set_status(charlie, topic(drawn, "statistics"), "skipped")
    client.force_login(alice)
    mine = page(client)
    client.force_login(charlie)
    theirs = page(client)
    client.logout()
    anonymous = page(client)

    assert 'id="done-python" checked' in mine
    assert group_class(mine, "python") == "topic status-done"
    assert group_class(mine, "apis") == "topic status-doing"
    assert group_class(mine, "statistics") == "topic"
    assert '<span class="status-badge status-doing">Doing</span>' in row(mine, "apis")
    assert "1 of 6 topics done (16%)" in mine

    assert 'id="done-python" checked' not in theirs
    assert group_class(theirs, "python") == "topic"
    assert group_class(theirs, "statistics") == "topic status-skipped"
    assert '<span class="status-badge status-skipped">Skipped</span>' in row(theirs, "statistics")
    assert "status-badge" not in row(theirs, "apis")
    assert 'data-topic="python"] > rect' not in theirs  # no highlight for alice's topic

    assert " checked" not in anonymous
    assert all(group_class(anonymous, key) == "topic" for key in KEYS)
    assert "status-badge" not in anonymous


def test_a_mentor_sign_off_shows_as_confirmed_on_the_diagram(client, alice, bob, drawn):
    set_status(alice, topic(drawn, "python"), "done")
    TopicProgress.objects.filter(user=alice).update(confirmed_by=bob)
    client.force_login(alice)
    html = page(client)
    assert group_class(html, "python") == "topic status-done status-confirmed"
    assert 'id="done-python" checked' in html


def test_the_page_carries_one_csrf_token_for_all_its_forms(client, alice, track):
    client.force_login(alice)
    html = page(client)
    tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))
    header = re.search(r"hx-headers='\{\"X-CSRFToken\": \"([^\"]+)\"", html).group(1)
    assert tokens == {header}
    assert html.count('class="outline-done"') == len(KEYS)


def test_no_placeholder_is_left_in_the_page(client, alice, drawn):
    set_status(alice, topic(drawn, "python"), "skipped")
    client.force_login(alice)
    assert "\x00" not in page(client)
    client.logout()
    assert "\x00" not in page(client)


def test_the_diagram_comes_first_and_progress_by_section_is_folded(client, alice, drawn):
    set_status(alice, topic(drawn, "python"), "done")
    set_status(alice, topic(drawn, "apis"), "doing")
    client.force_login(alice)
    html = page(client)
    title = html.index("<h1>")
    assert title < html.index("1 of 6 topics done (16%)") < html.index('id="diagram"')
    assert html.index('id="diagram"') < html.index('id="outline-heading"')
    assert "1 in progress" in html
    assert '<details class="section-progress">' in html  # closed until asked for
    assert html.index('action="/tracks/ml/unfollow/"') < html.index('id="diagram"')


# --- without JavaScript ----------------------------------------------------------------------


def outline_form(html: str, key: str) -> tuple[str, list[tuple[str, str]]]:
    form = re.search(rf'<form[^>]*hx-target="#outline-{key}".*?</form>', html, re.S)[0]
    action = re.search(r'action="([^"]+)"', form).group(1)
    fields = [
        (name, unescape(value))
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)
    ]
    return action, fields


def test_without_javascript_the_outline_form_changes_a_status(alice, track):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    set_status(alice, topic(track, "apis"), "doing")

    action, fields = outline_form(page(browser), "apis")
    response = browser.post(action, _encode(fields + [("status", "done")]))  # box ticked
    assert response.status_code == 302
    assert response["Location"] == "/tracks/ml/#outline-apis"
    assert TopicProgress.objects.get(user=alice, topic=topic(track, "apis")).status == "done"

    html = page(browser)
    assert 'id="done-apis" checked' in html
    action, fields = outline_form(html, "apis")
    browser.post(action, _encode(fields))  # box unticked
    assert TopicProgress.objects.get(user=alice, topic=topic(track, "apis")).status == "todo"


def _encode(fields: list[tuple[str, str]]) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return data


# --- every change shows at once ----------------------------------------------------------------


def test_a_renamed_topic_shows_at_once(client, curator, track, no_redraw):
    assert "Python" in page(client)
    python = topic(track, "python")
    client.force_login(curator)
    data = {
        "title": "Python 3",
        "description": "",
        "parent": python.parent_id,
        "order": python.order,
        "side": python.side,
        "colour": "",
        "resources-TOTAL_FORMS": "0",
        "resources-INITIAL_FORMS": "0",
        "resources-MIN_NUM_FORMS": "0",
        "resources-MAX_NUM_FORMS": "1000",
    }
    response = client.post("/curate/ml/t/python/edit/", data)
    assert response.status_code == 302
    client.logout()
    assert ">Python 3</a>" in page(client)


def test_a_retired_topic_leaves_the_page_at_once_and_comes_back_when_restored(
    client, curator, track, no_redraw
):
    assert 'id="outline-batch"' in page(client)
    client.force_login(curator)
    client.post("/curate/ml/t/batch/retire/")
    assert 'id="outline-batch"' not in page(client)
    assert "0 of 5 topics done" in page(client)
    client.post("/curate/ml/t/batch/restore/")
    assert 'id="outline-batch"' in page(client)


def test_behaviours_descriptions_and_resources_edited_anywhere_make_a_new_version(client, track):
    page(client)
    ExpectedBehaviour.objects.create(track=track, text="Ships models to production", order=1)
    assert "Ships models to production" in page(client)
    track.description = "All about *serving* models."
    track.save()
    assert "All about <em>serving</em> models." in page(client)
    apis = topic(track, "apis")
    apis.resources.create(title="Docs", url="https://example.com/")
    assert Track.objects.get(pk=track.pk).content_version != track.content_version


def test_a_reimport_shows_new_titles_at_once(db, client, tmp_path):
    folder = tmp_path / "deep"
    folder.mkdir()
    (folder / "README.md").write_text("# Deep learning\n\nAbout.\n", encoding="utf-8")
    source = "@startmindmap\n* Deep learning\n** Tensors\n** Layers\n@endmindmap\n"
    (folder / "deep.puml").write_text(source, encoding="utf-8")
    call_command("import_track", str(folder), stdout=io.StringIO(), stderr=io.StringIO())
    html = page(client, "deep")
    assert ">Tensors</a>" in html

    (folder / "deep.puml").write_text(source.replace("Layers", "Layers and losses"), "utf-8")
    call_command("import_track", str(folder), stdout=io.StringIO(), stderr=io.StringIO())
    html = page(client, "deep")
    assert ">Layers and losses</a>" in html


# --- the page is cached whole: the header, summary and messages are still each viewer's -------


def nav(html: str) -> str:
    return re.search(r'<nav class="site-nav".*?</nav>', html, re.S)[0]


def test_the_header_of_the_cached_page_is_each_viewers_own(client, alice, bob, charlie, track):
    team = Team.objects.create(name="Platform", slug="platform")
    Membership.objects.create(team=team, user=charlie)
    Notification.objects.create(recipient=charlie, kind="comment_added")
    Notification.objects.create(recipient=charlie, kind="comment_added")
    Notification.objects.create(recipient=alice, kind="comment_added", read_at=timezone.now())

    client.force_login(bob)  # mentors alice; no team, nothing unread
    mentor = nav(page(client))
    client.force_login(charlie)  # in a team, two unread
    member = nav(page(client))
    client.force_login(alice)  # neither; her only notification is read
    learner = nav(page(client))
    client.logout()
    anonymous = nav(page(client))

    assert ">Mentoring</a>" in mentor
    assert ">Teams</a>" not in mentor
    assert "unread-count" not in mentor
    assert ">Mentoring</a>" not in member
    assert ">Teams</a>" in member
    assert '<span class="unread-count">2<span class="visually-hidden"> unread</span>' in member
    assert ">Mentoring</a>" not in learner and ">Teams</a>" not in learner
    assert "unread-count" not in learner
    assert ">Log out</button>" in learner
    assert ">Log in</a>" in anonymous and ">Log out" not in anonymous
    assert ">Notifications" not in anonymous


def test_each_viewer_of_the_cached_page_reads_their_own_summary(client, alice, charlie, drawn):
    set_status(alice, topic(drawn, "python"), "done")
    set_status(alice, topic(drawn, "statistics"), "done")
    set_status(charlie, topic(drawn, "apis"), "doing")
    client.force_login(alice)
    first = page(client)
    client.force_login(charlie)
    second = page(client)
    client.force_login(alice)
    again = page(client)

    assert "2 of 6 topics done (33%)" in first
    assert "0 of 6 topics done (0%)" in second
    assert "1 in progress" in second and "in progress" not in first.split("Progress by")[0]
    assert again.split('<div class="track-layout">')[0].count("2 of 6 topics done") == 1


def test_viewers_with_the_same_statuses_each_see_their_own_follow_and_sign_off(
    client, alice, bob, charlie, drawn
):
    # Viewers with the same statuses share their part of the page (trackpage.viewer_layer).
    for learner in (alice, charlie):
        set_status(learner, topic(drawn, "python"), "done")
    unfollow(charlie, drawn)
    client.force_login(alice)
    following = page(client)
    client.force_login(charlie)
    not_following = page(client)
    assert 'action="/tracks/ml/unfollow/"' in following
    assert 'action="/tracks/ml/follow/"' in not_following
    assert 'action="/tracks/ml/unfollow/"' not in not_following
    follow(charlie, drawn)
    TopicProgress.objects.filter(user=alice).update(confirmed_by=bob)
    client.force_login(charlie)
    assert group_class(page(client), "python") == "topic status-done"
    client.force_login(alice)
    assert group_class(page(client), "python") == "topic status-done status-confirmed"


def test_a_message_shows_on_the_cached_page_once(client, alice, track):
    page(client)  # the anonymous page is cached first
    response = client.post(
        "/accounts/login/?next=/tracks/ml/",
        {"login": "alice", "password": "alice-pass-123"},
        follow=True,
    )
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == "/tracks/ml/"
    assert re.search(r'<li class="message success">[^<]*alice', html)
    assert "message success" not in page(client)


def test_the_language_form_returns_to_the_address_with_its_query(client, alice, track):
    client.force_login(alice)
    html = client.get("/tracks/ml/?from=<x>&y=1").content.decode()
    assert '<input name="next" type="hidden" value="/tracks/ml/?from=%3Cx%3E&amp;y=1">' in html


def test_related_tracks_change_on_the_cached_page_at_once(client, track):
    other = Track.objects.create(slug="data", title="Data engineering")
    assert "See also" not in page(client)
    track.related.add(other)
    assert ">Data engineering</a>" in page(client)
    other.title = "Data platform"
    other.save()
    assert ">Data platform</a>" in page(client)
    other.published = False
    other.save()
    assert "Data platform" not in page(client)
    other.published = True
    other.save()
    assert ">Data platform</a>" in page(client)
    other.related.remove(track)  # from the other side
    assert "Data platform" not in page(client)
    track.related.add(other)
    assert ">Machine Learning</a>" in page(client, "data")
    track.related.clear()
    assert "Data platform" not in page(client)
    assert "Machine Learning" not in page(client, "data")


def test_an_unpublished_track_cached_for_staff_is_a_404_for_everyone_else(
    client, curator, charlie, track
):
    Track.objects.filter(pk=track.pk).update(published=False)
    client.force_login(curator)
    assert client.get("/tracks/ml/").status_code == 200
    client.force_login(charlie)
    assert client.get("/tracks/ml/").status_code == 404
    client.logout()
    assert client.get("/tracks/ml/").status_code == 404


# A visitor's track lookup is kept a second per process (progress.trackpage._visitor_track).


def test_a_visitor_sees_this_processs_changes_to_a_track_at_once(client, track):
    assert "Machine Learning" in client.get("/tracks/ml/").content.decode()
    track.title = "Aprendizado de máquina"
    track.save()
    assert "Aprendizado de máquina" in client.get("/tracks/ml/").content.decode()
    Track.objects.filter(pk=track.pk).update(published=False)
    assert client.get("/tracks/ml/").status_code == 404
    Track.objects.filter(pk=track.pk).update(published=True)
    assert client.get("/tracks/ml/").status_code == 200


def test_a_visitor_sees_another_processs_change_within_a_second(client, track, monkeypatch):
    from django.db import connection

    from progress import trackpage

    assert client.get("/tracks/ml/").status_code == 200
    # Unpublished by another process: a write this process does not see.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE tracks_track SET published = false WHERE id = %s", [track.pk])
    later = trackpage.time.monotonic() + trackpage.VISITOR_FRESH_SECONDS
    monkeypatch.setattr(trackpage.time, "monotonic", lambda: later)
    assert client.get("/tracks/ml/").status_code == 404


def test_signed_in_viewers_read_the_track_on_every_request(client, alice, track):
    client.force_login(alice)
    assert client.get("/tracks/ml/").status_code == 200
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("UPDATE tracks_track SET published = false WHERE id = %s", [track.pk])
    assert client.get("/tracks/ml/").status_code == 404
