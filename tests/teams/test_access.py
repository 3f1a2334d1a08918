"""Who sees what: leads and staff see the team's progress, a member sees the team and can
leave, and to anybody else (a stranger, a former member) a team does not exist."""

import pytest
from django.contrib.auth import get_user_model

from progress.models import Mentorship
from progress.services import set_status
from teams import services
from teams.models import Membership
from tests.conftest import topic
from tests.teams.conftest import draw

User = get_user_model()

LEAD_PAGES = [
    "/teams/plataforma/manage/",
    "/teams/plataforma/ml/",
    "/teams/plataforma/ml/sections.csv",
    "/teams/plataforma/ml/t/python/",
]


@pytest.fixture
def progress(team, alice, track):
    set_status(alice, topic(track, "python"), "done")


def test_lead_sees_members_progress(client, lead, team, progress):
    client.force_login(lead)
    page = client.get("/teams/plataforma/").content.decode()
    assert "Members and tracks" in page or "Membros e trilhas" in page
    assert "alice" in page
    for url in LEAD_PAGES:
        assert client.get(url).status_code == 200, url


def test_staff_sees_any_team(client, curator, team, progress):
    client.force_login(curator)
    assert "alice" in client.get("/teams/plataforma/").content.decode()
    for url in LEAD_PAGES:
        assert client.get(url).status_code == 200, url


def test_member_sees_the_team_but_not_the_others_progress(client, alice, team, english):
    bea = User.objects.create_user("bea")
    Membership.objects.create(team=team, user=bea)
    client.force_login(alice)
    response = client.get("/teams/plataforma/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "2 members." in page
    assert "bea" not in page
    assert "Leave Plataforma" in page
    assert "never see your private notes" in page
    for url in LEAD_PAGES:
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("url", ["/teams/plataforma/", *LEAD_PAGES])
def test_stranger_gets_404(client, charlie, team, url):
    client.force_login(charlie)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("url", ["/teams/plataforma/", *LEAD_PAGES])
def test_former_member_gets_404(client, ex_member, url):
    client.force_login(ex_member)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("url", ["/teams/", "/teams/new/", "/teams/plataforma/", *LEAD_PAGES])
def test_anonymous_is_asked_to_log_in(client, team, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_track_not_in_the_team_is_404_for_its_lead(client, lead, team):
    from tracks.models import Track

    Track.objects.create(slug="other", title="Other")
    client.force_login(lead)
    assert client.get("/teams/plataforma/other/").status_code == 404


def test_a_member_cannot_manage(client, alice, team):
    client.force_login(alice)
    assert client.post("/teams/plataforma/manage/invite/", {"who": "charlie"}).status_code == 404
    assert client.post("/teams/plataforma/manage/links/", {"days": 7}).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/teams/plataforma/leave/",
        "/teams/plataforma/manage/invite/",
        "/teams/invitations/1/accept/",
    ],
)
def test_actions_refuse_get(client, lead, team, url):
    client.force_login(lead)
    assert client.get(url).status_code == 405


def test_pages_refuse_post(client, lead, team):
    client.force_login(lead)
    assert client.post("/teams/plataforma/").status_code == 405
    assert client.post("/teams/plataforma/ml/").status_code == 405


def test_header_links_to_teams_for_members_leads_and_staff_only(
    client, alice, lead, team, charlie, curator, english
):
    for user, shown in [(alice, True), (lead, True), (curator, True), (charlie, False)]:
        client.force_login(user)
        page = client.get("/").content.decode()
        assert ('href="/teams/"' in page) is shown, user


# --- leads are not mentors -------------------------------------------------------------------


def test_lead_who_is_not_a_mentor_cannot_see_comment_or_confirm(
    client, lead, alice, team, track, progress
):
    client.force_login(lead)
    assert client.get("/mentoring/alice/ml/").status_code == 404
    url = "/mentoring/alice/ml/t/python/"
    assert client.post(url + "comments/", {"body": "Nice"}).status_code == 404
    assert client.post(url + "confirm/").status_code == 404
    assert not alice.comments_received.exists()


def test_lead_who_is_also_her_mentor_keeps_the_mentoring_pages(
    client, lead, alice, team, track, progress
):
    Mentorship.objects.create(mentor=lead, mentee=alice, state=Mentorship.State.ACTIVE)
    client.force_login(lead)
    assert client.get("/mentoring/alice/ml/").status_code == 200
    response = client.post("/mentoring/alice/ml/t/python/confirm/")
    assert response.status_code == 302
    assert alice.topic_progress.get(topic__key="python").confirmed_by == lead


@pytest.mark.parametrize(
    "url",
    ["/teams/", "/teams/new/", "/teams/plataforma/", *LEAD_PAGES[:2], LEAD_PAGES[3]],
)
def test_team_pages_have_one_h1(client, curator, team, url):
    client.force_login(curator)
    assert client.get(url).content.decode().count("<h1") == 1


def test_team_pages_speak_portuguese(client, lead, team, track, settings):
    settings.LANGUAGE_CODE = "pt-br"
    draw(track)
    client.force_login(lead)
    page = client.get("/teams/plataforma/", headers={"accept-language": "pt-BR"}).content.decode()
    assert "Membros e trilhas" in page
    assert ">Times</a>" in page
    heatmap = client.get("/teams/plataforma/ml/", headers={"accept-language": "pt-BR"})
    assert "ninguém concluiu" in heatmap.content.decode()
    assert "menos de 25% concluíram" in heatmap.content.decode()


def test_a_lead_of_another_team_gets_404_on_a_heatmap_another_lead_opened(
    client, lead, team, track, charlie
):
    # The heatmap is cached once a lead opened it; leading another team on the same track
    # still opens nothing of this one.
    other = services.create_team("Dados", "dados", charlie, [track])
    client.force_login(lead)
    assert client.get("/teams/plataforma/ml/").status_code == 200
    client.force_login(charlie)
    assert client.get("/teams/plataforma/ml/").status_code == 404
    assert client.get(f"/teams/{other.slug}/ml/").status_code == 200
