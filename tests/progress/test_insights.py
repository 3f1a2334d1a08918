import csv
import io
import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from progress.models import Follow, Status, TopicProgress
from tests.conftest import topic
from tracks.models import Topic, Track

# Assertions read the English messages, whatever the default language.
pytestmark = pytest.mark.usefixtures("english")

User = get_user_model()

URL = "/insights/ml/"
CSV_URL = "/insights/ml/insights.csv"


def mark(user, track, key, status, reason=""):
    return TopicProgress.objects.create(
        user=user, topic=topic(track, key), status=status, reason=reason
    )


def age(user, track, key, days):
    TopicProgress.objects.filter(user=user, topic=topic(track, key)).update(
        updated_at=timezone.now() - timedelta(days=days)
    )


def text_of(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def row_of(html, key):
    match = re.search(rf'<tr id="insight-{key}">(.*?)</tr>', html, re.S)
    assert match, key
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", match.group(1), re.S)
    ]


@pytest.fixture
def learners(track, alice, bob, charlie):
    """alice finished the track, bob skipped two topics, charlie is stuck on one."""
    for user in (alice, bob, charlie):
        Follow.objects.create(user=user, track=track)
    for key in ("basics", "python", "statistics", "serving", "apis", "batch"):
        mark(alice, track, key, Status.DONE)
    mark(bob, track, "python", Status.DONE)
    mark(bob, track, "statistics", Status.SKIPPED, reason="Already know it from school")
    mark(bob, track, "batch", Status.SKIPPED, reason="Not used at my job")
    mark(charlie, track, "statistics", Status.DOING)
    age(charlie, track, "statistics", 30)
    mark(charlie, track, "apis", Status.DOING)
    age(charlie, track, "apis", 3)
    return alice, bob, charlie


def test_anonymous_visitor_is_sent_to_log_in(client, track):
    for url in (URL, CSV_URL):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/")


@pytest.mark.parametrize("who", ["alice", "charlie"])
def test_learners_are_forbidden(client, track, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(URL).status_code == 403
    assert client.get(CSV_URL).status_code == 403


def test_unknown_track_is_not_found(client, curator):
    client.force_login(curator)
    assert client.get("/insights/no-such-track/").status_code == 404
    assert client.get("/insights/no-such-track/insights.csv").status_code == 404


def test_post_is_not_allowed(client, curator, track):
    client.force_login(curator)
    assert client.post(URL).status_code == 405


def test_page_shows_followers_learners_and_finished_share(client, curator, learners):
    alice, bob, charlie = learners
    Follow.objects.filter(user=charlie).update(active=False)
    client.force_login(curator)
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    summary = text_of(html)
    assert "Followers 2 " in summary
    # charlie stopped following but still has statuses on the track.
    assert "Learners with any status 3 " in summary
    assert "Followers who finished 50% (1 of 2)" in summary


def test_topic_rows_count_statuses_in_tree_order(client, curator, learners):
    client.force_login(curator)
    html = client.get(URL).content.decode()
    keys = re.findall(r'<tr id="insight-([\w-]+)">', html)
    assert keys == ["ml", "basics", "python", "statistics", "serving", "apis", "batch"]
    # Topic, done, doing, stuck, skipped, skip rate, reasons.
    assert row_of(html, "python")[:6] == ["Python", "2", "0", "0", "0", "0%"]
    assert row_of(html, "statistics")[:6] == ["Statistics", "1", "1", "1", "1", "33%"]
    assert row_of(html, "batch")[:6] == ["Batch", "1", "0", "0", "1", "50%"]
    assert row_of(html, "ml")[:6] == ["Machine Learning", "0", "0", "0", "0", "–"]
    assert 'class="depth depth-2"' in html


def test_stuck_counts_only_doing_older_than_fourteen_days(client, curator, learners):
    alice, bob, charlie = learners
    client.force_login(curator)
    html = client.get(URL).content.decode()
    # charlie has been on apis for 3 days: doing, not stuck.
    assert row_of(html, "apis")[1:4] == ["1", "1", "0"]
    assert "more than 14 days" in html
    age(charlie, Track.objects.get(slug="ml"), "apis", 15)
    html = client.get(URL).content.decode()
    assert row_of(html, "apis")[1:4] == ["1", "1", "1"]


def test_skip_reasons_are_shown_newest_first_without_names(client, curator, learners, track):
    alice, bob, charlie = learners
    mark(charlie, track, "batch", Status.SKIPPED, reason="Covered by another course")
    age(bob, track, "batch", 2)
    client.force_login(curator)
    html = client.get(URL).content.decode()
    reasons = row_of(html, "batch")[6]
    assert reasons.index("Covered by another course") < reasons.index("Not used at my job")
    assert "Already know it from school" in html
    # In what the page says and links to (not in its random CSRF token or nonce).
    shown = text_of(html).lower() + " ".join(re.findall(r'href="([^"]*)"', html)).lower()
    for name in ("alice", "bob", "charlie"):
        assert name not in shown


def test_only_the_three_newest_skip_reasons_of_a_topic_are_listed(client, curator, track):
    client.force_login(curator)
    for number in range(5):
        user = User.objects.create_user(f"learner{number}")
        mark(user, track, "python", Status.SKIPPED, reason=f"reason number {number}")
        age(user, track, "python", 10 - number)
    html = client.get(URL).content.decode()
    assert "reason number 4" in html
    assert "reason number 2" in html
    assert "reason number 1" not in html
    assert "reason number 0" not in html


def test_highlights_list_most_skipped_and_most_stuck_topics(client, curator, learners):
    client.force_login(curator)
    html = client.get(URL).content.decode()
    stop = html[html.index('id="stop-heading"') : html.index('id="topics-heading"')]
    assert "Most skipped" in stop
    assert "Statistics" in stop and "Batch" in stop
    assert "Most stuck" in stop
    # APIs has a learner doing it, but not for long enough to count as stuck.
    assert "APIs" not in stop


def test_highlights_are_left_out_when_nobody_skips_or_is_stuck(client, curator, track, alice):
    mark(alice, track, "python", Status.DOING)
    client.force_login(curator)
    html = client.get(URL).content.decode()
    assert "Most skipped" not in html
    assert "Most stuck" not in html
    assert "Nobody has skipped a topic or been stuck on one yet." in html


def test_retired_topics_are_left_out(client, curator, learners, track):
    charlie = learners[2]
    for key in ("basics", "python", "statistics", "serving", "apis"):
        TopicProgress.objects.update_or_create(
            user=charlie, topic=topic(track, key), defaults={"status": Status.DONE}
        )
    client.force_login(curator)
    assert "Followers who finished 33% (1 of 3)" in text_of(client.get(URL).content.decode())
    Topic.objects.filter(key="batch").update(retired=True)
    html = client.get(URL).content.decode()
    assert 'id="insight-batch"' not in html
    assert "Not used at my job" not in html
    # charlie has done every topic that is still live: now he has finished too.
    assert "Followers who finished 66% (2 of 3)" in text_of(html)


def test_notes_and_usernames_never_appear(client, curator, learners, track):
    from progress.models import Note

    alice = learners[0]
    Note.objects.create(
        user=alice, topic=topic(track, "python"), body="my secret note", shared=True
    )
    client.force_login(curator)
    for url in (URL, CSV_URL):
        body = client.get(url).content.decode()
        assert "my secret note" not in body
        assert "alice" not in body


def test_csv_has_one_row_per_live_topic_with_the_same_counts(client, curator, learners):
    client.force_login(curator)
    response = client.get(CSV_URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="trilha-insights-ml-' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:6] == ["key", "topic", "depth", "done", "doing", "skipped"]
    assert "14 days" in rows[0][6]
    by_key = {row[0]: row for row in rows[1:]}
    assert list(by_key) == ["ml", "basics", "python", "statistics", "serving", "apis", "batch"]
    assert by_key["statistics"][1:] == [
        "Statistics",
        "2",
        "1",
        "1",
        "1",
        "1",
        "33",
        "Already know it from school",
    ]
    assert by_key["ml"][7] == ""


def test_csv_keeps_learner_text_from_running_as_a_formula(client, curator, track, alice):
    mark(alice, track, "python", Status.SKIPPED, reason='=HYPERLINK("http://x")')
    client.force_login(curator)
    rows = list(csv.reader(io.StringIO(client.get(CSV_URL).content.decode("utf-8-sig"))))
    python = next(row for row in rows if row[0] == "python")
    assert python[8] == '\'=HYPERLINK("http://x")'


def test_page_has_one_h1_and_a_scrollable_table_for_phones(client, curator, learners):
    client.force_login(curator)
    html = client.get(URL).content.decode()
    assert len(re.findall(r"<h1[\s>]", html)) == 1
    assert re.search(r'<div class="table-scroll"[^>]*>\s*<table', html)


def test_curate_page_and_track_page_link_to_insights_for_staff(client, curator, charlie, track):
    client.force_login(curator)
    assert 'href="/insights/ml/"' in client.get("/curate/").content.decode()
    assert 'href="/insights/ml/"' in client.get("/tracks/ml/").content.decode()
    client.force_login(charlie)
    assert 'href="/insights/ml/"' not in client.get("/tracks/ml/").content.decode()


def test_unpublished_track_is_open_to_curators(client, curator, track):
    Track.objects.filter(pk=track.pk).update(published=False)
    client.force_login(curator)
    assert client.get(URL).status_code == 200


def test_query_count_does_not_grow_with_topics_or_learners(
    client, curator, django_assert_max_num_queries
):
    big = Track.objects.create(slug="big", title="Big track")
    root = Topic.objects.create(track=big, key="root", title="Root", order=0)
    topics = Topic.objects.bulk_create(
        Topic(track=big, parent=root, key=f"t{i}", title=f"Topic {i}", order=i + 1)
        for i in range(60)
    )
    statuses = [Status.DONE, Status.DOING, Status.SKIPPED]
    rows = []
    for u in range(25):
        user = User.objects.create_user(f"learner{u}")
        Follow.objects.create(user=user, track=big)
        rows += [
            TopicProgress(user=user, topic=t, status=statuses[(u + i) % 3], reason=f"r{u}-{i}")
            for i, t in enumerate(topics)
        ]
    TopicProgress.objects.bulk_create(rows)
    client.force_login(curator)
    # The page's figures, the check-ins' counts per behaviour and the header's links.
    with django_assert_max_num_queries(16):
        response = client.get("/insights/big/")
    assert response.status_code == 200
    assert response.content.decode().count('<tr id="insight-') == 61
    with django_assert_max_num_queries(15):
        assert client.get("/insights/big/insights.csv").status_code == 200
