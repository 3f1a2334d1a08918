"""Mentors in a browser: invitations and answers swap rows in place; the pages fit a phone."""

import pytest
from allauth.account.models import EmailAddress

from progress.models import Comment, Mentorship, Note, TopicProgress
from progress.services import add_comment, confirm, set_status
from tests.conftest import topic
from tests.e2e.browser import console_errors, htmx_settled, sign_in
from tracks.diagrams import render_track_diagram

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_learner_invites_a_mentor_without_reloading(page, live_server, alice, charlie):
    EmailAddress.objects.create(user=charlie, email="charlie@example.com", verified=True)
    sign_in(page, alice, live_server)
    errors = console_errors(page)
    page.goto("/me/mentors/")
    page.evaluate("window.notReloaded = true")

    page.get_by_label("Username or e-mail").fill("nobody")
    page.get_by_role("button", name="Invite", exact=True).click()
    page.get_by_text("Nobody here has this username or e-mail.").wait_for()
    htmx_settled(page)
    page.get_by_label("Username or e-mail").fill("charlie@example.com")
    page.get_by_role("button", name="Invite", exact=True).click()

    page.get_by_role("button", name="Cancel invitation to charlie").wait_for()
    assert page.get_by_label("Username or e-mail").input_value() == ""
    assert page.evaluate("window.notReloaded") is True
    assert Mentorship.objects.get(mentee=alice).mentor == charlie
    assert errors == []


def test_mentor_accepts_then_stops_without_reloading(page, live_server, alice, charlie, track):
    Mentorship.objects.create(mentor=charlie, mentee=alice)
    set_status(alice, topic(track, "python"), "done")
    sign_in(page, charlie, live_server)
    errors = console_errors(page)
    page.goto("/mentoring/")
    page.evaluate("window.notReloaded = true")

    page.get_by_role("button", name="Accept: mentor alice").click()
    page.locator("#mentees h3", has_text="alice").wait_for()
    assert "You are now the mentor of alice" in page.locator("main").inner_text()
    assert "1 of 6 topics done (16%)" in page.locator("#mentees").inner_text()
    htmx_settled(page)

    page.get_by_role("button", name="Stop mentoring alice").click()
    page.get_by_text("You are no longer the mentor of alice.").wait_for()
    assert page.evaluate("window.notReloaded") is True
    assert Mentorship.objects.get(mentee=alice).state == Mentorship.State.ENDED
    assert errors == []


@pytest.mark.parametrize("url", ["/me/mentors/", "/mentoring/"])
def test_mentorship_pages_fit_a_phone(phone_page, live_server, alice, bob, charlie, track, url):
    Mentorship.objects.create(mentor=charlie, mentee=alice)
    Mentorship.objects.create(mentor=bob, mentee=charlie)
    set_status(alice, topic(track, "python"), "done")
    for user in (alice, bob):
        sign_in(phone_page, user, live_server)
        phone_page.goto(url)
        assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360


@pytest.mark.plantuml
def test_mentee_track_fits_a_phone_and_colours_the_diagram(
    phone_page, live_server, alice, bob, track, plantuml
):
    render_track_diagram(track)
    set_status(alice, topic(track, "python"), "done")
    set_status(alice, topic(track, "batch"), "skipped", reason="Not for us")
    Note.objects.create(
        user=alice,
        topic=topic(track, "python"),
        body="A very long URL https://example.com/" + "x" * 120,
        shared=True,
    )
    sign_in(phone_page, bob, live_server)
    phone_page.goto("/mentoring/alice/ml/")

    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    node_class = '.diagram g.topic[data-topic="{}"]'
    assert "status-done" in phone_page.locator(node_class.format("python")).get_attribute("class")
    assert "status-skipped" in phone_page.locator(node_class.format("batch")).get_attribute("class")
    assert "status-" not in (phone_page.locator(node_class.format("apis")).get_attribute("class"))
    # A node opens the mentor's panel of that topic, with the shared note.
    phone_page.locator(node_class.format("python")).click()
    phone_page.locator("#topic-panel .shared-notes .note").wait_for()
    assert phone_page.url.endswith("/mentoring/alice/ml/t/python/")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360


def test_mentor_comments_and_confirms_without_reloading(page, live_server, alice, bob, track):
    set_status(alice, topic(track, "python"), "done")
    sign_in(page, bob, live_server)
    errors = console_errors(page)
    page.goto("/mentoring/alice/ml/")
    page.evaluate("window.notReloaded = true")
    page.locator("#mentee-row-python a").click()
    row = page.locator("#topic-panel #mentee-topic-python")
    row.wait_for()
    htmx_settled(page)
    assert page.url.endswith("/mentoring/alice/ml/t/python/")

    row.get_by_role("button", name="Confirm Python").click()
    row.get_by_role("button", name="Withdraw confirmation Python").wait_for()
    assert "Done, confirmed by a mentor" in row.inner_text()
    assert "Done, confirmed by a mentor" in page.locator("#mentee-row-python").inner_text()
    htmx_settled(page)

    row.get_by_label("Your comment on Python").fill("Try **pytest** next.")
    row.get_by_role("button", name="Add comment").click()
    row.locator(".comment strong", has_text="pytest").wait_for()
    htmx_settled(page)

    row.get_by_role("button", name="Delete my comment").click()
    row.locator(".comment").wait_for(state="detached")
    assert page.evaluate("window.notReloaded") is True
    assert TopicProgress.objects.get(user=alice, topic__key="python").confirmed_by == bob
    assert not Comment.objects.exists()
    assert errors == []


def test_comments_and_sign_off_fit_a_phone(phone_page, live_server, alice, bob, track):
    set_status(alice, topic(track, "python"), "done")
    confirm(bob, alice, topic(track, "python"))
    add_comment(bob, alice, topic(track, "python"), "See https://example.com/" + "x" * 120)
    for user, url in [(bob, "/mentoring/alice/ml/t/python/"), (alice, "/tracks/ml/t/python/")]:
        sign_in(phone_page, user, live_server)
        phone_page.goto(url)
        phone_page.locator(".comment").first.wait_for()
        assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
