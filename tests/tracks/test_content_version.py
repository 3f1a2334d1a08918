"""`Track.content_version` names what a track shows; cached pages are keyed by it, so every
change to the content must give a new one."""

from __future__ import annotations

import pytest

from tests.conftest import topic
from tracks import diagrams
from tracks.models import Diagram, ExpectedBehaviour, Resource, Track


def version(track: Track) -> str:
    return Track.objects.get(pk=track.pk).content_version


def test_saving_or_deleting_a_topic_makes_a_new_version(track):
    before = version(track)
    python = topic(track, "python")
    python.title = "Python 3"
    python.save()
    renamed = version(track)
    assert renamed != before
    topic(track, "batch").delete()
    assert version(track) != renamed


def test_resources_and_behaviours_make_a_new_version(track):
    before = version(track)
    resource = Resource.objects.create(
        topic=topic(track, "python"), title="Docs", url="https://docs.python.org/"
    )
    with_resource = version(track)
    assert with_resource != before
    resource.delete()
    without = version(track)
    assert without != with_resource
    ExpectedBehaviour.objects.create(track=track, text="Ships models", order=1)
    assert version(track) != without


def test_another_tracks_change_leaves_this_version_alone(track):
    other = Track.objects.create(slug="other", title="Other")
    before = version(track)
    ExpectedBehaviour.objects.create(track=other, text="Elsewhere", order=1)
    assert version(track) == before


def test_a_change_of_the_diagram_makes_a_new_version(track, settings):
    before = version(track)
    drawn = Diagram.objects.create(key="d" * 64, source="@startmindmap", svg="<svg></svg>")
    diagrams._point_at(Track.objects.get(pk=track.pk), drawn, "")
    pointed = version(track)
    assert pointed != before
    settings.PLANTUML_URL = ""
    # Without a renderer the drawing of other topics is dropped and the reason recorded.
    diagrams.render_track_diagram(Track.objects.get(pk=track.pk))
    assert version(track) != pointed


@pytest.mark.parametrize("action", ["retire", "restore"])
def test_retiring_and_restoring_in_the_editor_make_a_new_version(
    client, curator, track, action, django_capture_on_commit_callbacks, settings
):
    settings.PLANTUML_URL = ""
    client.force_login(curator)
    if action == "restore":
        client.post("/curate/ml/t/batch/retire/")
    before = version(track)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/curate/ml/t/batch/{action}/")
    assert response.status_code == 302
    assert version(track) != before
