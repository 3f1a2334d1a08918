"""Joining and leaving: staff create a team, leads invite by username or verified e-mail and
by join links, the invited person answers on /me/, members leave, leads remove them."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.utils import timezone

from progress.models import Follow
from progress.services import unfollow
from teams import services
from teams.models import Invitation, JoinLink, Membership, Team
from tracks.models import Track

User = get_user_model()


# --- creating a team -------------------------------------------------------------------------


def test_staff_creates_a_team_and_names_its_first_lead(client, curator, lead, track, english):
    client.force_login(curator)
    assert client.get("/teams/new/").status_code == 200
    response = client.post(
        "/teams/new/",
        {"name": "Plataforma ML", "slug": "plataforma-ml", "lead": "lena", "tracks": [track.pk]},
    )
    assert response.status_code == 302
    assert response.url == "/teams/plataforma-ml/manage/"
    team = Team.objects.get(slug="plataforma-ml")
    assert list(team.tracks.all()) == [track]
    assert list(team.memberships.values_list("user__username", "role")) == [("lena", "lead")]
    client.force_login(lead)
    assert "Plataforma ML" in client.get("/teams/").content.decode()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"name": "X", "slug": "x", "lead": "nobody"}, "Nobody here has this username"),
        ({"name": "X", "slug": "new", "lead": "lena"}, "is reserved"),
        ({"name": "X", "slug": "not a slug", "lead": "lena"}, "Enter a valid"),
        ({"name": "", "slug": "x", "lead": "lena"}, "This field is required"),
    ],
)
def test_bad_team_is_refused_with_a_reason(client, curator, lead, data, error, english):
    client.force_login(curator)
    response = client.post("/teams/new/", data)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Team.objects.exists()


def test_slug_already_taken_is_refused(client, curator, team, english):
    client.force_login(curator)
    response = client.post("/teams/new/", {"name": "Again", "slug": "plataforma", "lead": "lena"})
    assert "Another team already has this slug." in response.content.decode()
    assert Team.objects.count() == 1


def test_only_staff_creates_teams(client, lead, team):
    client.force_login(lead)
    assert client.get("/teams/new/").status_code == 404
    assert client.post("/teams/new/", {"name": "X", "slug": "x", "lead": "lena"}).status_code == 404
    assert Team.objects.count() == 1


# --- invitations -----------------------------------------------------------------------------


def test_lead_invites_by_username_and_the_person_sees_it_on_me(
    client, lead, team, charlie, english
):
    client.force_login(lead)
    response = client.post("/teams/plataforma/manage/invite/", {"who": "charlie"})
    assert response.status_code == 302
    invitation = Invitation.objects.get(team=team, user=charlie)
    assert invitation.state == Invitation.State.PENDING and invitation.invited_by == lead
    client.force_login(charlie)
    page = client.get("/me/").content.decode()
    assert "invited you to the team <strong>Plataforma</strong>" in page
    assert "They never see your private notes" in page
    assert "Join Plataforma" in page and "Decline Plataforma" in page


def test_invite_by_verified_email(client, lead, team, charlie):
    EmailAddress.objects.create(user=charlie, email="charlie@example.com", verified=True)
    client.force_login(lead)
    client.post("/teams/plataforma/manage/invite/", {"who": "Charlie@Example.com"})
    assert Invitation.objects.filter(team=team, user=charlie).exists()


@pytest.mark.parametrize("recorded", [True, False])
def test_unverified_email_leads_to_nobody(client, lead, team, charlie, recorded, english):
    """An address typed at sign up proves nothing until its owner confirms it."""
    if recorded:
        EmailAddress.objects.create(user=charlie, email="charlie@example.com", verified=False)
    client.force_login(lead)
    response = client.post("/teams/plataforma/manage/invite/", {"who": "charlie@example.com"})
    assert response.status_code == 400
    assert (
        "Nobody here has this username or a verified e-mail address." in response.content.decode()
    )
    assert not Invitation.objects.exists()


def test_inviting_twice_or_a_member_is_refused(client, lead, team, alice, charlie, english):
    client.force_login(lead)
    client.post("/teams/plataforma/manage/invite/", {"who": "charlie"})
    again = client.post("/teams/plataforma/manage/invite/", {"who": "charlie"})
    assert "charlie is already invited; they have not answered yet." in again.content.decode()
    member = client.post("/teams/plataforma/manage/invite/", {"who": "alice"})
    assert "alice is already in this team." in member.content.decode()
    assert Invitation.objects.count() == 1


def test_accepting_joins_and_follows_the_tracks_without_unfollowing_any(
    client, team, track, charlie, english
):
    other = Track.objects.create(slug="other", title="Other")
    Follow.objects.create(user=charlie, track=other)
    invitation = services.invite(team, None, charlie)
    client.force_login(charlie)
    response = client.post(f"/teams/invitations/{invitation.pk}/accept/")
    assert response.status_code == 302 and response.url == "/teams/plataforma/"
    assert Membership.objects.get(team=team, user=charlie).role == "member"
    assert set(
        Follow.objects.filter(user=charlie, active=True).values_list("track__slug", flat=True)
    ) == {"ml", "other"}
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.ACCEPTED
    assert "Team invitations" not in client.get("/me/").content.decode()


def test_joining_resumes_a_track_the_member_had_stopped(team, track, charlie):
    Follow.objects.create(user=charlie, track=track)
    unfollow(charlie, track)
    services.accept(services.invite(team, None, charlie))
    assert Follow.objects.get(user=charlie, track=track).active


def test_accepting_with_htmx_swaps_the_invitation(client, team, charlie, english):
    invitation = services.invite(team, None, charlie)
    client.force_login(charlie)
    response = client.post(
        f"/teams/invitations/{invitation.pk}/accept/", headers={"HX-Request": "true"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert f'id="team-invitation-{invitation.pk}"' in page
    assert "You joined the team Plataforma." in page
    assert "<html" not in page


def test_declining_joins_nothing(client, team, charlie, english):
    invitation = services.invite(team, None, charlie)
    client.force_login(charlie)
    response = client.post(f"/teams/invitations/{invitation.pk}/decline/", follow=True)
    assert "You declined to join Plataforma." in response.content.decode()
    assert not Membership.objects.filter(user=charlie).exists()
    assert not Follow.objects.filter(user=charlie).exists()
    # Answered once: a second answer finds nothing.
    assert client.post(f"/teams/invitations/{invitation.pk}/accept/").status_code == 404


def test_nobody_answers_someone_elses_invitation(client, team, charlie, bob):
    invitation = services.invite(team, None, charlie)
    client.force_login(bob)
    assert client.post(f"/teams/invitations/{invitation.pk}/accept/").status_code == 404
    assert client.post(f"/teams/invitations/{invitation.pk}/decline/").status_code == 404
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.PENDING


def test_lead_withdraws_an_invitation(client, lead, team, charlie):
    invitation = services.invite(team, lead, charlie)
    client.force_login(lead)
    client.post(f"/teams/plataforma/manage/invitations/{invitation.pk}/cancel/")
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.CANCELLED
    client.force_login(charlie)
    assert client.post(f"/teams/invitations/{invitation.pk}/accept/").status_code == 404


# --- join links ------------------------------------------------------------------------------


def test_join_link_shows_the_privacy_note_then_joins(client, lead, team, charlie, english):
    link = services.create_link(team, lead)
    client.force_login(charlie)
    page = client.get(f"/teams/join/{link.token}/").content.decode()
    assert "Joining follows the team's tracks: Machine Learning." in page
    assert "They never see your private notes" in page
    assert not Membership.objects.filter(user=charlie).exists()
    response = client.post(f"/teams/join/{link.token}/")
    assert response.status_code == 302
    assert Membership.objects.get(team=team, user=charlie).role == "member"
    assert Follow.objects.get(user=charlie, track__slug="ml").active


def test_lead_creates_and_revokes_a_link(client, lead, team, charlie, english):
    client.force_login(lead)
    response = client.post("/teams/plataforma/manage/links/", {"days": 3}, follow=True)
    link = JoinLink.objects.get(team=team)
    assert f"/teams/join/{link.token}/" in response.content.decode()
    assert timedelta(days=2, hours=23) < link.expires_at - timezone.now() <= timedelta(days=3)
    client.post(f"/teams/plataforma/manage/links/{link.pk}/revoke/")
    link.refresh_from_db()
    assert link.revoked_at is not None
    assert (
        f"/teams/join/{link.token}/" not in client.get("/teams/plataforma/manage/").content.decode()
    )


@pytest.mark.parametrize("days", ["0", "91", "soon"])
def test_link_with_a_bad_lifetime_is_refused(client, lead, team, days):
    client.force_login(lead)
    response = client.post("/teams/plataforma/manage/links/", {"days": days})
    assert response.status_code == 400
    assert not JoinLink.objects.exists()


def test_revoked_link_says_so_and_joins_nobody(client, lead, team, charlie, english):
    link = services.create_link(team, lead)
    services.revoke_link(link)
    client.force_login(charlie)
    for response in (
        client.get(f"/teams/join/{link.token}/"),
        client.post(f"/teams/join/{link.token}/"),
    ):
        assert response.status_code == 410
        assert "This join link was revoked by a lead of the team." in response.content.decode()
    assert not Membership.objects.filter(user=charlie).exists()


def test_expired_link_says_so_and_joins_nobody(client, lead, team, charlie, english):
    link = services.create_link(team, lead)
    JoinLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    client.force_login(charlie)
    response = client.post(f"/teams/join/{link.token}/")
    assert response.status_code == 410
    assert "This join link has expired." in response.content.decode()
    assert not Membership.objects.filter(user=charlie).exists()


def test_unknown_link_is_404(client, charlie):
    client.force_login(charlie)
    assert client.get("/teams/join/nope/").status_code == 404


def test_stranger_cannot_revoke_a_link(client, lead, team, charlie, alice):
    link = services.create_link(team, lead)
    for user in (charlie, alice):
        client.force_login(user)
        assert client.post(f"/teams/plataforma/manage/links/{link.pk}/revoke/").status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None


# --- leaving and removing --------------------------------------------------------------------


def test_member_leaves_and_loses_access_at_once(client, alice, team, english):
    client.force_login(alice)
    response = client.post("/teams/plataforma/leave/", follow=True)
    assert "You left the team Plataforma." in response.content.decode()
    assert not Membership.objects.filter(user=alice).exists()
    assert client.get("/teams/plataforma/").status_code == 404
    # Leaving unfollows nothing.
    assert not Follow.objects.filter(user=alice, active=False).exists()


def test_the_only_lead_cannot_leave(client, lead, team, english):
    client.force_login(lead)
    response = client.post("/teams/plataforma/leave/", follow=True)
    assert "You are the only lead of this team" in response.content.decode()
    assert Membership.objects.filter(user=lead, role="lead").exists()


def test_lead_removes_a_member(client, lead, team, alice, english):
    client.force_login(lead)
    response = client.post("/teams/plataforma/manage/members/alice/remove/", follow=True)
    assert "alice is no longer in the team." in response.content.decode()
    assert not Membership.objects.filter(user=alice).exists()


def test_member_cannot_remove_anyone(client, team, alice, lead):
    bea = User.objects.create_user("bea")
    Membership.objects.create(team=team, user=bea)
    client.force_login(alice)
    assert client.post("/teams/plataforma/manage/members/bea/remove/").status_code == 404
    assert Membership.objects.filter(user=bea).exists()


def test_lead_makes_a_member_a_lead(client, lead, team, alice):
    client.force_login(lead)
    client.post("/teams/plataforma/manage/members/alice/lead/")
    assert Membership.objects.get(user=alice).role == "lead"


def test_lead_adds_a_track_and_members_follow_it(client, lead, team, alice, track):
    other = Track.objects.create(slug="other", title="Other")
    client.force_login(lead)
    client.post("/teams/plataforma/manage/tracks/", {"tracks": [track.pk, other.pk]})
    assert set(team.tracks.values_list("slug", flat=True)) == {"ml", "other"}
    assert Follow.objects.get(user=alice, track=other).active


def test_staff_create_a_team_in_the_admin_and_its_members_follow_its_tracks(
    client, curator, lead, alice, track
):
    client.force_login(curator)
    response = client.post(
        "/admin/teams/team/add/",
        {
            "name": "Plataforma",
            "slug": "plataforma",
            "tracks": [track.pk],
            "memberships-TOTAL_FORMS": "2",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
            "memberships-0-user": str(lead.pk),
            "memberships-0-role": "lead",
            "memberships-1-user": str(alice.pk),
            "memberships-1-role": "member",
        },
    )
    assert response.status_code == 302
    team = Team.objects.get(slug="plataforma")
    assert dict(team.memberships.values_list("user__username", "role")) == {
        "lena": "lead",
        "alice": "member",
    }
    assert Follow.objects.get(user=alice, track=track).active
    assert not Follow.objects.filter(user=lead).exists()
