import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from progress.models import Mentorship, Note
from progress.services import set_status
from tests.conftest import topic
from tracks.models import Topic, Track

# Assertions read the English messages, whatever the default language.
pytestmark = pytest.mark.usefixtures("english")

User = get_user_model()
HTMX = {"HX-Request": "true"}
OPEN_STATES = [Mentorship.State.INVITED, Mentorship.State.ACTIVE]


@pytest.fixture
def mentorship(alice, bob):
    return Mentorship.objects.get(mentor=bob, mentee=alice)


@pytest.fixture
def invitation(alice, charlie):
    """Alice invited charlie; he has not answered."""
    return Mentorship.objects.create(mentor=charlie, mentee=alice)


@pytest.fixture
def alice_notes(alice, track):
    shared = Note.objects.create(
        user=alice, topic=topic(track, "python"), body="Read **Fluent Python**", shared=True
    )
    private = Note.objects.create(
        user=alice, topic=topic(track, "python"), body="I feel lost with decorators"
    )
    return shared, private


def one_h1_and_a_title(html: str) -> bool:
    return len(re.findall(r"<h1[\s>]", html)) == 1 and bool(
        re.search(r"<title>[^<]+</title>", html)
    )


# --- learner side: /me/mentors/ ----------------------------------------------------------


def test_mentors_page_lists_current_mentors_and_sent_invitations(client, alice, bob, invitation):
    client.force_login(alice)
    response = client.get("/me/mentors/")
    html = response.content.decode()
    assert response.status_code == 200
    assert one_h1_and_a_title(html)
    assert "<h1>My mentors</h1>" in html
    assert "End mentorship with bob" in html
    assert "Cancel invitation to charlie" in html
    assert '<label for="id_who">Username or e-mail' in html
    assert 'aria-current="page">Mentors</a>' in html


def test_mentors_page_needs_a_signed_in_user(client, db):
    response = client.get("/me/mentors/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_learner_invites_a_mentor_by_username(client, alice, charlie):
    client.force_login(alice)
    response = client.post("/me/mentors/invite/", {"who": "charlie"})
    assert response.status_code == 302
    assert response["Location"] == "/me/mentors/"
    invitation = Mentorship.objects.get(mentee=alice, mentor=charlie)
    assert invitation.state == Mentorship.State.INVITED
    html = client.get("/me/mentors/").content.decode()
    assert "You invited charlie to be your mentor." in html
    assert "Cancel invitation to charlie" in html


def test_learner_invites_a_mentor_by_confirmed_email_in_any_case(client, alice, charlie):
    EmailAddress.objects.create(user=charlie, email="charlie@example.com", verified=True)
    client.force_login(alice)
    client.post("/me/mentors/invite/", {"who": "  Charlie@Example.com "})
    assert Mentorship.objects.filter(mentee=alice, mentor=charlie, state="invited").exists()


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("nobody", "Nobody here has this username or e-mail."),
        ("alice", "You cannot be your own mentor."),
        ("alice@example.com", "You cannot be your own mentor."),
        ("bob", "bob is already your mentor."),
        ("charlie", "You already invited charlie; they have not answered yet."),
        ("", "This field is required."),
    ],
)
def test_invitation_errors_are_shown_on_the_form(client, alice, bob, invitation, who, error):
    client.force_login(alice)
    before = list(Mentorship.objects.values_list("pk", "state"))
    response = client.post("/me/mentors/invite/", {"who": who})
    assert response.status_code == 200
    html = response.content.decode()
    assert error in html
    assert "<h1>My mentors</h1>" in html
    assert list(Mentorship.objects.values_list("pk", "state")) == before


def test_an_inactive_user_cannot_be_invited(client, alice, charlie):
    charlie.is_active = False
    charlie.save(update_fields=["is_active"])
    client.force_login(alice)
    response = client.post("/me/mentors/invite/", {"who": "charlie"})
    assert "Nobody here has this username or e-mail." in response.content.decode()
    assert not Mentorship.objects.filter(mentor=charlie).exists()


def test_a_former_mentor_can_be_invited_again(client, alice, bob, mentorship):
    mentorship.state = Mentorship.State.ENDED
    mentorship.save(update_fields=["state"])
    client.force_login(alice)
    client.post("/me/mentors/invite/", {"who": "bob"})
    states = sorted(Mentorship.objects.filter(mentor=bob, mentee=alice).values_list("state"))
    assert states == [("ended",), ("invited",)]


def test_htmx_invitation_returns_the_form_and_the_lists_out_of_band(client, alice, charlie):
    client.force_login(alice)
    response = client.post("/me/mentors/invite/", {"who": "charlie"}, headers=HTMX)
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<section id="invite-mentor"')
    assert "You invited charlie to be your mentor." in html
    assert 'id="mentor-lists" class="mentorship-lists" hx-swap-oob="true"' in html
    assert "Cancel invitation to charlie" in html


def test_htmx_invitation_error_returns_only_the_form(client, alice):
    client.force_login(alice)
    response = client.post("/me/mentors/invite/", {"who": "nobody"}, headers=HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="invite-mentor"')
    assert "Nobody here has this username or e-mail." in html
    assert "mentor-lists" not in html


def test_learner_ends_a_mentorship(client, alice, mentorship):
    client.force_login(alice)
    response = client.post(f"/mentorships/{mentorship.pk}/end/")
    assert response["Location"] == "/me/mentors/"
    mentorship.refresh_from_db()
    assert mentorship.state == Mentorship.State.ENDED
    html = client.get("/me/mentors/").content.decode()
    assert "bob is no longer your mentor." in html
    assert "End mentorship with bob" not in html


def test_learner_cancels_an_invitation_with_htmx(client, alice, invitation):
    client.force_login(alice)
    response = client.post(f"/mentorships/{invitation.pk}/end/", headers=HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<li class="mentorship-row mentorship-outcome"')
    assert "You cancelled the invitation to charlie." in html
    invitation.refresh_from_db()
    assert invitation.state == Mentorship.State.ENDED


# --- mentor side: /mentoring/ ------------------------------------------------------------


def test_mentor_sees_invitations_and_mentees_with_their_progress(
    client, alice, bob, track, charlie
):
    Mentorship.objects.create(mentor=bob, mentee=charlie)
    set_status(alice, topic(track, "python"), "done")
    set_status(alice, topic(track, "batch"), "skipped")
    client.force_login(bob)
    response = client.get("/mentoring/")
    html = response.content.decode()
    assert response.status_code == 200
    assert one_h1_and_a_title(html)
    assert "<strong>charlie</strong> invited you" in html
    assert "Accept: mentor charlie" in html
    assert "<h3>alice</h3>" in html
    assert 'href="/mentoring/alice/ml/">Machine Learning</a>' in html
    assert "1 of 6 topics done (16%) · 1 skipped" in html
    assert "Stop mentoring alice" in html


def test_mentoring_page_for_someone_who_mentors_nobody(client, charlie):
    client.force_login(charlie)
    html = client.get("/mentoring/").content.decode()
    assert "You mentor nobody yet." in html
    assert 'href="/mentoring/">Mentoring</a>' not in html


def test_header_links_to_mentoring_only_for_mentors(client, alice, bob, invitation, charlie):
    client.force_login(alice)
    assert 'href="/mentoring/"' not in client.get("/me/").content.decode()
    # An invitation to answer is enough to show the link.
    client.force_login(charlie)
    assert 'href="/mentoring/">Mentoring</a>' in client.get("/me/").content.decode()
    client.force_login(bob)
    assert 'href="/mentoring/">Mentoring</a>' in client.get("/").content.decode()


def test_mentor_accepts_an_invitation(client, alice, charlie, invitation):
    client.force_login(charlie)
    response = client.post(f"/mentorships/{invitation.pk}/accept/")
    assert response["Location"] == "/mentoring/"
    invitation.refresh_from_db()
    assert invitation.state == Mentorship.State.ACTIVE
    html = client.get("/mentoring/").content.decode()
    assert "You are now the mentor of alice." in html
    assert "<h3>alice</h3>" in html


def test_htmx_accept_swaps_the_row_and_redraws_the_mentees(client, alice, charlie, invitation):
    client.force_login(charlie)
    response = client.post(f"/mentorships/{invitation.pk}/accept/", headers=HTMX)
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<li class="mentorship-row mentorship-outcome"')
    assert "You are now the mentor of alice" in html
    assert '<section id="mentees" aria-labelledby="mentees-heading" hx-swap-oob="true">' in html
    assert "<h3>alice</h3>" in html


def test_mentor_declines_an_invitation(client, alice, charlie, invitation):
    client.force_login(charlie)
    response = client.post(f"/mentorships/{invitation.pk}/decline/")
    assert response["Location"] == "/mentoring/"
    invitation.refresh_from_db()
    assert invitation.state == Mentorship.State.ENDED
    assert "You declined the invitation of alice." in client.get("/mentoring/").content.decode()


def test_htmx_decline_swaps_the_row(client, charlie, invitation):
    client.force_login(charlie)
    response = client.post(f"/mentorships/{invitation.pk}/decline/", headers=HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<li class="mentorship-row mentorship-outcome"')
    assert "You declined the invitation of alice." in html


def test_mentor_ends_a_mentorship(client, bob, mentorship):
    client.force_login(bob)
    response = client.post(f"/mentorships/{mentorship.pk}/end/")
    assert response["Location"] == "/mentoring/"
    mentorship.refresh_from_db()
    assert mentorship.state == Mentorship.State.ENDED
    assert "You are no longer the mentor of alice." in client.get("/mentoring/").content.decode()


def test_only_the_invited_mentor_answers_an_invitation(client, alice, bob, invitation):
    # Not the learner who sent it, nor a third person.
    for user in (alice, bob):
        client.force_login(user)
        assert client.post(f"/mentorships/{invitation.pk}/accept/").status_code == 404
        assert client.post(f"/mentorships/{invitation.pk}/decline/").status_code == 404
    invitation.refresh_from_db()
    assert invitation.state == Mentorship.State.INVITED


def test_an_active_mentorship_cannot_be_accepted_or_declined_again(client, bob, mentorship):
    client.force_login(bob)
    assert client.post(f"/mentorships/{mentorship.pk}/accept/").status_code == 404
    assert client.post(f"/mentorships/{mentorship.pk}/decline/").status_code == 404
    mentorship.refresh_from_db()
    assert mentorship.state == Mentorship.State.ACTIVE


def test_stranger_gets_404_on_every_mentorship_action(client, charlie, mentorship):
    client.force_login(charlie)
    for action in ("accept", "decline", "end"):
        response = client.post(f"/mentorships/{mentorship.pk}/{action}/")
        assert response.status_code == 404
    mentorship.refresh_from_db()
    assert mentorship.state == Mentorship.State.ACTIVE


def test_an_ended_mentorship_cannot_be_ended_again(client, alice, mentorship):
    client.force_login(alice)
    client.post(f"/mentorships/{mentorship.pk}/end/")
    assert client.post(f"/mentorships/{mentorship.pk}/end/").status_code == 404


def test_anonymous_actions_are_sent_to_log_in(client, mentorship):
    response = client.post(f"/mentorships/{mentorship.pk}/end/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    mentorship.refresh_from_db()
    assert mentorship.state == Mentorship.State.ACTIVE


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/me/mentors/invite/"),
        ("get", "/mentorships/{pk}/accept/"),
        ("get", "/mentorships/{pk}/decline/"),
        ("get", "/mentorships/{pk}/end/"),
        ("post", "/me/mentors/"),
        ("post", "/mentoring/"),
        ("post", "/mentoring/alice/ml/"),
    ],
)
def test_wrong_method_is_refused(client, bob, mentorship, track, method, url):
    client.force_login(bob)
    response = getattr(client, method)(url.format(pk=mentorship.pk))
    assert response.status_code == 405
    mentorship.refresh_from_db()
    assert mentorship.state == Mentorship.State.ACTIVE


# --- mentor side: a mentee's track -------------------------------------------------------


def test_mentor_sees_shared_notes_only(client, alice, bob, track, alice_notes):
    client.force_login(bob)
    response = client.get("/mentoring/alice/ml/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "alice shared 1 note on this track" in html
    assert ">1 shared note<" in html
    panel = client.get("/mentoring/alice/ml/t/python/").content.decode()
    assert "Read <strong>Fluent Python</strong>" in panel
    assert "decorators" not in html + panel


def test_mentor_still_reads_shared_notes_on_a_retired_topic(client, alice, bob, track, alice_notes):
    Topic.objects.filter(track=track, key="python").update(retired=True)
    Note.objects.create(user=alice, topic=topic(track, "apis"), body="Live note", shared=True)
    client.force_login(bob)
    html = client.get("/mentoring/alice/ml/").content.decode()
    removed = html.split('id="retired-notes-heading"')[1]
    assert "Shared notes on topics removed from the track" in removed
    assert "Read <strong>Fluent Python</strong>" in removed
    assert "decorators" not in html
    assert "Live note" not in removed  # a live topic's note stays with its topic
    assert "Live note" in client.get("/mentoring/alice/ml/t/apis/").content.decode()


def test_without_notes_on_retired_topics_the_section_is_absent(
    client, alice, bob, track, alice_notes
):
    client.force_login(bob)
    html = client.get("/mentoring/alice/ml/").content.decode()
    assert "topics removed from the track" not in html


def test_mentee_track_page_shows_the_mentees_statuses_without_changing_them(
    client, alice, bob, track
):
    set_status(alice, topic(track, "python"), "done")
    set_status(alice, topic(track, "apis"), "doing")
    set_status(alice, topic(track, "batch"), "skipped", reason="We only serve online")
    set_status(bob, topic(track, "statistics"), "done")  # the mentor's own progress
    client.force_login(bob)
    response = client.get("/mentoring/alice/ml/")
    html = response.content.decode()
    assert one_h1_and_a_title(html)
    assert "<h1>alice on Machine Learning</h1>" in html
    assert "1 of 6 topics done (16%)" in html
    row = r'data-topic="{}">\s*<div class="outline-row status-{}" id="mentee-row-'
    assert re.search(row.format("python", "done"), html)
    assert re.search(row.format("statistics", "todo"), html)
    assert "— We only serve online" in html
    # A mentor comments and signs off; the statuses stay the learner's.
    assert "/status/" not in html.split('id="main"')[1].split("</main>")[0]
    assert 'type="checkbox"' not in html


def test_mentee_track_highlights_the_mentees_statuses_on_the_diagram(client, alice, bob, track):
    set_status(alice, topic(track, "python"), "done")
    set_status(bob, topic(track, "apis"), "done")
    client.force_login(bob)
    html = client.get("/mentoring/alice/ml/").content.decode()
    style = html.split('<style id="diagram-highlights"')[1].split("</style>")[0]
    assert 'data-topic="python"' in style
    assert 'data-topic="apis"' not in style


def test_mentee_track_shows_recent_history(client, alice, bob, track):
    set_status(alice, topic(track, "python"), "doing")
    set_status(alice, topic(track, "python"), "done")
    client.force_login(bob)
    html = client.get("/mentoring/alice/ml/").content.decode()
    history = html.split('id="history-heading"')[1]
    assert history.count("<li>") == 2
    assert "To do → <strong>Doing</strong>" in history
    assert "Doing → <strong>Done</strong>" in history
    assert history.index("<strong>Done</strong>") < history.index("<strong>Doing</strong>")


def test_mentor_gets_404_once_the_mentorship_ended(client, alice, bob, track, mentorship):
    client.force_login(alice)
    client.post(f"/mentorships/{mentorship.pk}/end/")
    client.force_login(bob)
    assert client.get("/mentoring/alice/ml/").status_code == 404
    assert 'href="/mentoring/alice/ml/"' not in client.get("/mentoring/").content.decode()


def test_invited_mentor_gets_404_until_accepting(client, alice, charlie, track, invitation):
    client.force_login(charlie)
    assert client.get("/mentoring/alice/ml/").status_code == 404
    client.post(f"/mentorships/{invitation.pk}/accept/")
    assert client.get("/mentoring/alice/ml/").status_code == 200


def test_stranger_gets_404_on_a_mentee_track(client, alice, charlie, track, alice_notes):
    client.force_login(charlie)
    response = client.get("/mentoring/alice/ml/")
    assert response.status_code == 404
    assert "Fluent Python" not in response.content.decode()


def test_mentor_of_someone_else_gets_404(client, alice, bob, charlie, track):
    # bob mentors alice, not charlie.
    client.force_login(bob)
    assert client.get("/mentoring/charlie/ml/").status_code == 404
    assert client.get("/mentoring/nobody/ml/").status_code == 404


def test_mentee_is_sent_to_their_own_track_page(client, alice, track):
    client.force_login(alice)
    response = client.get("/mentoring/alice/ml/")
    assert response.status_code == 302
    assert response["Location"] == "/tracks/ml/"


def test_mentee_track_of_an_unpublished_track_is_not_found(client, alice, bob, track):
    Track.objects.filter(pk=track.pk).update(published=False)
    client.force_login(bob)
    assert client.get("/mentoring/alice/ml/").status_code == 404


def test_anonymous_visitor_is_sent_to_log_in(client, alice, track):
    response = client.get("/mentoring/alice/ml/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- query counts ------------------------------------------------------------------------


def test_mentoring_page_query_count_does_not_grow_with_mentees_or_tracks(
    client, bob, track, django_assert_max_num_queries
):
    for n in range(3):
        other = Track.objects.create(slug=f"t{n}", title=f"Track {n}")
        root = Topic.objects.create(track=other, key="root", title="Root")
        for i in range(3):
            Topic.objects.create(track=other, parent=root, key=f"c{i}", title=f"C{i}", order=i + 1)
    topics = list(Topic.objects.exclude(parent=None))
    for n in range(5):
        mentee = User.objects.create_user(f"mentee{n}", f"mentee{n}@example.com", "pass-12345")
        Mentorship.objects.create(mentor=bob, mentee=mentee, state=Mentorship.State.ACTIVE)
        for item in topics[: 3 + n]:
            set_status(mentee, item, "done")
        inviter = User.objects.create_user(f"inviter{n}", f"inviter{n}@example.com", "pass-12345")
        Mentorship.objects.create(mentor=bob, mentee=inviter)
    client.force_login(bob)
    # Plus three, whatever the number of mentees: the header's team and notification links
    # and the check-ins waiting for the mentor.
    with django_assert_max_num_queries(13):
        response = client.get("/mentoring/")
    html = response.content.decode()
    assert html.count('class="card mentee"') == 6  # alice and five more
    assert html.count("Accept: mentor inviter") == 5


def test_mentee_track_query_count_does_not_grow_with_topics_or_notes(
    client, alice, bob, track, django_assert_max_num_queries
):
    serving = topic(track, "serving")
    for i in range(20):
        extra = Topic.objects.create(
            track=track, parent=serving, key=f"extra-{i}", title=f"Extra {i}", order=10 + i
        )
        set_status(alice, extra, "done")
        Note.objects.create(user=alice, topic=extra, body=f"Shared {i}", shared=True)
        Note.objects.create(user=alice, topic=extra, body=f"Secret {i}")
    client.force_login(bob)
    # The learner's own track page's budget, plus the mentors' comments and the last-visit
    # time (a stored diagram is one more query).
    with django_assert_max_num_queries(18):
        response = client.get("/mentoring/alice/ml/")
    html = response.content.decode()
    assert "20 of 26 topics done (76%)" in html
    assert html.count(">1 shared note<") == 20
    assert "Secret" not in html


def test_header_link_asks_the_database_only_on_full_pages(client, alice, track):
    client.force_login(alice)

    def mentorship_queries(**headers) -> int:
        with CaptureQueriesContext(connection) as captured:
            client.get("/tracks/ml/t/python/", headers=headers)
        return sum("progress_mentorship" in query["sql"] for query in captured.captured_queries)

    assert mentorship_queries() == 1
    assert mentorship_queries(**HTMX) == 0


def test_the_database_refuses_a_second_open_pair(alice, bob):
    with pytest.raises(IntegrityError), transaction.atomic():
        Mentorship.objects.create(mentor=bob, mentee=alice)
    assert Mentorship.objects.filter(state__in=OPEN_STATES).count() == 1


def test_mentorship_pages_are_translated(client, alice, bob, invitation, settings):
    settings.LANGUAGE_CODE = "pt-br"
    client.force_login(alice)
    html = client.get("/me/mentors/", HTTP_ACCEPT_LANGUAGE="pt-br").content.decode()
    assert "<h1>Meus mentores</h1>" in html
    assert "Encerrar a mentoria com bob" in html
    assert "Cancelar o convite para charlie" in html


# --- /mentoring/ is cached per mentor: what the mentees do shows at once ---------------------


def mentoring_page(client) -> str:
    return client.get("/mentoring/").content.decode()


def test_the_cached_mentoring_page_shows_each_change_at_once(client, alice, bob, charlie, track):
    from checkins.services import start_checkin, submit_checkin
    from progress.services import follow

    client.force_login(bob)
    html = mentoring_page(client)
    assert "Not following any track yet." in html

    follow(alice, track)
    html = mentoring_page(client)
    assert "0 of 6 topics done (0%)" in html
    set_status(alice, topic(track, "python"), "done")
    html = mentoring_page(client)
    assert "1 of 6 topics done (16%)" in html
    assert "1 status change since you became the mentor." in html

    alice.profile.display_name = "Alice Learner"
    alice.profile.save()
    assert "Alice Learner (alice)" in mentoring_page(client)

    submit_checkin(start_checkin(alice, track))
    assert "1 check-in waiting for you:" in mentoring_page(client)

    invitation = Mentorship.objects.create(
        mentor=bob, mentee=charlie, state=Mentorship.State.INVITED
    )
    assert f"mentorship-{invitation.pk}" in mentoring_page(client)
    invitation.state = Mentorship.State.ACTIVE
    invitation.save()
    html = mentoring_page(client)
    assert f'id="mentee-{invitation.pk}"' in html and "Accept: mentor" not in html

    Mentorship.objects.filter(mentor=bob, mentee=alice).update(state=Mentorship.State.ENDED)
    assert "Alice Learner" not in mentoring_page(client)


def test_each_mentor_reads_their_own_cached_mentoring_page(client, alice, bob, charlie, track):
    set_status(alice, topic(track, "python"), "done")
    client.force_login(bob)
    assert "1 of 6 topics done" in mentoring_page(client)
    client.force_login(charlie)
    html = mentoring_page(client)
    assert "alice" not in html and "You mentor nobody yet." in html


def test_a_warm_mentoring_page_costs_three_queries(
    client, alice, bob, track, django_assert_num_queries
):
    set_status(alice, topic(track, "python"), "done")
    client.force_login(bob)
    mentoring_page(client)
    # The session, the user and the fingerprint with the header's facts.
    with django_assert_num_queries(3):
        assert "1 of 6 topics done" in mentoring_page(client)


# --- a mentee's track page is cached per mentor: what the mentee does shows at once ---------


def mentee_page(client, slug: str = "ml"):
    return client.get(f"/mentoring/alice/{slug}/")


def test_the_cached_mentee_track_page_shows_each_change_at_once(client, alice, bob, track):
    from checkins.services import start_checkin, submit_checkin
    from progress.services import add_comment, confirm, follow

    follow(alice, track)
    client.force_login(bob)
    html = mentee_page(client).content.decode()
    assert "0 of 6 topics done" in html

    set_status(alice, topic(track, "python"), "done")
    html = mentee_page(client).content.decode()
    assert "1 of 6 topics done" in html
    assert "Python</a>" in html and "→ <strong>Done</strong>" in html

    note = Note.objects.create(
        user=alice, topic=topic(track, "python"), body="Shared *later*", shared=False
    )
    assert "has not shared any note on this track." in mentee_page(client).content.decode()
    note.shared = True
    note.save()
    html = mentee_page(client).content.decode()
    assert "shared 1 note on this track" in html and "1 shared note" in html

    add_comment(bob, alice, topic(track, "python"), "Well done on Python")
    assert "1 comment</span>" in mentee_page(client).content.decode()

    confirm(bob, alice, topic(track, "python"))
    assert "Done, confirmed by a mentor" in mentee_page(client).content.decode()

    assert "waiting for your rating" not in mentee_page(client).content.decode()
    submit_checkin(start_checkin(alice, track))
    assert "waiting for your rating" in mentee_page(client).content.decode()

    Mentorship.objects.filter(mentor=bob, mentee=alice).update(state=Mentorship.State.ENDED)
    assert mentee_page(client).status_code == 404


def test_a_mentee_track_cached_for_the_mentor_is_a_404_for_a_stranger_and_a_pending_mentor(
    client, alice, bob, charlie, track
):
    set_status(alice, topic(track, "python"), "done")
    client.force_login(bob)
    assert "1 of 6 topics done" in mentee_page(client).content.decode()
    client.force_login(charlie)
    assert mentee_page(client).status_code == 404
    Mentorship.objects.create(mentor=charlie, mentee=alice, state=Mentorship.State.INVITED)
    assert mentee_page(client).status_code == 404
    client.logout()
    assert mentee_page(client).status_code == 302  # to the log-in page


def test_a_mentee_track_cached_for_staff_is_a_404_for_a_mentor_once_unpublished(
    client, alice, bob, curator, track
):
    Mentorship.objects.create(mentor=curator, mentee=alice, state=Mentorship.State.ACTIVE)
    client.force_login(curator)
    assert mentee_page(client).status_code == 200
    Track.objects.filter(pk=track.pk).update(published=False)
    assert mentee_page(client).status_code == 200  # staff see unpublished tracks
    client.force_login(bob)
    assert mentee_page(client).status_code == 404
    assert mentee_page(client, "nope").status_code == 404


def test_a_warm_mentee_track_page_costs_three_queries(
    client, alice, bob, track, django_assert_num_queries
):
    set_status(alice, topic(track, "python"), "done")
    client.force_login(bob)
    mentee_page(client)
    # The session, the user and the fingerprint with the access check and the header: the
    # time of the mentor's visit moved on the first visit and stays while nothing changes.
    with django_assert_num_queries(3):
        assert "1 of 6 topics done" in mentee_page(client).content.decode()
