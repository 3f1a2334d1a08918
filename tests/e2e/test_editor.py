"""A curator edits a track in a browser and learners see the change at once."""

import pytest

from progress.models import TopicProgress
from progress.services import set_status
from tests.conftest import topic
from tests.e2e.browser import console_errors, sign_in
from tracks.models import Resource, Topic

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_curator_renames_a_topic_adds_content_and_retires_one(
    page, live_server, curator, alice, track, settings
):
    settings.PLANTUML_URL = ""  # the pages show the outline; no diagram server needed
    set_status(alice, topic(track, "batch"), "done")
    sign_in(page, curator, live_server)
    errors = console_errors(page)

    page.goto("/tracks/ml/t/python/")
    page.get_by_role("link", name="Edit topic").click()
    page.get_by_role("region", name="Topic").get_by_label("Title").fill("Python 3")
    page.get_by_role("group", name="New resource").get_by_label("Title").fill("Tutorial")
    page.get_by_role("group", name="New resource").get_by_label("URL").fill("docs.python.org/3/")
    page.get_by_role("button", name="Save topic").click()
    page.get_by_text("Topic saved.").wait_for()

    page.goto("/tracks/ml/t/batch/")
    page.get_by_role("link", name="Edit topic").click()
    page.get_by_role("button", name="Retire “Batch”").click()
    page.wait_for_url("**/curate/ml/**")

    page.goto("/tracks/ml/")
    outline = page.locator(".outline").inner_text()
    assert "Python 3" in outline
    assert "Batch" not in outline
    assert Resource.objects.get(title="Tutorial").url == "https://docs.python.org/3/"
    assert Topic.objects.get(key="batch").retired
    assert TopicProgress.objects.get(user=alice, topic__key="batch").status == "done"
    assert errors == []
