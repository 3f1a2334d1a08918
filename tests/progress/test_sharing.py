"""A learner's diagram downloaded with their statuses (SVG, PNG), and the progress badge of a
public profile."""

from __future__ import annotations

import re

import pytest

from progress.models import Profile, Status
from progress.services import follow, set_status
from tests.conftest import topic
from tracks.diagrams import render_track_diagram

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def rendered(track, plantuml):
    render_track_diagram(track)
    track.refresh_from_db()
    assert track.diagram is not None, track.diagram_error
    return track


def node_classes(svg: str, key: str) -> str:
    match = re.search(rf'<g class="topic ?([^"]*)" data-topic="{key}">', svg)
    assert match, key
    return match.group(1)


@pytest.mark.plantuml
def test_svg_download_carries_the_viewers_statuses_only(client, alice, charlie, rendered):
    set_status(alice, topic(rendered, "python"), Status.DONE)
    set_status(alice, topic(rendered, "apis"), Status.DOING)
    set_status(charlie, topic(rendered, "batch"), Status.DONE)
    client.force_login(alice)

    response = client.get("/tracks/ml/my-diagram.svg")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    assert response["Content-Disposition"] == 'attachment; filename="ml-alice.svg"'
    svg = response.content.decode()
    assert svg.startswith("<?xml")
    assert node_classes(svg, "python") == "status-done"
    assert node_classes(svg, "apis") == "status-doing"
    assert node_classes(svg, "batch") == ""
    style = re.search(r"<style>(.*?)</style>", svg, re.S).group(1)
    assert '.diagram g.topic[data-topic="python"] > rect' in style
    assert "batch" not in style
    assert "var(" not in style  # plain colours, for any SVG viewer
    assert 'href="http://testserver/tracks/ml/t/python/"' in svg


@pytest.mark.plantuml
def test_png_download_is_a_picture_of_the_diagram(client, alice, rendered):
    client.force_login(alice)

    response = client.get("/tracks/ml/my-diagram.png")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert response["Content-Disposition"] == 'attachment; filename="ml-alice.png"'


@pytest.mark.plantuml
def test_track_page_links_the_downloads_for_signed_in_learners(client, alice, rendered):
    assert "my-diagram.svg" not in client.get("/tracks/ml/").content.decode()
    client.force_login(alice)
    page = client.get("/tracks/ml/").content.decode()
    assert 'href="/tracks/ml/my-diagram.svg"' in page
    assert 'href="/tracks/ml/my-diagram.png"' in page


def test_downloads_need_a_login_a_diagram_and_a_visible_track(client, alice, track):
    assert client.get("/tracks/ml/my-diagram.svg").status_code == 302
    client.force_login(alice)
    assert client.get("/tracks/ml/my-diagram.svg").status_code == 404  # never rendered
    assert client.post("/tracks/ml/my-diagram.svg").status_code == 405
    track.published = False
    track.save(update_fields=["published"])
    assert client.get("/tracks/ml/my-diagram.png").status_code == 404


def make_public(user) -> None:
    Profile.objects.update_or_create(user=user, defaults={"public": True})


def test_badge_shows_the_percent_done_of_a_public_follower(client, alice, track):
    make_public(alice)
    follow(alice, track)
    for key in ("python", "statistics"):
        set_status(alice, topic(track, key), Status.DONE)

    response = client.get("/u/alice/ml/badge.svg")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    assert "public" in response["Cache-Control"] and "max-age=600" in response["Cache-Control"]
    svg = response.content.decode()
    assert ">Trilha<" in svg and ">Machine Learning<" in svg and ">33%<" in svg
    assert 'aria-label="Trilha: Machine Learning: 33%"' in svg


def test_badge_is_not_served_for_a_private_profile_or_an_unfollowed_track(client, alice, track):
    follow(alice, track)
    assert client.get("/u/alice/ml/badge.svg").status_code == 404  # private
    make_public(alice)
    assert client.get("/u/alice/ml/badge.svg").status_code == 200
    assert client.get("/u/alice/other/badge.svg").status_code == 404
    assert client.get("/u/nobody/ml/badge.svg").status_code == 404
    from progress.services import unfollow

    unfollow(alice, track)
    assert client.get("/u/alice/ml/badge.svg").status_code == 404


def test_badge_of_a_stranger_who_does_not_follow_is_404(client, alice, charlie, track):
    make_public(charlie)
    follow(alice, track)
    make_public(alice)
    assert client.get("/u/charlie/ml/badge.svg").status_code == 404


def test_profile_page_offers_the_badge_snippet_when_public(client, alice, track):
    follow(alice, track)
    client.force_login(alice)
    assert "badge.svg" not in client.get("/me/profile/").content.decode()
    make_public(alice)
    page = client.get("/me/profile/").content.decode()
    assert "[![Trilha: Machine Learning](http://testserver/u/alice/ml/badge.svg)]" in page
