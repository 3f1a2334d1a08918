import re
import threading

import pytest
from django.db import connection

from progress.models import Follow, ProgressEvent, Status, TopicProgress
from progress.services import set_status
from progress.stats import Tally, tally_track
from tests.conftest import topic
from tracks.models import Resource, Topic, Track
from tracks.tree import build_tree

# Assertions read the English messages, whatever the default language.
pytestmark = pytest.mark.usefixtures("english")

HTMX = {"HX-Request": "true"}


def status_url(key: str) -> str:
    return f"/tracks/ml/t/{key}/status/"


# --- recording a status ------------------------------------------------------------------


def test_setting_a_status_records_the_row_and_an_event(client, alice, track):
    client.force_login(alice)
    response = client.post(status_url("python"), {"status": "doing"})
    assert response.status_code == 302
    row = TopicProgress.objects.get(user=alice, topic=topic(track, "python"))
    assert row.status == Status.DOING
    event = ProgressEvent.objects.get(user=alice)
    assert (event.from_status, event.to_status, event.actor) == ("todo", "doing", alice)
    assert event.created_at is not None


def test_setting_the_same_status_again_records_no_event(client, alice, track):
    client.force_login(alice)
    client.post(status_url("python"), {"status": "done"})
    client.post(status_url("python"), {"status": "done"})
    assert ProgressEvent.objects.filter(user=alice).count() == 1
    client.post(status_url("python"), {"status": "todo"})
    assert list(ProgressEvent.objects.values_list("from_status", "to_status")) == [
        ("done", "todo"),
        ("todo", "done"),
    ]


def test_todo_on_an_untouched_topic_is_not_a_change(client, alice, track):
    client.force_login(alice)
    client.post(status_url("python"), {"status": "todo"})
    assert not ProgressEvent.objects.exists()


def test_double_submitted_change_leaves_one_row_and_one_event(client, alice, track):
    client.force_login(alice)
    for _ in range(2):
        client.post(status_url("apis"), {"status": "done"}, headers=HTMX)
    assert TopicProgress.objects.filter(user=alice, topic=topic(track, "apis")).count() == 1
    assert ProgressEvent.objects.filter(user=alice, topic=topic(track, "apis")).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("row_exists", [False, True])
def test_racing_identical_changes_leave_one_row_and_one_event(alice, track, row_exists):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race needs row locks (run on PostgreSQL)")
    python = topic(track, "python")
    if row_exists:
        TopicProgress.objects.create(user=alice, topic=python)
    barrier = threading.Barrier(4)
    errors = []

    def submit() -> None:
        try:
            barrier.wait()
            set_status(alice, Topic.objects.select_related("track").get(pk=python.pk), "done")
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert TopicProgress.objects.filter(user=alice, topic=python).count() == 1
    assert ProgressEvent.objects.filter(user=alice, topic=python).count() == 1


def show_synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_status_change_of_its_own_commits_without_waiting_for_the_disk(settings):
    from django.db import transaction

    from progress import services

    settings.STATUS_ASYNC_COMMIT = True
    assert services._asynchronous() is True
    with transaction.atomic():
        # A larger transaction: its writes decide how it commits.
        assert services._asynchronous() is False
    settings.STATUS_ASYNC_COMMIT = False
    assert services._asynchronous() is False


def test_the_status_statement_sets_the_commit_mode_of_its_transaction_only(
    alice, track, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("the commit mode is PostgreSQL's")
    from progress import services

    python = topic(track, "python")
    # Inside the test's transaction the server's setting stands...
    set_status(alice, python, "doing")
    assert show_synchronous_commit() == "on"
    # ...and where the change is a transaction of its own, the statement turns waiting off
    # for that transaction.
    monkeypatch.setattr(services, "_asynchronous", lambda: True)
    set_status(alice, python, "done")
    assert show_synchronous_commit() == "off"
    assert TopicProgress.objects.get(user=alice, topic=python).status == Status.DONE


def test_setting_a_status_starts_following_the_track(client, alice, track):
    client.force_login(alice)
    client.post(status_url("python"), {"status": "doing"})
    assert Follow.objects.get(user=alice, track=track).active


def test_setting_a_status_resumes_a_stopped_follow(client, alice, track):
    Follow.objects.create(user=alice, track=track, active=False)
    client.force_login(alice)
    client.post(status_url("python"), {"status": "doing"})
    assert Follow.objects.get(user=alice, track=track).active


def test_skipping_keeps_the_reason_and_leaving_skipped_drops_it(client, alice, track):
    client.force_login(alice)
    client.post(status_url("batch"), {"status": "skipped", "reason": "  Not in my job  "})
    row = TopicProgress.objects.get(user=alice, topic=topic(track, "batch"))
    assert (row.status, row.reason) == ("skipped", "Not in my job")
    assert ProgressEvent.objects.get(user=alice).reason == "Not in my job"
    client.post(status_url("batch"), {"status": "doing", "reason": "ignored"})
    row.refresh_from_db()
    assert (row.status, row.reason) == ("doing", "")


def test_leaving_done_clears_a_mentor_confirmation(alice, bob, track):
    python = topic(track, "python")
    set_status(alice, python, "done")
    TopicProgress.objects.filter(user=alice).update(confirmed_by=bob)
    set_status(alice, python, "doing")
    assert TopicProgress.objects.get(user=alice, topic=python).confirmed_by is None


def test_non_htmx_change_redirects_to_the_topic_page(client, alice, track):
    client.force_login(alice)
    response = client.post(status_url("python"), {"status": "done"})
    assert response["Location"] == "/tracks/ml/t/python/"


def test_non_htmx_change_redirects_to_a_local_next_url_only(client, alice, track):
    client.force_login(alice)
    response = client.post(status_url("python"), {"status": "done", "next": "/tracks/ml/#x"})
    assert response["Location"] == "/tracks/ml/#x"
    response = client.post(status_url("python"), {"status": "todo", "next": "https://evil.test/"})
    assert response["Location"] == "/tracks/ml/t/python/"


def test_anonymous_status_click_is_sent_to_log_in_and_back(client, track):
    response = client.post(status_url("python"), {"status": "done"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/tracks/ml/t/python/"
    assert not TopicProgress.objects.exists()


def test_anonymous_htmx_status_click_redirects_the_whole_page_to_log_in(client, track):
    response = client.post(status_url("python"), {"status": "done"}, headers=HTMX)
    assert response["HX-Redirect"] == "/accounts/login/?next=/tracks/ml/t/python/"


def test_unknown_status_is_rejected(client, alice, track):
    client.force_login(alice)
    response = client.post(status_url("python"), {"status": "finished"})
    assert response.status_code == 400
    assert not TopicProgress.objects.exists()


def test_status_change_rejects_get(client, alice, track):
    client.force_login(alice)
    assert client.get(status_url("python")).status_code == 405


def test_status_on_a_retired_topic_or_unpublished_track_is_not_found(client, alice, track):
    client.force_login(alice)
    Topic.objects.filter(key="batch").update(retired=True)
    assert client.post(status_url("batch"), {"status": "done"}).status_code == 404
    Track.objects.filter(pk=track.pk).update(published=False)
    assert client.post(status_url("python"), {"status": "done"}).status_code == 404
    assert not TopicProgress.objects.exists()


# --- what the htmx answer redraws --------------------------------------------------------


def test_panel_change_on_the_track_page_redraws_panel_outline_bars_and_diagram(
    client, alice, track
):
    client.force_login(alice)
    response = client.post(
        status_url("python"),
        {"status": "done", "source": "panel", "embedded": "1"},
        headers=HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert re.search(r'<section[^>]*id="topic-panel-body"', html)
    assert re.search(r'id="status-python-done"[^>]*aria-pressed="true"', html)
    assert re.search(r'<div[^>]*id="outline-python"[^>]*hx-swap-oob="true"', html)
    assert re.search(r'id="done-python" checked', html)
    assert re.search(r'<div class="progress-overall" id="progress-overall" hx-swap-oob', html)
    assert "1 of 6 topics done (16%)" in html
    assert re.search(r'<ul class="section-bars" id="section-bars" hx-swap-oob="true">', html)
    assert "1/3 done" in html
    assert re.search(r'<div class="follow-control" id="follow-control" hx-swap-oob', html)
    assert "You follow this track." in html
    assert re.search(r'<style id="diagram-highlights" hx-swap-oob="true" nonce="[^"]+">', html)
    assert 'g.topic[data-topic="python"]' in html


def test_panel_change_on_the_topic_page_redraws_only_the_panel(client, alice, track):
    client.force_login(alice)
    response = client.post(
        status_url("python"), {"status": "doing", "source": "panel"}, headers=HTMX
    )
    html = response.content.decode()
    assert 'id="topic-panel-body"' in html
    assert "<h1" in html
    assert "hx-swap-oob" not in html


def test_outline_tick_redraws_the_row_bars_and_diagram(client, alice, track):
    client.force_login(alice)
    response = client.post(
        status_url("apis"),
        {"source": "outline", "status": ["todo", "done"], "open": "python"},
        headers=HTMX,
    )
    html = response.content.decode()
    assert TopicProgress.objects.get(user=alice, topic=topic(track, "apis")).status == "done"
    assert html.lstrip().startswith('<div class="outline-row status-done" id="outline-apis"')
    assert re.search(r'<div[^>]*id="progress-overall"[^>]*hx-swap-oob="true"', html)
    assert re.search(r'<ul[^>]*id="section-bars"[^>]*hx-swap-oob="true"', html)
    assert 'g.topic[data-topic="apis"]' in html
    # Another topic is open in the panel: it is left alone.
    assert "topic-panel-body" not in html


def test_outline_tick_redraws_the_panel_status_when_it_shows_the_same_topic(client, alice, track):
    client.force_login(alice)
    response = client.post(
        status_url("apis"),
        {"source": "outline", "status": ["todo", "done"], "open": "apis"},
        headers=HTMX,
    )
    html = response.content.decode()
    # Only the status part of the open panel changed; notes and comments are left alone.
    assert re.search(r'<div[^>]*id="topic-status-apis"[^>]*hx-swap-oob="true"', html)
    assert re.search(r'id="status-apis-done"[^>]*aria-pressed="true"', html)
    assert 'Status: <strong class="status-badge status-done">Done</strong>' in html
    assert 'id="topic-panel-body"' not in html


def test_unticking_done_in_the_outline_sets_todo(client, alice, track):
    set_status(alice, topic(track, "apis"), "done")
    client.force_login(alice)
    client.post(status_url("apis"), {"source": "outline", "status": "todo"}, headers=HTMX)
    assert TopicProgress.objects.get(user=alice, topic=topic(track, "apis")).status == "todo"


def test_outline_form_without_the_tick_keeps_doing(client, alice, track):
    set_status(alice, topic(track, "apis"), "doing")
    client.force_login(alice)
    html = client.get("/tracks/ml/").content.decode()
    assert re.search(r'name="status" value="doing">\s*<input type="checkbox"', html)


# --- the track page and the topic panel --------------------------------------------------


def test_track_page_shows_progress_per_section_with_skipped_apart(client, alice, track):
    set_status(alice, topic(track, "python"), "done")
    set_status(alice, topic(track, "statistics"), "skipped")
    set_status(alice, topic(track, "ml"), "done")  # the root is the track itself
    client.force_login(alice)
    html = client.get("/tracks/ml/").content.decode()
    assert "1 of 6 topics done (16%)" in html
    assert "1 skipped (not counted as done)" in html
    assert "1/3 done · 1 skipped" in html  # Basics, with its two topics
    assert "0/3 done" in html  # Serving
    assert 'id="done-python" checked' in html
    assert 'class="outline-row status-skipped" id="outline-statistics"' in html


def test_track_page_shows_only_my_own_statuses(client, alice, charlie, track):
    set_status(alice, topic(track, "python"), "done")
    client.force_login(charlie)
    html = client.get("/tracks/ml/").content.decode()
    assert "0 of 6 topics done (0%)" in html
    assert 'id="done-python" checked' not in html
    assert 'data-topic="python"]' not in html


def test_a_strangers_status_change_touches_only_his_own_row(client, alice, charlie, track):
    set_status(alice, topic(track, "python"), "done")
    client.force_login(charlie)
    client.post(status_url("python"), {"status": "skipped", "reason": "not for me"})
    rows = dict(TopicProgress.objects.values_list("user__username", "status"))
    assert rows == {"alice": "done", "charlie": "skipped"}
    assert ProgressEvent.objects.filter(user=alice).count() == 1


def test_track_page_query_count_does_not_grow_with_topics(
    client, alice, track, django_assert_max_num_queries
):
    serving = topic(track, "serving")
    for i in range(30):
        extra = Topic.objects.create(
            track=track, parent=serving, key=f"extra-{i}", title=f"Extra {i}", order=10 + i
        )
        set_status(alice, extra, "done")
    client.force_login(alice)
    # The whole request, session, middleware and header included; 30 topics would add 30 if
    # it leaked.
    with django_assert_max_num_queries(15):
        response = client.get("/tracks/ml/")
    assert "30 of 36 topics done (83%)" in response.content.decode()


def test_topic_panel_marks_the_current_status(client, alice, track):
    set_status(alice, topic(track, "python"), "skipped", reason="Know it")
    client.force_login(alice)
    html = client.get("/tracks/ml/t/python/").content.decode()
    assert re.search(r'id="status-python-skipped"[^>]*aria-pressed="true"', html)
    assert re.search(r'id="status-python-done"[^>]*aria-pressed="false"', html)
    assert 'value="Know it"' in html
    assert '<label for="skip-reason-python">' in html


def test_topic_panel_groups_resources_by_kind_with_language(client, track):
    apis = topic(track, "apis")
    Resource.objects.create(
        topic=apis, title="REST talk", url="https://example.com/v", kind="video", language="pt"
    )
    Resource.objects.create(
        topic=apis, title="HTTP guide", url="https://example.com/d", kind="documentation"
    )
    html = client.get("/tracks/ml/t/apis/").content.decode()
    video = html.index(">Video<")
    documentation = html.index(">Documentation<")
    assert video < html.index("REST talk") < documentation
    assert documentation < html.index("FastAPI docs") < html.index("HTTP guide")
    assert '<span class="lang" title="Language">pt</span>' in html


def test_topic_panel_links_previous_and_next_live_topics_in_tree_order(client, track):
    Topic.objects.filter(key="serving").update(retired=True)
    html = client.get("/tracks/ml/t/statistics/").content.decode()
    assert re.search(r'href="/tracks/ml/t/python/" rel="prev"', html)
    # Serving is retired, its children float up: APIs comes next.
    assert re.search(r'href="/tracks/ml/t/apis/" rel="next"', html)
    root = client.get("/tracks/ml/t/ml/").content.decode()
    assert 'rel="prev"' not in root


def test_topic_panel_as_htmx_uses_a_level_two_heading_and_track_page_links(client, track):
    html = client.get("/tracks/ml/t/python/", headers=HTMX).content.decode()
    assert '<h2 id="topic-title"' in html
    assert 'name="embedded" value="1"' in html
    assert 'hx-get="/tracks/ml/t/statistics/"' in html


def test_topic_page_shows_keyboard_shortcuts(client, track):
    html = client.get("/tracks/ml/t/python/").content.decode()
    assert 'data-shortcut="d"' in html and 'data-shortcut="n"' in html
    assert "<kbd>d</kbd> done" in html
    assert "js/shortcuts.js" in html


def test_history_restore_gets_the_full_topic_page(client, track):
    headers = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    assert "<html" in client.get("/tracks/ml/t/python/", headers=headers).content.decode()


# --- the figures -------------------------------------------------------------------------


def tally_for(track, statuses_by_key):
    topics = list(Topic.objects.for_track(track).live())
    statuses = {t.id: statuses_by_key[t.key] for t in topics if t.key in statuses_by_key}
    return tally_track(build_tree(topics), statuses)


def test_the_root_topic_is_not_counted(track):
    overall, sections = tally_for(track, {"ml": "done"})
    assert (overall.total, overall.done) == (6, 0)
    assert [s.node.topic.key for s in sections] == ["basics", "serving"]


def test_topics_under_a_retired_section_still_count_as_their_own_sections(track):
    Topic.objects.filter(key="basics").update(retired=True)
    overall, sections = tally_for(track, {"python": "done"})
    assert (overall.total, overall.done) == (5, 1)
    assert [s.node.topic.key for s in sections] == ["serving", "python", "statistics"]


def test_percent_done_is_never_rounded_up_to_a_false_100():
    assert Tally(total=200, done=199).percent_done == 99
    assert Tally(total=3, done=3).percent_done == 100
    assert Tally().percent_done == 0
