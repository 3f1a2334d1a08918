"""Check-ins in a browser, with the keyboard only: a learner rates the ten behaviours of the ML
track with evidence linking a topic and submits; the mentor rates and completes; the learner
sees the gaps and the chart. The pages fit a 360 px screen."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command

from checkins import services
from checkins.models import CheckIn, MentorRating, Rating
from progress.models import Follow
from tests.e2e.browser import console_errors, htmx_settled, sign_in
from tracks.models import Track

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ML_TRACK = Path(__file__).resolve().parents[2] / "tracks/content/engenharia-de-machine-learning"
SLUG = "engenharia-de-machine-learning"
# Alice's levels (1 Not yet … 4 Role model) and Bob's, per behaviour: gaps on behaviours 1
# (two steps apart) and 4 (Bob below Consistently).
OWN = [4, 3, 3, 2, 3, 3, 3, 3, 3, 3]
MENTOR = [2, 3, 3, 2, 3, 4, 3, 3, 3, 3]


@pytest.fixture
def ml_track(settings, alice, bob):
    settings.PLANTUML_URL = ""  # the pages here need no diagram
    call_command("import_track", str(ML_TRACK), verbosity=0)
    track = Track.objects.get(slug=SLUG)
    Follow.objects.create(user=alice, track=track)
    return track


def tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until `selector` has the focus."""
    target = page.locator(selector).first
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
    pytest.fail(f"Tab never reached {selector}")


def pick_level(page, level: int) -> None:
    """In a radio group that has the focus: check the first option, then move down."""
    page.keyboard.press("Space")
    for _ in range(level - 1):
        page.keyboard.press("ArrowDown")


def test_check_in_from_rating_to_gaps_with_the_keyboard_only(
    page, live_server, alice, bob, ml_track
):
    behaviours = list(ml_track.behaviours.live().order_by("order"))
    assert len(behaviours) == 10
    topic = ml_track.topics.filter(parent__isnull=False).order_by("order").first()
    errors = console_errors(page)

    # The learner: from the track page to the Behaviours view, start, rate, submit.
    sign_in(page, alice, live_server)
    page.goto(f"/tracks/{SLUG}/")
    tab_to(page, f"a[href='/tracks/{SLUG}/behaviours/']")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/tracks/{SLUG}/behaviours/")
    tab_to(page, "form[action$='/behaviours/start/'] button")
    page.keyboard.press("Enter")
    page.get_by_text("Check-in started").wait_for()
    page.evaluate("window.notReloaded = true")

    for behaviour, level in zip(behaviours, OWN, strict=True):
        tab_to(page, f"#rating-{behaviour.key}-level_0")
        pick_level(page, level)
        page.keyboard.press("Tab")
        page.keyboard.type(f"Did it in my project, see #{topic.key}.")
        tab_to(page, f"#save-{behaviour.key}")
        page.keyboard.press("Enter")
        page.locator(f"#behaviour-{behaviour.key} .saved").wait_for()
        htmx_settled(page)
    assert page.evaluate("window.notReloaded") is True
    link = page.locator(f"#behaviour-{behaviours[0].key} .evidence-preview a")
    assert link.get_attribute("href") == f"/tracks/{SLUG}/t/{topic.key}/"
    assert Rating.objects.filter(level__isnull=False).count() == 10

    tab_to(page, "form[action$='/behaviours/submit/'] button")
    page.keyboard.press("Enter")
    page.get_by_text("Check-in submitted to your mentors.").wait_for()
    checkin = CheckIn.objects.get(user=alice)
    assert checkin.state == "submitted"

    # The mentor: the mentoring page says a check-in is waiting; rate each behaviour; complete.
    page.context.clear_cookies()
    sign_in(page, bob, live_server)
    page.goto("/mentoring/")
    assert "1 check-in waiting for you" in page.locator("main").inner_text()
    tab_to(page, f".checkin-waiting a[href$='/checkins/{checkin.pk}/']")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/checkins/{checkin.pk}/")
    assert "Did it in my project" in page.locator("main").inner_text()
    for behaviour, level in zip(behaviours, MENTOR, strict=True):
        tab_to(page, f"#review-{behaviour.key}-level_0")
        pick_level(page, level)
        page.keyboard.press("Tab")
        page.keyboard.type("Seen in the last review.")
        tab_to(page, f"#review-save-{behaviour.key}")
        page.keyboard.press("Enter")
        page.locator(f"#review-{behaviour.key} .saved").wait_for()
        htmx_settled(page)
    assert MentorRating.objects.count() == 10
    tab_to(page, "form[action$='/complete/'] button")
    page.keyboard.press("Enter")
    page.get_by_text("Check-in completed").wait_for()

    # The learner sees the result, the gaps and the chart.
    page.context.clear_cookies()
    sign_in(page, alice, live_server)
    page.goto(f"/tracks/{SLUG}/behaviours/")
    tab_to(page, f"a[href='/tracks/{SLUG}/behaviours/history/']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/behaviours/history/")
    gaps = page.locator(".gap-list li")
    assert gaps.count() == 2
    assert behaviours[0].text in gaps.nth(0).inner_text()
    assert behaviours[3].text in gaps.nth(1).inner_text()
    chart = page.locator("svg.ratings-chart")
    assert chart.is_visible()
    assert chart.locator("circle").count() == 10 and chart.locator("rect").count() == 10
    assert (
        "Your ratings and your mentors' per behaviour"
        in chart.locator("title").first.text_content()
    )
    assert page.locator(".ratings-table tbody tr").count() == 10
    assert errors == []


def test_check_in_pages_fit_a_phone(phone_page, live_server, alice, bob, ml_track):
    behaviours = list(ml_track.behaviours.live().order_by("order"))
    first = services.start_checkin(alice, ml_track)
    for behaviour, level in zip(behaviours, OWN, strict=True):
        services.save_rating(first, behaviour, level, "Uma evidência longa " + "x" * 80)
    services.submit_checkin(first)
    for behaviour, level in zip(behaviours, MENTOR, strict=True):
        services.save_mentor_rating(bob, first, behaviour, level, "Bom")
    services.complete_checkin(bob, first)
    second = services.start_checkin(alice, ml_track)
    services.submit_checkin(second)
    services.start_checkin(alice, ml_track)

    sign_in(phone_page, alice, live_server)
    for url in (
        f"/tracks/{SLUG}/behaviours/",
        f"/tracks/{SLUG}/behaviours/history/",
        f"/tracks/{SLUG}/behaviours/checkins/{first.pk}/",
    ):
        phone_page.goto(url)
        assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360, url
        if url.endswith("/history/"):
            assert phone_page.locator("svg.ratings-chart").bounding_box()["width"] <= 360

    sign_in(phone_page, bob, live_server)
    for url in ("/mentoring/", f"/mentoring/alice/{SLUG}/checkins/{second.pk}/"):
        phone_page.goto(url)
        assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360, url


def test_the_topic_picker_appends_a_topic_link_and_survives_a_save(
    page, live_server, alice, ml_track
):
    services.start_checkin(alice, ml_track)
    behaviour = ml_track.behaviours.live().order_by("order").first()
    topic = ml_track.topics.filter(parent__isnull=False).order_by("order").first()
    errors = console_errors(page)
    sign_in(page, alice, live_server)
    page.goto(f"/tracks/{SLUG}/behaviours/")
    item = page.locator(f"#behaviour-{behaviour.key}")
    item.get_by_label("Evidence").fill("Shipped it")
    item.get_by_label("A topic of the track").select_option(topic.key)
    item.get_by_role("button", name="Link this topic").click()
    assert item.get_by_label("Evidence").input_value() == f"Shipped it #{topic.key}"

    item.get_by_label("Consistently").check()
    item.get_by_role("button", name="Save").click()
    page.locator(f"#behaviour-{behaviour.key} .saved").wait_for()
    htmx_settled(page)
    assert page.locator(f"#behaviour-{behaviour.key} select").count() == 1
    assert Rating.objects.get(behaviour=behaviour).evidence == f"Shipped it #{topic.key}"
    assert errors == []
