"""The mentor's side: submitted check-ins of active mentees only; rating and completing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from checkins import services
from checkins.models import CheckIn, MentorRating
from progress.models import Mentorship

pytestmark = pytest.mark.usefixtures("english")

HTMX = {"HTTP_HX_REQUEST": "true"}


def review_url(checkin: CheckIn, name: str = "review", *extra, username: str = "alice") -> str:
    return reverse(f"checkins:{name}", args=[username, "ml", checkin.pk, *extra])


def test_mentor_sees_the_learners_ratings_and_evidence(bob_client, submitted):
    response = bob_client.get(review_url(submitted))
    html = response.content.decode()
    assert response.status_code == 200
    assert "alice: <strong>Sometimes</strong>" in html
    # The topic as the mentor sees it: its panel, with the learner's status and notes.
    link = 'href="/mentoring/alice/ml/t/python/" rel="noopener noreferrer nofollow"'
    assert f"{link}>#python</a>" in html
    assert html.count('class="rating-form"') == 3
    assert "Complete the check-in" in html


def test_anonymous_is_sent_to_log_in(client, submitted):
    response = client.get(review_url(submitted))
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_a_stranger_gets_404(client, charlie, submitted):
    client.force_login(charlie)
    assert client.get(review_url(submitted)).status_code == 404
    assert client.post(review_url(submitted, "review-complete")).status_code == 404


def test_an_invited_mentor_who_has_not_accepted_gets_404(client, charlie, submitted, alice):
    Mentorship.objects.create(mentor=charlie, mentee=alice, state=Mentorship.State.INVITED)
    client.force_login(charlie)
    assert client.get(review_url(submitted)).status_code == 404


def test_an_ex_mentor_gets_404(bob_client, bob, submitted):
    Mentorship.objects.filter(mentor=bob).update(state=Mentorship.State.ENDED)
    assert bob_client.get(review_url(submitted)).status_code == 404
    rate = review_url(submitted, "review-rate", "questions-solutions")
    assert bob_client.post(rate, {"level": "1"}).status_code == 404
    assert not MentorRating.objects.exists()


def test_a_mentor_of_someone_else_gets_404(client, dave, submitted):
    client.force_login(dave)
    assert client.get(review_url(submitted)).status_code == 404
    # Not under the name of the learner dave does mentor either.
    assert client.get(review_url(submitted, username="charlie")).status_code == 404


def test_a_draft_is_the_learners_alone(bob_client, alice, track, behaviours, follows, bob):
    draft = services.start_checkin(alice, track)
    assert bob_client.get(review_url(draft)).status_code == 404
    html = bob_client.get(reverse("progress:mentee-track", args=["alice", "ml"])).content.decode()
    assert "has not submitted a check-in" in html


def test_mentor_rates_with_htmx_and_a_refusal_keeps_the_comment(bob_client, bob, submitted):
    rate = review_url(submitted, "review-rate", "questions-solutions")
    response = bob_client.post(rate, {"comment": "Careful thought"}, **HTMX)
    html = response.content.decode()
    assert "Pick a level." in html and "Careful thought" in html
    assert not MentorRating.objects.exists()

    response = bob_client.post(rate, {"level": "2", "comment": "Careful thought"}, **HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<li class="card behaviour-item" id="review-questions-')
    assert "Saved." in html
    saved = MentorRating.objects.get()
    assert (saved.mentor, saved.level, saved.comment) == (bob, 2, "Careful thought")


def test_mentor_rates_without_javascript(bob_client, submitted):
    rate = review_url(submitted, "review-rate", "questions-solutions")
    response = bob_client.post(rate, {"level": "3"})
    assert response.status_code == 302
    assert response.url == review_url(submitted) + "#review-questions-solutions"


def test_completing_needs_every_behaviour_rated(bob_client, bob, submitted, behaviours):
    services.save_mentor_rating(bob, submitted, behaviours[0], 1, "")
    html = bob_client.post(review_url(submitted, "review-complete"), follow=True).content.decode()
    assert "still missing: Questions solutions; Shares what they learn" in html
    submitted.refresh_from_db()
    assert submitted.state == "submitted"


def test_completing_closes_the_check_in(bob_client, bob, submitted, behaviours):
    for behaviour in behaviours:
        bob_client.post(review_url(submitted, "review-rate", behaviour.key), {"level": "3"})
    response = bob_client.post(review_url(submitted, "review-complete"), follow=True)
    html = response.content.decode()
    assert "Check-in completed" in html
    submitted.refresh_from_db()
    assert submitted.state == "completed" and submitted.completed_by == bob
    assert "rating-form" not in html
    rate = review_url(submitted, "review-rate", behaviours[0].key)
    html = bob_client.post(rate, {"level": "1", "comment": "Late"}, **HTMX).content.decode()
    assert "can no longer change" in html and "Late" in html


def test_wrong_methods(bob_client, submitted):
    assert bob_client.get(review_url(submitted, "review-complete")).status_code == 405
    assert bob_client.post(review_url(submitted)).status_code == 405


def test_mentee_track_page_lists_the_check_ins(bob_client, submitted):
    html = bob_client.get(reverse("progress:mentee-track", args=["alice", "ml"])).content.decode()
    assert f'href="{review_url(submitted)}"' in html
    assert "waiting for your rating" in html


def test_mentoring_page_says_which_mentees_have_a_check_in_waiting(
    bob_client, bob, submitted, behaviours, django_assert_max_num_queries
):
    html = bob_client.get(reverse("progress:mentoring")).content.decode()
    assert "1 check-in waiting for you" in html
    assert f'href="{review_url(submitted)}"' in html
    for behaviour in behaviours:
        services.save_mentor_rating(bob, submitted, behaviour, 3, "")
    services.complete_checkin(bob, submitted)
    html = bob_client.get(reverse("progress:mentoring")).content.decode()
    assert "waiting for you" not in html


def test_mentoring_page_marker_is_one_query_for_all_mentees(
    bob_client, bob, submitted, django_assert_max_num_queries, charlie
):
    with django_assert_max_num_queries(20) as one:
        bob_client.get(reverse("progress:mentoring"))
    Mentorship.objects.create(mentor=bob, mentee=charlie, state=Mentorship.State.ACTIVE)
    with django_assert_max_num_queries(len(one.captured_queries)):
        bob_client.get(reverse("progress:mentoring"))


def test_another_mentors_waiting_check_ins_are_not_shown(client, dave, submitted):
    client.force_login(dave)
    html = client.get(reverse("progress:mentoring")).content.decode()
    assert "waiting for you" not in html
