"""A new user's first visit, done as a person would: sign up, follow the ML engineering track,
open a topic from the diagram, mark it done, write a note, reload and find it all kept. Then the
same with the keyboard only."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command

from progress.models import Follow, Note, TopicProgress
from tests.e2e.browser import htmx_settled
from tracks.diagrams import render_track_diagram
from tracks.models import Track

pytestmark = [pytest.mark.e2e, pytest.mark.plantuml, pytest.mark.django_db(transaction=True)]

ML_TRACK = Path(__file__).resolve().parents[2] / "tracks/content/engenharia-de-machine-learning"
SLUG = "engenharia-de-machine-learning"


@pytest.fixture
def ml_track(plantuml):
    call_command("import_track", str(ML_TRACK), verbosity=0)
    track = Track.objects.get(slug=SLUG)
    render_track_diagram(track)
    track.refresh_from_db()
    assert track.diagram is not None, track.diagram_error
    return track


def sign_up(page, username: str) -> None:
    page.goto("/accounts/signup/")
    page.fill("input[name=username]", username)
    page.fill("input[name=email]", f"{username}@example.com")
    page.fill("input[name=password1]", "a-long-pass-phrase-42")
    page.fill("input[name=password2]", "a-long-pass-phrase-42")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/me/")


def percent_done(page) -> str:
    return page.locator("#progress-summary").inner_text()


def test_new_user_follows_a_track_marks_a_topic_and_finds_it_kept(page, ml_track):
    sign_up(page, "dora")
    page.goto("/")
    page.get_by_role("link", name="Engenharia de Machine Learning").click()
    page.get_by_role("button", name="Start track").click()
    page.get_by_role("button", name="Stop following").wait_for()
    assert "0%" in percent_done(page)

    page.locator('.diagram g.topic[data-topic="python"]').click()
    panel = page.locator("#topic-panel")
    panel.get_by_role("heading", name="Python").wait_for()
    assert page.url.endswith(f"/tracks/{SLUG}/t/python/")
    page.wait_for_function("() => document.activeElement.id === 'topic-title'")  # htmx settled
    panel.get_by_role("button", name="Done").click()
    page.wait_for_function(
        "() => document.getElementById('diagram-highlights').textContent"
        ".includes('data-topic=\"python\"')"
    )
    assert "(1%)" in percent_done(page)
    # Done shows in the node's fill; its border marks it as the topic open in the panel.
    done_fill = page.locator('.diagram g.topic[data-topic="python"] > rect').evaluate(
        "el => getComputedStyle(el).fill"
    )
    assert done_fill == "rgb(212, 239, 214)"
    htmx_settled(page)

    panel.get_by_label("Note", exact=True).fill("Revisar **geradores** e *context managers*.")
    panel.get_by_role("button", name="Add note").click()
    panel.locator(".note-list strong", has_text="geradores").wait_for()

    page.reload()
    assert page.locator("h1").inner_text() == "Python"  # the topic's own URL after the reload
    assert page.locator(".note-list strong", has_text="geradores").count() == 1
    page.goto(f"/tracks/{SLUG}/")
    assert "(1%)" in percent_done(page)
    assert page.locator('.diagram g.topic[data-topic="python"]').get_attribute("class") == (
        "topic status-done"
    )
    assert page.locator("#done-python").is_checked()

    assert Follow.objects.filter(user__username="dora", track=ml_track, active=True).exists()
    assert TopicProgress.objects.get(user__username="dora", topic__key="python").status == "done"
    assert Note.objects.filter(user__username="dora", topic__key="python").count() == 1


def tab_to(page, selector: str, limit: int = 400) -> None:
    target = page.locator(selector).first
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
    pytest.fail(f"Tab never reached {selector}")


def test_the_same_journey_with_the_keyboard_only(page, ml_track):
    page.goto("/accounts/signup/")
    tab_to(page, "input[name=username]")
    page.keyboard.type("eva")
    page.keyboard.press("Tab")
    page.keyboard.type("eva@example.com")
    tab_to(page, "input[name=password1]")
    page.keyboard.type("a-long-pass-phrase-42")
    tab_to(page, "input[name=password2]")
    page.keyboard.type("a-long-pass-phrase-42")
    page.keyboard.press("Enter")
    page.wait_for_url("**/me/")

    page.goto(f"/tracks/{SLUG}/")
    tab_to(page, "form[action$='/follow/'] button")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Stop following").wait_for()

    tab_to(page, '.diagram a.topic-link[aria-label="Python"]')
    page.keyboard.press("Enter")
    page.locator("#topic-panel").get_by_role("heading", name="Python").wait_for()
    # Once htmx has settled the panel, the focus lands on the topic's title.
    page.wait_for_function("() => document.activeElement.id === 'topic-title'")
    page.keyboard.press("d")
    page.wait_for_selector('#status-python-done[aria-pressed="true"]')
    htmx_settled(page)
    assert "(1%)" in percent_done(page)

    tab_to(page, "#topic-panel textarea")
    page.keyboard.type("Anotado só com o teclado.")
    tab_to(page, "#topic-panel .note-form button[type=submit]")
    page.keyboard.press("Enter")
    page.locator("#topic-panel .note-list").get_by_text("Anotado só com o teclado.").wait_for()

    page.reload()
    assert page.locator(".note-list").get_by_text("Anotado só com o teclado.").count() == 1
    assert TopicProgress.objects.get(user__username="eva", topic__key="python").status == "done"
