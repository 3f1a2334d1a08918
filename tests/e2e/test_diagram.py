"""The track diagram in a browser: a node opens its topic beside the diagram, by mouse or by
keyboard; a status change recolours the node; the diagram zooms."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.e2e.browser import htmx_settled
from tracks.diagrams import render_track_diagram

pytestmark = [pytest.mark.e2e, pytest.mark.plantuml]


@pytest.fixture
def rendered(track, plantuml):
    render_track_diagram(track)
    track.refresh_from_db()
    assert track.diagram is not None, track.diagram_error
    return track


def log_in(page, live_server, user, password: str) -> None:
    page.goto(reverse("account_login"))
    page.fill("input[name=login]", user.username)
    page.fill("input[name=password]", password)
    page.locator("form").filter(has=page.locator("input[name=password]")).locator(
        "button[type=submit]"
    ).click()
    page.wait_for_load_state()


def test_clicking_a_node_opens_its_topic_beside_the_diagram(page, live_server, rendered):
    page.goto(reverse("progress:track", args=["ml"]))

    page.locator('.diagram g.topic[data-topic="apis"]').click()

    panel = page.locator("#topic-panel")
    panel.get_by_text("FastAPI docs").wait_for()
    assert page.url.endswith("/tracks/ml/t/apis/")
    assert page.locator("svg.diagram-svg").count() == 1  # still the track page


def test_a_node_is_reachable_and_opened_with_the_keyboard(page, live_server, rendered):
    page.goto(reverse("progress:track", args=["ml"]))
    link = page.locator('.diagram a.topic-link[aria-label="APIs"]')

    for _ in range(60):
        page.keyboard.press("Tab")
        if link.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the APIs node")
    outline = link.evaluate("el => getComputedStyle(el).outlineStyle")
    page.keyboard.press("Enter")

    assert outline == "solid"
    page.locator("#topic-panel").get_by_text("FastAPI docs").wait_for()
    assert page.url.endswith("/tracks/ml/t/apis/")


def test_marking_a_topic_done_recolours_its_node(page, live_server, alice, rendered):
    log_in(page, live_server, alice, "alice-pass-123")
    page.goto(reverse("progress:track", args=["ml"]))
    rect = page.locator('.diagram g.topic[data-topic="python"] > rect')
    before = rect.evaluate("el => getComputedStyle(el).strokeWidth")

    page.locator('.diagram g.topic[data-topic="python"]').click()
    page.locator("#status-python-done").wait_for()
    htmx_settled(page)
    page.locator("#status-python-done").click()
    page.wait_for_function(
        "() => document.getElementById('diagram-highlights').textContent"
        ".includes('data-topic=\"python\"')"
    )

    assert before == "1.5px"
    # The node open in the panel is outlined as current; its fill shows the new status.
    assert rect.evaluate("el => getComputedStyle(el).fill") == "rgb(212, 239, 214)"


def test_zoom_buttons_enlarge_and_fit_the_diagram(page, live_server, rendered):
    page.goto(reverse("progress:track", args=["ml"]))
    svg = page.locator("svg.diagram-svg")
    fitted = svg.bounding_box()["width"]

    page.get_by_role("button", name=re.compile("Zoom in")).click()
    page.get_by_role("button", name=re.compile("Zoom in")).click()
    zoomed = svg.bounding_box()["width"]
    page.locator('.diagram-toolbar button[data-zoom="reset"]').click()

    assert zoomed > fitted * 1.2  # capped at 2.5× the natural size
    assert svg.bounding_box()["width"] == pytest.approx(fitted, abs=1)
