"""The learner's side: the Behaviours view, the draft, submitting, history, chart and gaps."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from checkins import services
from checkins.models import CheckIn, Level, Rating
from progress.models import Mentorship
from tests.checkins.conftest import fill
from tracks.models import ExpectedBehaviour

pytestmark = pytest.mark.usefixtures("english")

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name: str, *args) -> str:
    return reverse(f"checkins:{name}", args=["ml", *args])


# --- the Behaviours view --------------------------------------------------------------------


def test_track_page_links_to_the_behaviours_view(client, track, behaviours):
    html = client.get(reverse("progress:track", args=["ml"])).content.decode()
    assert f'href="{url("behaviours")}"' in html


def test_anonymous_visitors_are_sent_to_log_in(client, track, behaviours):
    for name in ("behaviours", "history"):
        response = client.get(url(name))
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/")
    response = client.post(url("start"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_view_lists_live_behaviours_and_the_scale_with_its_meanings(
    alice_client, behaviours, follows
):
    behaviours[1].retired = True
    behaviours[1].save()
    html = alice_client.get(url("behaviours")).content.decode()
    assert "Follows the scientific method" in html
    assert "Questions solutions" not in html
    for label in ("Not yet", "Sometimes", "Consistently", "Role model"):
        assert f"<dt>{label}</dt>" in html
    assert "Shown as a habit, without being reminded." in html
    assert "Start a check-in" in html


def test_scale_is_translated(alice_client, behaviours, follows, settings):
    html = alice_client.get(url("behaviours"), HTTP_ACCEPT_LANGUAGE="pt-br").content.decode()
    for label in ("Ainda não", "Às vezes", "Consistentemente", "É referência"):
        assert label in html


def test_a_learner_who_does_not_follow_the_track_is_asked_to_start_it(alice_client, behaviours):
    html = alice_client.get(url("behaviours")).content.decode()
    assert "Start the track to rate yourself" in html
    response = alice_client.post(url("start"), follow=True)
    assert "Start the track first" in response.content.decode()
    assert not CheckIn.objects.exists()


def test_unpublished_track_is_not_found(alice_client, track, behaviours, follows):
    track.published = False
    track.save()
    assert alice_client.get(url("behaviours")).status_code == 404


def test_wrong_methods_are_refused(alice_client, behaviours, follows):
    assert alice_client.get(url("start")).status_code == 405
    assert alice_client.get(url("submit")).status_code == 405
    assert alice_client.get(url("rate", behaviours[0].key)).status_code == 405
    assert alice_client.post(url("history")).status_code == 405


# --- the draft ------------------------------------------------------------------------------


def test_starting_makes_one_draft_with_a_form_per_behaviour(
    alice_client, alice, behaviours, follows
):
    alice_client.post(url("start"))
    alice_client.post(url("start"))
    assert CheckIn.objects.filter(user=alice, state="draft").count() == 1
    html = alice_client.get(url("behaviours")).content.decode()
    assert html.count('class="rating-form"') == 3
    assert 'hx-post="/tracks/ml/behaviours/rate/follows-the-scientific-method/"' in html
    assert 'action="/tracks/ml/behaviours/rate/follows-the-scientific-method/"' in html


def test_saving_one_behaviour_with_htmx_returns_just_that_behaviour(
    alice_client, alice, track, behaviours, follows
):
    alice_client.post(url("start"))
    response = alice_client.post(
        url("rate", behaviours[0].key),
        {"level": "3", "evidence": "Wrote a test plan, see #python and #nope."},
        **HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<li id="behaviour-follows-the-scientific-method"')
    assert "Saved." in html
    assert '<a href="/tracks/ml/t/python/" rel="noopener noreferrer nofollow">#python</a>' in html
    assert "#nope" in html and 'href="/tracks/ml/t/nope/"' not in html
    rating = Rating.objects.get(checkin__user=alice, behaviour=behaviours[0])
    assert rating.level == Level.CONSISTENTLY
    assert rating.evidence == "Wrote a test plan, see #python and #nope."


def test_evidence_is_sanitised_markdown(alice_client, behaviours, follows):
    alice_client.post(url("start"))
    response = alice_client.post(
        url("rate", behaviours[0].key),
        {
            "level": "2",
            "evidence": "**Shipped** <script>alert(1)</script> [x](javascript:alert(1))",
        },
        **HTMX,
    )
    html = response.content.decode()
    preview = html[html.index('class="evidence-preview"') :]
    assert "<strong>Shipped</strong>" in preview
    assert "<script>" not in preview and "javascript:" not in preview


def test_a_refused_save_keeps_the_text_and_says_why(alice_client, alice, behaviours, follows):
    alice_client.post(url("start"))
    typed = "Long evidence I typed for an hour"
    response = alice_client.post(url("rate", behaviours[0].key), {"evidence": typed}, **HTMX)
    html = response.content.decode()
    assert "Pick a level." in html
    assert typed in html
    assert not Rating.objects.filter(level__isnull=False).exists()

    response = alice_client.post(url("rate", behaviours[0].key), {"evidence": typed})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Pick a level." in html and typed in html and "<h1>" in html


def test_too_long_evidence_is_refused_with_the_text_kept(alice_client, behaviours, follows):
    alice_client.post(url("start"))
    typed = "x" * 5001
    html = alice_client.post(
        url("rate", behaviours[0].key), {"level": "2", "evidence": typed}, **HTMX
    ).content.decode()
    assert "at most 5000 characters" in html
    assert typed in html
    assert not Rating.objects.exists()


def test_saving_without_javascript_redirects_back_to_the_behaviour(
    alice_client, behaviours, follows
):
    alice_client.post(url("start"))
    response = alice_client.post(url("rate", behaviours[1].key), {"level": "4", "evidence": ""})
    assert response.status_code == 302
    assert response.url == url("behaviours") + "#behaviour-questions-solutions"


def test_saving_with_no_draft_keeps_the_text(alice_client, behaviours, follows):
    response = alice_client.post(
        url("rate", behaviours[0].key), {"level": "2", "evidence": "Mine"}, **HTMX
    )
    html = response.content.decode()
    assert "no check-in in progress" in html and "Mine" in html
    assert not Rating.objects.exists()


def test_a_retired_behaviour_cannot_be_rated(alice_client, behaviours, follows):
    alice_client.post(url("start"))
    ExpectedBehaviour.objects.filter(pk=behaviours[0].pk).update(retired=True)
    response = alice_client.post(url("rate", behaviours[0].key), {"level": "2"})
    assert response.status_code == 404


# --- submitting ------------------------------------------------------------------------------


def test_submitting_needs_every_behaviour_rated(alice_client, alice, bob, behaviours, follows):
    alice_client.post(url("start"))
    alice_client.post(url("rate", behaviours[0].key), {"level": "2"})
    response = alice_client.post(url("submit"), follow=True)
    html = response.content.decode()
    assert "still missing: Questions solutions; Shares what they learn" in html
    assert CheckIn.objects.get(user=alice).state == "draft"


def test_submitting_needs_an_active_mentor(alice_client, alice, behaviours, follows):
    alice_client.post(url("start"))
    for behaviour in behaviours:
        alice_client.post(url("rate", behaviour.key), {"level": "2"})
    html = alice_client.post(url("submit"), follow=True).content.decode()
    assert "no active mentor" in html
    assert CheckIn.objects.get(user=alice).state == "draft"


def test_submitted_check_in_is_read_only(alice_client, alice, submitted, behaviours):
    assert submitted.state == "submitted" and submitted.submitted_at
    response = alice_client.get(url("checkin", submitted.pk))
    html = response.content.decode()
    assert "Waiting for a mentor" in html
    assert 'href="/tracks/ml/t/python/" rel="noopener noreferrer nofollow">#python</a>' in html
    assert "rating-form" not in html
    # No draft any more: a save is refused, the typed text comes back.
    html = alice_client.post(
        url("rate", behaviours[0].key), {"level": "4", "evidence": "Later"}, **HTMX
    ).content.decode()
    assert "no check-in in progress" in html and "Later" in html
    assert Rating.objects.get(checkin=submitted, behaviour=behaviours[0]).level == Level.SOMETIMES
    with pytest.raises(services.CheckInError):
        services.save_rating(submitted, behaviours[0], 1, "")


def test_a_new_draft_starts_from_the_latest_check_in(alice_client, alice, submitted, behaviours):
    alice_client.post(url("start"))
    draft = CheckIn.objects.get(user=alice, state="draft")
    assert dict(draft.ratings.values_list("behaviour__key", "level")) == {
        "follows-the-scientific-method": 2,
        "questions-solutions": 3,
        "shares-what-they-learn": 4,
    }
    assert draft.ratings.first().evidence == "See #python"


def test_another_learner_never_sees_a_check_in(client, charlie, submitted):
    client.force_login(charlie)
    assert client.get(url("checkin", submitted.pk)).status_code == 404


def test_the_learner_sees_mentor_ratings_only_once_completed(
    alice_client, submitted, bob, behaviours
):
    services.save_mentor_rating(bob, submitted, behaviours[0], 1, "Not yet seen")
    html = alice_client.get(url("checkin", submitted.pk)).content.decode()
    assert "Not yet seen" not in html


def test_the_learner_sees_the_result_with_gaps(alice_client, completed):
    html = alice_client.get(url("checkin", completed.pk)).content.decode()
    assert "Completed by your mentor" in html
    assert "On follows-the-scientific-method" in html
    assert html.count("Gap:") == 2  # below Consistently (first, last); two steps (last)


# --- history, chart and gaps ------------------------------------------------------------------


def test_history_shows_chart_table_and_gaps(alice_client, completed):
    html = alice_client.get(url("history")).content.decode()
    assert '<svg class="chart ratings-chart"' in html
    assert '<title id="ratings-chart-title">' in html and '<desc id="ratings-chart-desc">' in html
    assert "<caption>The same levels as a table</caption>" in html
    assert "<td>you: Sometimes<br>mentor: Not yet</td>" in html
    gaps = html[html.index('id="gaps-heading"') : html.index('id="chart-heading"')]
    assert "Follows the scientific method" in gaps
    assert "Shares what they learn" in gaps
    assert "Questions solutions" not in gaps
    assert "two steps or more apart" in gaps


def test_behaviours_view_shows_the_gaps_too(alice_client, completed, follows):
    html = alice_client.get(url("behaviours")).content.decode()
    assert 'id="gaps-heading"' in html
    assert "is completed" in html


def test_history_without_check_ins_says_so(alice_client, behaviours):
    html = alice_client.get(url("history")).content.decode()
    assert "You have not submitted a check-in on this track yet." in html


def _check_ins(alice, bob, track, count: int) -> None:
    for _number in range(count):
        checkin = services.start_checkin(alice, track)
        fill(checkin, [2] * track.behaviours.live().count())
        services.submit_checkin(checkin)
        for behaviour in track.behaviours.live():
            services.save_mentor_rating(bob, checkin, behaviour, 3, "")
        services.complete_checkin(bob, checkin)


def test_history_queries_do_not_grow_with_check_ins_or_behaviours(
    alice_client, alice, bob, track, behaviours, follows, django_assert_max_num_queries
):
    _check_ins(alice, bob, track, 2)
    with django_assert_max_num_queries(14) as small:
        alice_client.get(url("history"))
    for number in range(6):
        ExpectedBehaviour.objects.create(track=track, text=f"Extra {number}", order=10 + number)
    _check_ins(alice, bob, track, 5)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = alice_client.get(url("history"))
    assert response.content.decode().count("Check-in of ") == 7


def test_behaviours_view_queries_do_not_grow(
    alice_client, alice, bob, track, behaviours, follows, django_assert_max_num_queries
):
    _check_ins(alice, bob, track, 1)
    alice_client.post(url("start"))
    with django_assert_max_num_queries(16) as small:
        alice_client.get(url("behaviours"))
    for number in range(6):
        ExpectedBehaviour.objects.create(track=track, text=f"Extra {number}", order=10 + number)
    with django_assert_max_num_queries(len(small.captured_queries)):
        alice_client.get(url("behaviours"))


def test_ended_mentorship_keeps_the_learners_history(alice_client, alice, bob, completed):
    Mentorship.objects.filter(mentor=bob).update(state=Mentorship.State.ENDED)
    html = alice_client.get(url("checkin", completed.pk)).content.decode()
    assert "On questions-solutions" in html


def test_check_in_pages_have_one_h1_and_a_title(alice_client, client, bob, completed, follows):

    alice_client.post(url("start"))
    pages = [url("behaviours"), url("history"), url("checkin", completed.pk)]
    for page in pages:
        html = alice_client.get(page).content.decode()
        assert len(re.findall(r"<h1[\s>]", html)) == 1, page
        assert re.search(r"<title>[^<]+ · Trilha</title>", html), page
    client.force_login(bob)
    html = client.get(reverse("checkins:review", args=["alice", "ml", completed.pk])).content
    assert len(re.findall(r"<h1[\s>]", html.decode())) == 1
