import re
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from progress.charts import weekly_chart_svg
from progress.models import ProgressEvent
from progress.services import set_status
from progress.stats import WeekCount, current_streak, streak_of, weekly_completions
from tests.conftest import topic
from tracks.models import Topic, Track

# Assertions read the English messages, whatever the default language.
pytestmark = pytest.mark.usefixtures("english")


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.get_current_timezone())


def move_events(**moves: datetime) -> None:
    for key, when in moves.items():
        ProgressEvent.objects.filter(topic__key=key).update(created_at=when)


def test_dashboard_needs_login(client):
    response = client.get("/me/")
    assert response["Location"] == "/accounts/login/?next=/me/"


def test_dashboard_rejects_post(client, alice):
    client.force_login(alice)
    assert client.post("/me/").status_code == 405


def test_dashboard_shows_followed_tracks_with_their_progress(client, alice, track):
    set_status(alice, topic(track, "python"), "done")
    set_status(alice, topic(track, "apis"), "done")
    set_status(alice, topic(track, "batch"), "skipped")
    client.force_login(alice)
    response = client.get("/me/")
    html = response.content.decode()
    assert response.status_code == 200
    assert len(re.findall(r"<h1[\s>]", html)) == 1
    assert "2 of 6 topics done (33%) · 1 skipped" in html
    assert '<progress max="100" value="33"' in html


def test_dashboard_lists_topics_in_progress_and_recent_activity(client, alice, track):
    set_status(alice, topic(track, "statistics"), "doing")
    set_status(alice, topic(track, "python"), "done")
    client.force_login(alice)
    html = client.get("/me/").content.decode()
    doing = html[html.index('id="doing-heading"') : html.index('id="chart-heading"')]
    assert 'href="/tracks/ml/t/statistics/"' in doing
    assert "Python" not in doing
    activity = html[html.index('id="activity-heading"') :]
    assert activity.index("Python") < activity.index("Statistics")  # newest first
    assert "To do → <strong>Done</strong>" in activity


def test_dashboard_shows_nothing_of_other_learners(client, alice, charlie, track):
    set_status(alice, topic(track, "statistics"), "doing")
    client.force_login(charlie)
    html = client.get("/me/").content.decode()
    assert "Statistics" not in html
    assert "Machine Learning" not in html
    assert "No active days yet" in html


def test_dashboard_shows_the_streak_with_its_rule(client, alice, track):
    set_status(alice, topic(track, "python"), "doing")
    set_status(alice, topic(track, "statistics"), "doing")
    today = timezone.localdate()
    move_events(statistics=at(today - timedelta(days=1)))
    client.force_login(alice)
    html = client.get("/me/").content.decode()
    assert "2 active days in a row" in html
    assert "a day counts when you change at least one status" in html.lower()


def test_streak_counts_consecutive_days_up_to_today_or_yesterday():
    today = date(2026, 3, 10)
    days = {today - timedelta(days=n) for n in (1, 2, 3, 5)}
    assert current_streak(days, today) == 3  # yesterday, and the two days before
    assert current_streak(days | {today}, today) == 4
    assert current_streak({today - timedelta(days=2)}, today) == 0
    assert current_streak(set(), today) == 0


def test_weekly_completions_count_each_topic_once_per_week(alice, track):
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    for key in ("python", "statistics", "apis"):
        set_status(alice, topic(track, key), "done")
    set_status(alice, topic(track, "python"), "todo")
    set_status(alice, topic(track, "python"), "done")
    move_events(apis=at(monday - timedelta(days=3)))  # the week before
    ProgressEvent.objects.create(
        user=alice, topic=topic(track, "batch"), from_status="todo", to_status="done"
    )
    move_events(batch=at(monday - timedelta(weeks=30)))  # older than six months
    weeks = weekly_completions(alice, today=today)
    assert len(weeks) == 26
    assert weeks[-1] == WeekCount(monday, 2)
    assert weeks[-2] == WeekCount(monday - timedelta(weeks=1), 1)
    assert sum(week.count for week in weeks) == 3


def test_a_completion_taken_back_is_not_counted_and_a_redone_one_counts_once(alice, track):
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    set_status(alice, topic(track, "statistics"), "done")
    set_status(alice, topic(track, "statistics"), "skipped")  # taken back
    set_status(alice, topic(track, "python"), "done")
    move_events(python=at(monday - timedelta(weeks=3)))
    set_status(alice, topic(track, "python"), "todo")
    set_status(alice, topic(track, "python"), "done")  # done again this week
    set_status(alice, topic(track, "batch"), "done")
    Topic.objects.filter(track=track, key="batch").update(retired=True)

    weeks = weekly_completions(alice, today=today)

    assert weeks[-1] == WeekCount(monday, 1)
    assert sum(week.count for week in weeks) == 1


def test_chart_is_an_svg_with_a_text_alternative(client, alice, track):
    set_status(alice, topic(track, "python"), "done")
    client.force_login(alice)
    html = client.get("/me/").content.decode()
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert 'role="img"' in svg
    assert 'aria-labelledby="weekly-chart-title weekly-chart-desc"' in svg
    assert "1 topic completed in the last 26 weeks" in svg
    assert svg.count("<rect") == 26
    assert "Week of" in svg
    table = html[html.index('class="chart-data"') :]
    assert '<th scope="col">Topics completed</th>' in table
    assert table.count("<tr>") == 27


def test_chart_bar_heights_follow_the_counts():
    start = date(2026, 1, 5)
    weeks = [WeekCount(start + timedelta(weeks=i), count) for i, count in enumerate([0, 2, 4])]
    svg = str(weekly_chart_svg(weeks))
    heights = [float(h) for h in re.findall(r'<rect [^>]*height="([\d.]+)"', svg)]
    assert heights[0] == 0
    assert heights[2] == pytest.approx(2 * heights[1])
    assert "the best week, starting" in svg


def test_dashboard_query_count_does_not_grow_with_tracks_or_activity(
    client, alice, track, django_assert_max_num_queries
):
    for n in range(5):
        other = Track.objects.create(slug=f"t{n}", title=f"Track {n}")
        root = Topic.objects.create(track=other, key="root", title="Root")
        for i in range(4):
            child = Topic.objects.create(
                track=other, parent=root, key=f"c{i}", title=f"C{i}", order=i + 1
            )
            set_status(alice, child, "doing")
    client.force_login(alice)
    # With the latest notifications, the header's unread count and team link, and invitations.
    with django_assert_max_num_queries(18):
        response = client.get("/me/")
    assert response.content.decode().count('class="card"') == 5


def test_recent_activity_leaves_out_topics_retired_since(client, alice, track):
    set_status(alice, topic(track, "batch"), "done")
    set_status(alice, topic(track, "python"), "doing")
    Topic.objects.filter(track=track, key="batch").update(retired=True)
    client.force_login(alice)
    html = client.get("/me/").content.decode()
    assert 'href="/tracks/ml/t/python/"' in html
    assert 'href="/tracks/ml/t/batch/"' not in html


@pytest.mark.parametrize("length", [3, 50, 500])
def test_long_streaks_are_counted_whole(alice, track, length, django_assert_max_num_queries):
    python = topic(track, "python")
    today = timezone.localdate()
    noon = timezone.make_aware(datetime.combine(today, datetime.min.time())) + timedelta(hours=12)
    events = ProgressEvent.objects.bulk_create(
        ProgressEvent(user=alice, topic=python, from_status="todo", to_status="doing")
        for _day in range(length + 5)
    )
    for days_ago, event in enumerate(events):
        # A gap the day before the streak began, then older activity.
        skip = 1 if days_ago >= length else 0
        event.created_at = noon - timedelta(days=days_ago + skip)
    ProgressEvent.objects.bulk_update(events, ["created_at"])
    with django_assert_max_num_queries(3):
        assert streak_of(alice, today) == length


# --- /me/ is cached per viewer: every change of theirs shows at once ------------------------


def me(client) -> str:
    return client.get("/me/").content.decode()


def test_the_cached_dashboard_shows_each_change_at_once(client, alice, bob, track):
    from notifications.models import Notification
    from progress.services import follow, unfollow
    from teams import services as teams

    client.force_login(alice)
    assert "You are not following any track yet." in me(client)
    follow(alice, track)
    assert "0 of 6 topics done (0%)" in me(client)

    set_status(alice, topic(track, "python"), "doing")
    html = me(client)
    assert 'href="/tracks/ml/t/python/">Python</a> <span class="muted">· Machine Learning' in html
    set_status(alice, topic(track, "python"), "done")
    html = me(client)
    assert "1 of 6 topics done (16%)" in html
    assert "No topic in progress." in html

    notification = Notification.objects.create(
        recipient=alice,
        kind="comment_added",
        context={"actor": "bob", "topic": "Python", "track": "ML", "excerpt": "Well done"},
    )
    html = me(client)
    assert "bob commented on “Python” (ML): Well done" in html
    assert '<li class="unread">' in html
    assert '<span class="unread-count">1' in html
    Notification.objects.filter(pk=notification.pk).update(read_at=timezone.now())
    html = me(client)
    assert '<li class="unread">' not in html and "unread-count" not in html

    team = teams.create_team("Platform", "platform", bob, [track])
    invitation = teams.invite(team, bob, alice)
    assert "Join Platform" in me(client)
    teams.decline(invitation)
    assert "Join Platform" not in me(client)

    Track.objects.filter(pk=track.pk).update(title="Machine Learning II", updated_at=timezone.now())
    assert "Machine Learning II" in me(client)

    unfollow(alice, track)
    html = me(client)
    assert "Tracks I stopped following" in html and "Follow again" in html


def test_each_viewer_reads_their_own_cached_dashboard(client, alice, charlie, track):
    set_status(alice, topic(track, "python"), "done")
    client.force_login(alice)
    assert "1 of 6 topics done" in me(client)
    client.force_login(charlie)
    html = me(client)
    assert "You are not following any track yet." in html and "Python" not in html
    client.force_login(alice)
    assert "1 of 6 topics done" in me(client)


def test_the_cached_dashboard_has_its_own_token_and_nonce(client, alice, track):
    from progress.services import unfollow

    set_status(alice, topic(track, "python"), "done")
    unfollow(alice, track)  # the "Follow again" form carries the token
    client.force_login(alice)
    first = client.get("/me/")
    second = client.get("/me/")
    for response in (first, second):
        html = response.content.decode()
        assert "\x00" not in html
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        assert len(token) == 64
        nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
        assert f'"X-CSP-Nonce": "{nonce}"' in html
    assert first.content != second.content  # a new token and nonce each time


def test_a_message_shows_on_the_cached_dashboard_once(client, alice, bob, track):
    from teams import services as teams

    invitation = teams.invite(teams.create_team("Platform", "platform", bob, [track]), bob, alice)
    client.force_login(alice)
    me(client)  # cached with the invitation
    response = client.post(f"/teams/invitations/{invitation.pk}/decline/", follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == "/me/"
    assert "You declined to join Platform." in html
    assert "Join Platform" not in html
    assert "You declined to join Platform." not in me(client)


def test_a_warm_dashboard_costs_three_queries(client, alice, track, django_assert_num_queries):
    set_status(alice, topic(track, "python"), "done")
    client.force_login(alice)
    me(client)
    # The session, the user and the fingerprint with the header's facts.
    with django_assert_num_queries(3):
        assert "1 of 6 topics done" in me(client)
