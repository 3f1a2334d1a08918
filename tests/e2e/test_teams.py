"""Teams in a browser: staff create a team, the lead invites, members accept and work, and the
lead reads the team on the track's diagram, with a mouse, with the keyboard and on a phone."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from progress.services import set_status
from teams import services
from teams.models import Membership, Team
from tests.conftest import topic
from tests.e2e.browser import console_errors, htmx_settled, sign_in
from tracks.diagrams import render_track_diagram

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

User = get_user_model()


@pytest.fixture
def lead(db):
    return User.objects.create_user("lena", "lena@example.com", "lena-pass-123")


@pytest.fixture
def rendered(track, plantuml):
    render_track_diagram(track)
    track.refresh_from_db()
    assert track.diagram is not None, track.diagram_error
    return track


@pytest.mark.plantuml
def test_from_a_new_team_to_the_lead_reading_its_heatmap(
    page, live_server, curator, lead, alice, charlie, rendered
):
    errors = console_errors(page)
    # Staff create the team and name its lead.
    sign_in(page, curator, live_server)
    page.goto("/teams/")
    page.get_by_role("link", name="New team").click()
    page.get_by_role("textbox", name="Name:", exact=True).fill("Plataforma")
    page.get_by_label("Slug").fill("plataforma")
    page.get_by_label("First lead (username or verified e-mail)").fill("lena")
    page.get_by_label("Machine Learning").check()
    page.get_by_role("button", name="Create team").click()
    page.get_by_text("Team Plataforma created; lena leads it.").wait_for()

    # The lead invites two people.
    sign_in(page, lead, live_server)
    page.goto("/teams/plataforma/manage/")
    for name in ("alice", "charlie"):
        page.get_by_label("Username or verified e-mail").fill(name)
        page.get_by_role("button", name="Invite", exact=True).click()
        page.get_by_text(f"You invited {name};").wait_for()

    # Each accepts on their page, without a reload, then marks topics.
    for user, keys in ((alice, ["python", "statistics"]), (charlie, ["python"])):
        sign_in(page, user, live_server)
        page.goto("/me/")
        page.evaluate("window.notReloaded = true")
        assert "never see your private notes" in page.locator(".team-invitations").inner_text()
        page.get_by_role("button", name="Join Plataforma").click()
        page.get_by_text("You joined the team Plataforma.").wait_for()
        assert page.evaluate("window.notReloaded") is True
        for key in keys:
            page.goto(f"/tracks/ml/t/{key}/")
            page.locator(f"#status-{key}-done").click()
            page.wait_for_load_state()
    assert Membership.objects.filter(team__slug="plataforma", role="member").count() == 2

    # The lead opens the heatmap and clicks a node: who is done shows beside the diagram.
    sign_in(page, lead, live_server)
    page.goto("/teams/plataforma/")
    page.get_by_role("link", name="Machine Learning", exact=True).click()
    python = page.locator('.diagram a.topic-link:has(g.topic[data-topic="python"])')
    assert python.get_attribute("aria-label") == "Python: 2 of 2 members done (100%)"
    fill = page.locator('.diagram g.topic[data-topic="python"] > rect')
    assert fill.evaluate("el => getComputedStyle(el).strokeWidth") == "5px"
    python.click()
    panel = page.locator("#topic-panel")
    panel.get_by_role("heading", name="Done (2)").wait_for()
    assert "alice" in panel.inner_text() and "charlie" in panel.inner_text()
    assert page.url.endswith("/teams/plataforma/ml/t/python/")
    assert page.locator("svg.diagram-svg").count() == 1  # still the heatmap page
    assert errors == []


@pytest.fixture
def team(lead, alice, charlie, track):
    team = services.create_team("Plataforma", "plataforma", lead, [track])
    for user in (alice, charlie):
        Membership.objects.create(team=team, user=user)
    set_status(alice, topic(track, "apis"), "done")
    set_status(charlie, topic(track, "apis"), "skipped", reason="Not for us")
    return team


@pytest.mark.plantuml
def test_lead_reads_a_topic_with_the_keyboard_only(page, live_server, lead, team, rendered):
    sign_in(page, lead, live_server)
    page.goto("/teams/plataforma/ml/")
    link = page.locator('.diagram a.topic-link:has(g.topic[data-topic="apis"])')
    for _ in range(80):
        page.keyboard.press("Tab")
        if link.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the APIs node")
    assert link.evaluate("el => getComputedStyle(el).outlineStyle") == "solid"
    page.keyboard.press("Enter")
    title = page.locator("#topic-panel #topic-title")
    title.wait_for()
    htmx_settled(page)
    assert title.evaluate("el => el === document.activeElement")
    panel = page.locator("#topic-panel").inner_text()
    assert "Not for us" in panel and "alice" in panel

    # The outline opens the same panel from the keyboard.
    outline_link = page.locator(".team-outline a", has_text="Batch")
    outline_link.focus()
    page.keyboard.press("Enter")
    page.locator("#topic-panel #topic-title", has_text="Batch").wait_for()


@pytest.mark.parametrize("url", ["/teams/plataforma/", "/teams/plataforma/manage/", "/me/"])
def test_team_pages_fit_a_phone(phone_page, live_server, lead, team, url):
    Team.objects.get(slug="plataforma")
    services.invite(team, lead, User.objects.create_user("dora"))
    sign_in(phone_page, lead, live_server)
    phone_page.goto(url)
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360


@pytest.mark.plantuml
def test_heatmap_fits_a_phone_and_its_panel_opens(phone_page, live_server, lead, team, rendered):
    sign_in(phone_page, lead, live_server)
    phone_page.goto("/teams/plataforma/ml/")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    phone_page.locator(".team-outline a", has_text="APIs").click()
    phone_page.locator("#topic-panel #topic-title", has_text="APIs").wait_for()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360


def test_members_check_ins_fit_a_phone(phone_page, live_server, lead, team, alice, bob, track):
    from checkins import services as checkins
    from progress.models import Follow
    from tracks.models import ExpectedBehaviour

    behaviours = [
        ExpectedBehaviour.objects.create(track=track, text=f"Behaviour number {n} " * 3, order=n)
        for n in range(10)
    ]
    Follow.objects.get_or_create(user=alice, track=track)
    checkin = checkins.start_checkin(alice, track)
    for behaviour in behaviours:
        checkins.save_rating(checkin, behaviour, 2, "A long piece of evidence " + "x" * 80)
    checkins.submit_checkin(checkin)
    for behaviour in behaviours:
        checkins.save_mentor_rating(bob, checkin, behaviour, 3, "Good")
    checkins.complete_checkin(bob, checkin)

    sign_in(phone_page, lead, live_server)
    phone_page.goto("/teams/plataforma/ml/")
    # Portuguese, the site's default language: the links are found by where they lead.
    phone_page.locator('a[href="/teams/plataforma/ml/checkins/"]').click()
    phone_page.get_by_role("heading", name="Check-ins de Plataforma: Machine Learning").wait_for()
    phone_page.wait_for_load_state()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    phone_page.locator('.member-levels th a[href="/teams/plataforma/ml/checkins/alice/"]').click()
    phone_page.get_by_role("heading", name="Check-in de alice", exact=False).wait_for()
    phone_page.wait_for_load_state()  # its style sheets too
    assert "Good" in phone_page.locator(".behaviour-list").inner_text()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
