"""Leads read the members' check-in results on a team track: each member's latest check-in
submitted to their mentors, never a draft; mentors' levels and comments once completed."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from checkins import services as checkins
from checkins.models import CheckIn, Level, MentorRating, Rating
from progress.models import Follow, Mentorship
from teams import services
from teams.models import Membership
from teams.results import team_results
from tests.teams.conftest import add_members
from tracks.models import ExpectedBehaviour

User = get_user_model()

TABLE = "/teams/plataforma/ml/checkins/"
ALICE = "/teams/plataforma/ml/checkins/alice/"


@pytest.fixture
def behaviours(track):
    texts = ["Follows the scientific method", "Questions solutions", "Shares what they learn"]
    return [
        ExpectedBehaviour.objects.create(track=track, text=text, order=order)
        for order, text in enumerate(texts)
    ]


def rate(checkin: CheckIn, levels: list[int], evidence: str = "") -> None:
    for behaviour, level in zip(
        checkin.track.behaviours.live().order_by("order"), levels, strict=True
    ):
        checkins.save_rating(checkin, behaviour, level, evidence or f"Did {behaviour.key}")


@pytest.fixture
def draft(team, alice, track, behaviours):
    """Alice's draft, rated but not submitted."""
    Follow.objects.get_or_create(user=alice, track=track)
    checkin = checkins.start_checkin(alice, track)
    rate(checkin, [Level.NOT_YET, Level.NOT_YET, Level.NOT_YET], "My draft thoughts")
    return checkin


@pytest.fixture
def submitted(team, alice, bob, track, behaviours):
    """Alice's check-in submitted to bob: Sometimes, Consistently, Role model."""
    Follow.objects.get_or_create(user=alice, track=track)
    checkin = checkins.start_checkin(alice, track)
    rate(checkin, [Level.SOMETIMES, Level.CONSISTENTLY, Level.ROLE_MODEL], "See #python")
    return checkins.submit_checkin(checkin)


@pytest.fixture
def completed(submitted, bob, behaviours):
    """Bob rated alice's check-in Not yet, Consistently, Sometimes and completed it."""
    for behaviour, level in zip(
        behaviours, [Level.NOT_YET, Level.CONSISTENTLY, Level.SOMETIMES], strict=True
    ):
        checkins.save_mentor_rating(bob, submitted, behaviour, level, f"On {behaviour.key}")
    return checkins.complete_checkin(bob, submitted)


def alice_row(page: str) -> str:
    """Alice's row of the members table."""
    return re.search(r'<tr>\s*<th scope="row"><a href="[^"]*alice/">alice</a>.*?</tr>', page, re.S)[
        0
    ]


def levels_of(row: str) -> list[str]:
    """The self and mentor cells of a member's row, in order, after the check-in's cell."""
    return re.findall(r"<td>([—\d])</td>", row)


# --- what the lead sees ----------------------------------------------------------------------


def test_track_page_links_to_the_checkins(client, lead, team, english):
    client.force_login(lead)
    page = client.get("/teams/plataforma/ml/").content.decode()
    assert f'href="{TABLE}"' in page


def test_draft_is_never_shown(client, lead, draft, english):
    client.force_login(lead)
    page = client.get(TABLE).content.decode()
    assert "0 of 1 members submitted a check-in" in page
    assert "No check-in submitted yet." in page
    assert f'href="{ALICE}"' not in page
    member = client.get(ALICE).content.decode()
    assert "alice has not submitted a check-in on this track." in member
    assert "My draft thoughts" not in member


def test_submitted_check_in_shows_own_levels_and_no_mentor_levels_yet(
    client, lead, submitted, bob, behaviours, english
):
    # A mentor's level before completing is the mentor's draft: nobody else reads it.
    checkins.save_mentor_rating(bob, submitted, behaviours[0], Level.NOT_YET, "Half-written")
    client.force_login(lead)
    page = client.get(TABLE).content.decode()
    assert "1 of 1 members submitted a check-in" in page
    row = alice_row(page)
    assert "Waiting for a mentor" in row
    assert levels_of(row) == ["2", "—", "3", "—", "4", "—"]
    member = client.get(ALICE).content.decode()
    assert "Check-in of alice," in member
    assert "alice: <strong>Sometimes</strong>" in member
    assert "Half-written" not in member and "bob" not in member


def test_completed_check_in_shows_the_mentors_levels_and_comments(client, lead, completed, english):
    client.force_login(lead)
    row = alice_row(client.get(TABLE).content.decode())
    assert "Completed" in row
    assert levels_of(row) == ["2", "1", "3", "3", "4", "2"]
    member = client.get(ALICE).content.decode()
    assert "Completed on" in member
    assert "<dt>Role model</dt>" in member  # the scale
    assert "alice: <strong>Role model</strong>" in member
    assert "bob: <strong>Not yet</strong>" in member
    assert "On follows-the-scientific-method" in member
    # Evidence is read, its topic references open the team's panel of that topic.
    assert '<a href="/teams/plataforma/ml/t/python/" rel=' in member


def test_the_lowest_mentor_level_counts_where_several_rated(
    client, lead, submitted, bob, alice, behaviours, english
):
    carol = User.objects.create_user("carol")
    Mentorship.objects.create(mentor=carol, mentee=alice, state=Mentorship.State.ACTIVE)
    checkins.save_mentor_rating(carol, submitted, behaviours[1], Level.SOMETIMES, "")
    for behaviour in behaviours:
        checkins.save_mentor_rating(bob, submitted, behaviour, Level.ROLE_MODEL, "")
    checkins.complete_checkin(bob, submitted)
    client.force_login(lead)
    assert levels_of(alice_row(client.get(TABLE).content.decode())) == [
        "2", "4", "3", "2", "4", "4",
    ]  # fmt: skip
    member = client.get(ALICE).content.decode()
    assert "carol: <strong>Sometimes</strong>" in member


def test_the_latest_shared_check_in_counts(client, lead, completed, alice, track, english):
    earlier = timezone.now() - timedelta(days=30)
    CheckIn.objects.filter(pk=completed.pk).update(submitted_at=earlier)
    newer = checkins.start_checkin(alice, track)
    rate(newer, [Level.ROLE_MODEL] * 3)
    checkins.submit_checkin(newer)
    # And a draft after it, which changes nothing.
    rate(checkins.start_checkin(alice, track), [Level.NOT_YET] * 3)
    client.force_login(lead)
    row = alice_row(client.get(TABLE).content.decode())
    assert levels_of(row) == ["4", "—", "4", "—", "4", "—"]
    assert "Waiting for a mentor" in row


def test_counts_per_level_and_behaviour(team, track, completed, behaviours, bob):
    bea, cid = add_members(team, 2, prefix="b")
    Follow.objects.bulk_create([Follow(user=bea, track=track), Follow(user=cid, track=track)])
    Mentorship.objects.create(mentor=bob, mentee=bea, state=Mentorship.State.ACTIVE)
    checkin = checkins.start_checkin(bea, track)
    rate(checkin, [Level.SOMETIMES, Level.SOMETIMES, Level.NOT_YET])
    checkins.submit_checkin(checkin)
    results = team_results(team, track)
    assert results.shared == 2
    first, second, third = results.counts
    # alice: Sometimes (bob: Not yet); bea: Sometimes, waiting.
    assert first.own == [0, 2, 0, 0] and first.mentors == [1, 0, 0, 0]
    assert second.own == [0, 1, 1, 0] and second.mentors == [0, 0, 1, 0]
    assert third.own == [1, 0, 0, 1] and third.mentors == [0, 1, 0, 0]


def test_counts_table_on_the_page(client, lead, completed, english):
    client.force_login(lead)
    page = client.get(TABLE).content.decode()
    counts = page.split('id="counts-heading"')[1].split("</table>")[0]
    row = re.search(r"1\. Follows the scientific method</th>(.*?)</tr>", counts, re.S).group(1)
    # Not yet: self 0, mentors 1; Sometimes: self 1, mentors 0; then nothing.
    assert re.findall(r"<td>(\d+)</td>", row) == ["0", "1", "1", "0", "0", "0", "0", "0"]


def test_retired_behaviour_still_rated_is_shown(client, lead, completed, behaviours, english):
    ExpectedBehaviour.objects.filter(pk=behaviours[2].pk).update(retired=True)
    client.force_login(lead)
    page = client.get(TABLE).content.decode()
    assert re.search(r"3\. Shares what they learn <span class=\"status-badge\">retired", page)
    assert "Shares what they learn" in client.get(ALICE).content.decode()


def test_track_without_behaviours_says_so(client, lead, team, english):
    client.force_login(lead)
    assert "This track lists no expected behaviours." in client.get(TABLE).content.decode()


# --- who sees what -----------------------------------------------------------------------


def test_invitation_states_what_leads_see_of_check_ins(client, lead, team, charlie, english):
    services.invite(team, lead, charlie)
    client.force_login(charlie)
    page = client.get("/me/").content.decode()
    assert "your latest check-in once you submit it" in page
    assert "your mentors' levels and comments once a mentor completes it" in page
    assert "never see your private notes or a check-in you have not submitted" in page


def test_former_member_disappears_at_once(client, lead, team, completed, alice):
    services.leave(team, alice)
    client.force_login(lead)
    assert "alice" not in client.get(TABLE).content.decode()
    assert client.get(ALICE).status_code == 404


def test_staff_see_the_results(client, curator, completed):
    client.force_login(curator)
    assert "alice" in client.get(TABLE).content.decode()
    assert client.get(ALICE).status_code == 200


def test_member_who_is_not_a_lead_cannot_see_the_others_results(client, team, completed):
    bea = User.objects.create_user("bea")
    Membership.objects.create(team=team, user=bea)
    client.force_login(bea)
    assert client.get(TABLE).status_code == 404
    assert client.get(ALICE).status_code == 404
    # Not even their own, through the team: their check-ins are on their own pages.
    client.force_login(completed.user)
    assert client.get(ALICE).status_code == 404


@pytest.mark.parametrize("url", [TABLE, ALICE])
def test_stranger_and_former_member_get_404(client, charlie, ex_member, completed, url):
    for user in (charlie, ex_member):
        client.force_login(user)
        assert client.get(url).status_code == 404


def test_mentor_who_is_not_a_lead_gets_404(client, bob, completed):
    client.force_login(bob)
    assert client.get(TABLE).status_code == 404
    assert client.get(ALICE).status_code == 404


@pytest.mark.parametrize("url", [TABLE, ALICE])
def test_anonymous_is_asked_to_log_in(client, completed, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_the_lead_is_no_member_to_read(client, lead, team, completed):
    client.force_login(lead)
    assert client.get("/teams/plataforma/ml/checkins/lena/").status_code == 404
    assert client.get("/teams/plataforma/ml/checkins/nobody/").status_code == 404


def test_track_not_in_the_team_is_404(client, lead, team):
    from tracks.models import Track

    Track.objects.create(slug="other", title="Other")
    client.force_login(lead)
    assert client.get("/teams/plataforma/other/checkins/").status_code == 404
    assert client.get("/teams/plataforma/other/checkins/alice/").status_code == 404


@pytest.mark.parametrize("url", [TABLE, ALICE])
def test_pages_refuse_post(client, lead, completed, url):
    client.force_login(lead)
    assert client.post(url).status_code == 405


@pytest.mark.parametrize("url", [TABLE, ALICE])
def test_pages_have_one_h1(client, lead, completed, url):
    client.force_login(lead)
    assert client.get(url).content.decode().count("<h1") == 1


def test_pages_speak_portuguese(client, lead, completed, settings):
    settings.LANGUAGE_CODE = "pt-br"
    client.force_login(lead)
    headers = {"accept-language": "pt-BR"}
    page = client.get(TABLE, headers=headers).content.decode()
    assert "Check-ins de Plataforma: Machine Learning" in page
    assert "Níveis por comportamento" in page
    assert "1 = Ainda não" in page
    assert "Concluído" in page
    member = client.get(ALICE, headers=headers).content.decode()
    assert "Check-in de alice," in member
    assert "alice: <strong>É referência</strong>" in member


# --- scale: the number of queries does not grow with the team or the behaviours ----------


def fill_checkins(team, track, bob, users, behaviours) -> None:
    """A check-in per member: a quarter drafts, a quarter waiting, half completed by bob."""
    now = timezone.now()
    states = [CheckIn.State.DRAFT, CheckIn.State.SUBMITTED] + [CheckIn.State.COMPLETED] * 2
    made = CheckIn.objects.bulk_create(
        CheckIn(
            user=user,
            track=track,
            state=states[i % 4],
            submitted_at=None if i % 4 == 0 else now,
            completed_at=now if i % 4 > 1 else None,
            completed_by=bob if i % 4 > 1 else None,
        )
        for i, user in enumerate(users)
    )
    Rating.objects.bulk_create(
        Rating(checkin=c, behaviour=b, level=1 + (i + j) % 4, evidence="Did it #python")
        for i, c in enumerate(made)
        for j, b in enumerate(behaviours)
    )
    MentorRating.objects.bulk_create(
        MentorRating(checkin=c, behaviour=b, mentor=bob, level=1 + j % 4, comment="**Good**")
        for c in made
        if c.state == CheckIn.State.COMPLETED
        for j, b in enumerate(behaviours)
    )


# The same bound for 5 members and 3 behaviours as for 200 members and 12 (sessions, user and
# the header's unread notifications included).
QUERIES = {TABLE: 16, "/teams/plataforma/ml/checkins/x002/": 16}


@pytest.mark.parametrize(("size", "count"), [(5, 3), (200, 12)])
@pytest.mark.parametrize("url", QUERIES)
def test_queries_do_not_grow_with_members_or_behaviours(
    client, lead, team, track, bob, size, count, url, django_assert_max_num_queries
):
    behaviours = [
        ExpectedBehaviour.objects.create(track=track, text=f"Behaviour {n}", order=n)
        for n in range(count)
    ]
    users = add_members(team, size - 1, prefix="x")
    fill_checkins(team, track, bob, users, behaviours)
    assert Membership.objects.members().filter(team=team).count() == size
    client.force_login(lead)
    with django_assert_max_num_queries(QUERIES[url]):
        response = client.get(url)
    assert response.status_code == 200
    if url == TABLE:
        members = response.content.decode().split('id="members-heading"')[1]
        assert members.count('<th scope="row">') == size
