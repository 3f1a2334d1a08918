import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.formats import date_format

from progress.models import Comment, Mentorship, ProgressEvent, TopicProgress
from progress.services import NotDone, add_comment, confirm, set_status, unconfirm
from tests.conftest import topic
from tracks.models import Topic

# Assertions read the English messages, whatever the default language.
pytestmark = pytest.mark.usefixtures("english")

HTMX = {"HX-Request": "true"}
PAGE = "/mentoring/alice/ml/"
COMMENT = "/mentoring/alice/ml/t/python/comments/"
CONFIRM = "/mentoring/alice/ml/t/python/confirm/"
UNCONFIRM = "/mentoring/alice/ml/t/python/unconfirm/"
PANEL = "/mentoring/alice/ml/t/python/"


@pytest.fixture
def mentorship(alice, bob):
    return Mentorship.objects.get(mentor=bob, mentee=alice)


@pytest.fixture
def python_done(alice, track):
    set_status(alice, topic(track, "python"), "done")
    return TopicProgress.objects.get(user=alice, topic__key="python")


def highlighted_keys(html: str, status: str) -> list[str]:
    """The topic keys the page's highlight CSS draws with `status`."""
    style = re.search(r'<style id="diagram-highlights"[^>]*>(.*?)</style>', html, re.S).group(1)
    rule = next(line for line in style.splitlines() if f".swatch-{status} rect" in line)
    return re.findall(r'data-topic="([^"]+)"\] > rect', rule)


def confirmed_keys(html: str) -> list[str]:
    """The topic keys the page's highlight CSS draws as confirmed by a mentor."""
    return highlighted_keys(html, "confirmed")


# --- comments ------------------------------------------------------------------------------


def test_mentor_comments_on_a_mentees_topic(client, alice, bob, track):
    client.force_login(bob)
    response = client.post(COMMENT, {"body": "  Try **pytest** next.  "})
    assert response.status_code == 302
    assert response["Location"] == PANEL
    comment = Comment.objects.get()
    assert (comment.author, comment.mentee, comment.topic.key) == (bob, alice, "python")
    assert comment.body == "Try **pytest** next."
    assert "1 comment" in client.get(PAGE).content.decode()
    html = client.get(PANEL).content.decode()
    assert "Try <strong>pytest</strong> next." in html
    assert '<span class="comment-author">bob</span>' in html
    assert "Delete my comment" in html


def test_mentee_track_page_links_each_topic_to_its_panel_and_holds_no_form(
    client, bob, alice, track
):
    client.force_login(bob)
    html = client.get(PAGE).content.decode()
    assert 'href="/mentoring/alice/ml/t/python/" hx-get="/mentoring/alice/ml/t/python/"' in html
    assert html.count(' hx-get="/mentoring/alice/ml/t/') == 7
    assert 'name="body"' not in html and "comment-form" not in html
    assert len(re.findall(r"<h1[\s>]", html)) == 1


def test_the_topic_panel_has_a_labelled_comment_form(client, bob, alice, track):
    client.force_login(bob)
    html = client.get(PANEL).content.decode()
    assert '<label for="comment-python-body">Your comment on Python</label>' in html
    assert 'action="/mentoring/alice/ml/t/python/comments/"' in html
    assert len(re.findall(r"<h1[\s>]", html)) == 1
    panel = client.get(PANEL, headers=HTMX).content.decode()
    assert "<html" not in panel
    assert panel.lstrip().startswith('<section class="topic-panel-body mentee-panel"')
    assert "hx-swap-oob" not in panel  # opening changes nothing else on the page


def test_an_empty_comment_is_refused_on_the_form(client, bob, alice, track):
    client.force_login(bob)
    response = client.post(COMMENT, {"body": "   "})
    assert response.status_code == 200
    html = response.content.decode()
    assert "This field is required." in html
    assert 'id="comment-python-error"' in html
    assert "<h1>" in html
    assert not Comment.objects.exists()


def test_htmx_comment_returns_the_panel_and_the_row(client, bob, alice, track):
    client.force_login(bob)
    response = client.post(COMMENT, {"body": "Nice"}, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert html.lstrip().startswith('<section class="topic-panel-body mentee-panel"')
    assert "<p>Nice</p>" in html
    assert 'id="diagram-highlights" hx-swap-oob="true"' in html
    assert 'id="mentee-row-python" hx-swap-oob="true"' in html
    assert "1 comment" in html


def test_htmx_empty_comment_shows_the_error_in_the_row(client, bob, alice, track):
    client.force_login(bob)
    response = client.post(COMMENT, {"body": ""}, headers=HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="topic-panel-body mentee-panel"')
    assert "This field is required." in html


def test_comment_markdown_is_sanitised(client, bob, alice, track):
    client.force_login(bob)
    client.post(COMMENT, {"body": "<script>alert(1)</script> *ok*"})
    html = client.get(PANEL).content.decode()
    assert "<script>alert(1)" not in html
    assert "<em>ok</em>" in html


def test_mentor_deletes_their_own_comment(client, alice, bob, track):
    comment = add_comment(bob, alice, topic(track, "python"), "Oops")
    client.force_login(bob)
    response = client.post(f"/comments/{comment.pk}/delete/", headers=HTMX)
    assert response.status_code == 200
    assert "Oops" not in response.content.decode()
    assert not Comment.objects.exists()


def test_mentor_cannot_delete_another_mentors_comment(client, alice, bob, charlie, track):
    Mentorship.objects.create(mentor=charlie, mentee=alice, state=Mentorship.State.ACTIVE)
    comment = add_comment(charlie, alice, topic(track, "python"), "From charlie")
    client.force_login(bob)
    html = client.get(PANEL).content.decode()
    assert "From charlie" in html
    assert "Delete my comment" not in html
    assert client.post(f"/comments/{comment.pk}/delete/").status_code == 404
    assert Comment.objects.filter(pk=comment.pk).exists()


def test_learner_sees_mentor_comments_in_her_topic_panel(client, alice, bob, track):
    add_comment(bob, alice, topic(track, "python"), "Read *Fluent Python*")
    client.force_login(alice)
    html = client.get("/tracks/ml/t/python/").content.decode()
    assert "Mentor comments" in html
    assert "Read <em>Fluent Python</em>" in html
    assert '<span class="comment-author">bob</span>' in html
    assert "Delete my comment" not in html
    embedded = client.get("/tracks/ml/t/python/", headers=HTMX).content.decode()
    assert "Read <em>Fluent Python</em>" in embedded
    assert "Mentor comments" not in client.get("/tracks/ml/t/apis/").content.decode()


def test_learner_keeps_comments_of_a_mentor_who_left(client, alice, bob, track, mentorship):
    add_comment(bob, alice, topic(track, "python"), "Still worth reading")
    mentorship.state = Mentorship.State.ENDED
    mentorship.save(update_fields=["state"])
    client.force_login(alice)
    assert "Still worth reading" in client.get("/tracks/ml/t/python/").content.decode()


def test_other_learners_never_see_alices_comments(client, alice, bob, charlie, track):
    add_comment(bob, alice, topic(track, "python"), "For alice only")
    client.force_login(charlie)
    assert "For alice only" not in client.get("/tracks/ml/t/python/").content.decode()


def test_export_includes_comments_received(client, alice, bob, track):
    add_comment(bob, alice, topic(track, "python"), "Exported")
    client.force_login(alice)
    data = json.loads(b"".join(client.get("/me/export.json").streaming_content))
    assert data["comments_received"][0]["author"] == "bob"
    assert data["comments_received"][0]["body"] == "Exported"
    assert data["comments_received"][0]["topic"] == "python"


# --- sign-off ------------------------------------------------------------------------------


def test_mentor_confirms_a_done_topic(client, alice, bob, track, python_done):
    client.force_login(bob)
    response = client.post(CONFIRM)
    assert response.status_code == 302
    python_done.refresh_from_db()
    assert python_done.confirmed_by == bob
    assert python_done.confirmed_at is not None
    assert "Done, confirmed by a mentor" in client.get(PAGE).content.decode()
    html = client.get(PANEL).content.decode()
    assert "Done, confirmed by a mentor" in html
    assert "Withdraw confirmation" in html


def test_confirm_button_only_on_done_topics(client, alice, bob, track, python_done):
    set_status(alice, topic(track, "apis"), "doing")
    client.force_login(bob)
    html = client.get(PANEL).content.decode()
    assert html.count('action="/mentoring/alice/ml/t/python/confirm/"') == 1
    assert "/confirm/" not in client.get("/mentoring/alice/ml/t/apis/").content.decode()


def test_confirm_is_refused_on_a_topic_not_done(client, alice, bob, track):
    set_status(alice, topic(track, "python"), "doing")
    client.force_login(bob)
    response = client.post(CONFIRM)
    assert response.status_code == 409
    assert "alice has not marked this topic done" in response.content.decode()
    htmx = client.post(CONFIRM, headers=HTMX)
    assert "alice has not marked this topic done" in htmx.content.decode()
    assert not TopicProgress.objects.filter(confirmed_by__isnull=False).exists()
    with pytest.raises(NotDone):
        confirm(bob, alice, topic(track, "statistics"))


def test_htmx_confirm_redraws_the_row_and_the_diagram_colours(
    client, alice, bob, track, python_done
):
    client.force_login(bob)
    html = client.post(CONFIRM, headers=HTMX).content.decode()
    assert html.lstrip().startswith('<section class="topic-panel-body mentee-panel"')
    assert 'id="mentee-row-python" hx-swap-oob="true"' in html
    assert "Withdraw confirmation" in html
    assert confirmed_keys(html) == ["python"]


def test_confirmed_highlight_shows_on_the_learners_track_page(
    client, alice, bob, track, python_done
):
    set_status(alice, topic(track, "statistics"), "done")
    confirm(bob, alice, topic(track, "python"))
    client.force_login(alice)
    html = client.get("/tracks/ml/").content.decode()
    assert highlighted_keys(html, "done") == ["statistics"]
    assert confirmed_keys(html) == ["python"]


def test_learner_panel_says_who_confirmed_and_when(client, alice, bob, track, python_done):
    confirm(bob, alice, topic(track, "python"))
    client.force_login(alice)
    html = client.get("/tracks/ml/t/python/").content.decode()
    today = date_format(timezone.localdate(), "DATE_FORMAT")
    assert "Done, confirmed by your mentor" in html
    assert f"Confirmed by bob on {today}" in html


def test_moving_the_status_back_clears_the_confirmation(client, alice, bob, track, python_done):
    confirm(bob, alice, topic(track, "python"))
    client.force_login(alice)
    client.post("/tracks/ml/t/python/status/", {"status": "doing"})
    python_done.refresh_from_db()
    assert python_done.confirmed_by is None
    set_status(alice, topic(track, "python"), "done")
    html = client.get("/tracks/ml/").content.decode()
    assert highlighted_keys(html, "done") == ["python"]
    assert confirmed_keys(html) == []


def test_mentor_withdraws_their_confirmation(client, alice, bob, track, python_done):
    confirm(bob, alice, topic(track, "python"))
    client.force_login(bob)
    response = client.post(UNCONFIRM, headers=HTMX)
    assert "Withdraw confirmation" not in response.content.decode()
    python_done.refresh_from_db()
    assert python_done.confirmed_by is None
    assert python_done.status == "done"


def test_a_mentor_cannot_withdraw_another_mentors_confirmation(
    client, alice, bob, charlie, track, python_done
):
    Mentorship.objects.create(mentor=charlie, mentee=alice, state=Mentorship.State.ACTIVE)
    confirm(charlie, alice, topic(track, "python"))
    client.force_login(bob)
    html = client.get(PANEL).content.decode()
    assert "Confirmed by charlie on" in html
    assert "Withdraw confirmation" not in html
    client.post(UNCONFIRM)
    client.post(CONFIRM)
    python_done.refresh_from_db()
    assert python_done.confirmed_by == charlie
    assert unconfirm(bob, alice, topic(track, "python")) is False


def test_a_sign_off_is_not_a_status_change_in_the_history(client, alice, bob, track, python_done):
    confirm(bob, alice, topic(track, "python"))
    assert ProgressEvent.objects.count() == 1


# --- access --------------------------------------------------------------------------------


ACTIONS = [COMMENT, CONFIRM, UNCONFIRM]


@pytest.mark.parametrize("url", ACTIONS)
def test_stranger_gets_404_on_every_feedback_action(client, alice, charlie, track, url):
    set_status(alice, topic(track, "python"), "done")
    client.force_login(charlie)
    assert client.post(url, {"body": "Hi"}).status_code == 404
    assert client.post(url, {"body": "Hi"}, headers=HTMX).status_code == 404
    assert not Comment.objects.exists()
    assert not TopicProgress.objects.filter(confirmed_by__isnull=False).exists()


def test_stranger_gets_404_on_the_topic_panel(client, alice, charlie, track):
    client.force_login(charlie)
    assert client.get(PANEL).status_code == 404
    assert client.get(PANEL, headers=HTMX).status_code == 404
    assert client.post(PANEL).status_code == 405


@pytest.mark.parametrize("state", [Mentorship.State.INVITED, Mentorship.State.ENDED])
@pytest.mark.parametrize("url", ACTIONS)
def test_invited_or_former_mentor_gets_404(client, alice, charlie, track, state, url):
    Mentorship.objects.create(mentor=charlie, mentee=alice, state=state)
    set_status(alice, topic(track, "python"), "done")
    client.force_login(charlie)
    assert client.post(url, {"body": "Hi"}).status_code == 404
    assert not Comment.objects.exists()
    assert not TopicProgress.objects.filter(confirmed_by__isnull=False).exists()


def test_former_mentor_cannot_delete_their_comment(client, alice, bob, track, mentorship):
    comment = add_comment(bob, alice, topic(track, "python"), "Kept")
    mentorship.state = Mentorship.State.ENDED
    mentorship.save(update_fields=["state"])
    client.force_login(bob)
    assert client.post(f"/comments/{comment.pk}/delete/").status_code == 404
    assert Comment.objects.filter(pk=comment.pk).exists()


def test_the_learner_cannot_comment_or_confirm_her_own_topics(client, alice, track, python_done):
    client.force_login(alice)
    assert client.post(COMMENT, {"body": "Me"}).status_code == 404
    assert client.post(CONFIRM).status_code == 404


def test_retired_or_unknown_topic_is_not_found(client, alice, bob, track):
    Topic.objects.filter(key="batch").update(retired=True)
    client.force_login(bob)
    assert client.post("/mentoring/alice/ml/t/batch/comments/", {"body": "x"}).status_code == 404
    assert client.post("/mentoring/alice/ml/t/nope/confirm/").status_code == 404


def test_anonymous_is_sent_to_log_in(client, alice, bob, track):
    response = client.post(COMMENT, {"body": "x"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("url", [*ACTIONS, "/comments/1/delete/"])
def test_wrong_method_is_refused(client, bob, alice, track, url):
    client.force_login(bob)
    assert client.get(url).status_code == 405


# --- what changed since the last visit -----------------------------------------------------


def test_mentoring_page_counts_changes_since_the_last_visit(client, alice, bob, track, mentorship):
    Mentorship.objects.filter(pk=mentorship.pk).update(
        updated_at=timezone.now() - timedelta(minutes=1)
    )
    set_status(alice, topic(track, "python"), "doing")
    set_status(alice, topic(track, "python"), "done")
    client.force_login(bob)
    html = client.get("/mentoring/").content.decode()
    assert "2 status changes since you became the mentor." in html

    client.get(PAGE)
    html = client.get("/mentoring/").content.decode()
    assert "No status change since your last visit." in html
    mentorship.refresh_from_db()
    assert mentorship.mentor_seen_at is not None

    set_status(alice, topic(track, "apis"), "done")
    html = client.get("/mentoring/").content.decode()
    assert "1 status change since your last visit." in html


def test_changes_on_tracks_the_mentee_no_longer_follows_are_not_counted(
    client, alice, bob, track, mentorship
):
    Mentorship.objects.filter(pk=mentorship.pk).update(mentor_seen_at=timezone.now())
    set_status(alice, topic(track, "python"), "done")
    alice.follows.update(active=False)
    client.force_login(bob)
    html = client.get("/mentoring/").content.decode()
    assert "No status change since your last visit." in html


def test_opening_a_mentee_page_keeps_the_mentoring_since_date(client, alice, bob, track):
    mentorship = Mentorship.objects.get(mentor=bob)
    before = mentorship.updated_at
    client.force_login(bob)
    client.get(PAGE)
    mentorship.refresh_from_db()
    assert mentorship.updated_at == before


# --- query counts --------------------------------------------------------------------------


def test_mentee_track_query_count_does_not_grow_with_comments(
    client, alice, bob, track, django_assert_max_num_queries
):
    serving = topic(track, "serving")
    for i in range(15):
        extra = Topic.objects.create(
            track=track, parent=serving, key=f"extra-{i}", title=f"Extra {i}", order=10 + i
        )
        set_status(alice, extra, "done")
        add_comment(bob, alice, extra, f"Comment {i}")
        if i % 2:
            confirm(bob, alice, extra)
    client.force_login(bob)
    # Measured: 17 (18 with a stored diagram), however many comments and sign-offs.
    with django_assert_max_num_queries(18):
        response = client.get(PAGE)
    html = response.content.decode()
    assert html.count(">1 comment<") == 15
    assert html.count("Done, confirmed by a mentor") == 7


def test_mentoring_page_query_count_does_not_grow_with_mentees(
    client, bob, track, django_assert_max_num_queries, django_user_model
):
    for i in range(6):
        mentee = django_user_model.objects.create_user(f"learner{i}")
        Mentorship.objects.create(mentor=bob, mentee=mentee, state=Mentorship.State.ACTIVE)
        set_status(mentee, topic(track, "python"), "done")
    client.force_login(bob)
    # Measured: 10, however many mentees; the changes are counted in the mentorships' query.
    # Plus three, whatever the number of mentees: the header's team and notification links
    # and the check-ins waiting for the mentor.
    with django_assert_max_num_queries(13):
        response = client.get("/mentoring/")
    assert response.content.decode().count("1 status change since you became the mentor.") == 6


# --- names ---------------------------------------------------------------------------------


def name(user, display_name):
    user.profile.display_name = display_name
    user.profile.save()


def test_people_are_named_by_display_name_with_the_username_beside_it(
    client, alice, bob, track, python_done
):
    name(alice, "Alice Souza")
    name(bob, "Roberto <b>Lima</b>")
    add_comment(bob, alice, topic(track, "python"), "Good start")
    confirm(bob, alice, topic(track, "python"))

    client.force_login(bob)
    mentoring = client.get("/mentoring/").content.decode()
    page = client.get(PAGE).content.decode()
    client.force_login(alice)
    panel = client.get("/tracks/ml/t/python/").content.decode()
    mentors = client.get("/me/mentors/").content.decode()

    assert "<h3>Alice Souza (alice)</h3>" in mentoring
    assert "<h1>Alice Souza (alice) on Machine Learning</h1>" in page
    assert '<span class="comment-author">Roberto &lt;b&gt;Lima&lt;/b&gt; (bob)</span>' in panel
    assert "Confirmed by Roberto &lt;b&gt;Lima&lt;/b&gt; (bob)" in panel
    assert "<strong>Roberto &lt;b&gt;Lima&lt;/b&gt; (bob)</strong>" in mentors
    assert "<b>Lima</b>" not in panel + mentors


def test_mentee_page_names_people_in_a_fixed_number_of_queries(
    client, alice, bob, charlie, track, django_assert_max_num_queries
):
    Mentorship.objects.create(mentor=charlie, mentee=alice, state=Mentorship.State.ACTIVE)
    for user, display in [(alice, "Alice"), (bob, "Bob B."), (charlie, "Charles")]:
        name(user, display)
    for key in ["python", "statistics", "apis"]:
        set_status(alice, topic(track, key), "done")
        add_comment(bob, alice, topic(track, key), "bob on " + key)
        add_comment(charlie, alice, topic(track, key), "charlie on " + key)
        confirm(bob if key == "python" else charlie, alice, topic(track, key))
    client.force_login(bob)
    # Plus three: the header's team and notification links and the mentee's check-ins.
    with django_assert_max_num_queries(18):
        client.get(PAGE)
    with django_assert_max_num_queries(18):
        html = client.get(PANEL).content.decode()
    assert html.count("Charles (charlie)") >= 1
    assert html.count("Bob B. (bob)") >= 2  # comment and sign-off
