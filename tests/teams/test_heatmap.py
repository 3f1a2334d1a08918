"""What a lead sees, against a hand-built team: five members on the ML track (root ml;
basics: python, statistics; serving: apis, batch)."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from progress.models import Note, ProgressEvent, TopicProgress
from progress.services import set_status
from teams import services
from teams.models import Membership
from teams.stats import heat_bin, team_heatmap
from tests.conftest import topic
from tests.teams.conftest import add_members, draw

User = get_user_model()


@pytest.fixture
def five(team, alice, track):
    """alice and four more. python: 2 of 5 done; statistics: all 5; apis: one each of done,
    doing and skipped ("Already know it"); batch: nobody."""
    m1, m2, m3, m4 = add_members(team, 4, prefix="m")
    users = [alice, m1, m2, m3, m4]
    for user in users[:2]:
        set_status(user, topic(track, "python"), "done")
    for user in users:
        set_status(user, topic(track, "statistics"), "done")
    set_status(alice, topic(track, "apis"), "done")
    set_status(m1, topic(track, "apis"), "doing")
    set_status(m2, topic(track, "apis"), "skipped", reason="Already know it")
    return users


@pytest.mark.parametrize(
    ("done", "members", "level"),
    [(0, 5, 0), (1, 5, 1), (2, 5, 2), (3, 5, 3), (4, 5, 4), (5, 5, 4), (1, 200, 1), (0, 0, 0)],
)
def test_heat_bins(done, members, level):
    assert heat_bin(done, members) == level


def test_heatmap_counts_per_topic(team, track, five):
    heatmap = team_heatmap(team, track)
    python = heatmap.figures["python"]
    assert (python.done, python.members, python.percent, python.bin) == (2, 5, 40, 2)
    apis = heatmap.figures["apis"]
    assert (apis.done, apis.doing, apis.skipped, apis.not_started) == (1, 1, 1, 2)
    assert heatmap.figures["statistics"].bin == 4
    assert heatmap.figures["batch"].bin == 0
    assert set(heatmap.bins[2]) == {"python"}


def _rule(page: str, level: int) -> str:
    """The CSS rule of one heat bin in the page's heatmap <style> block."""
    style = re.search(r'<style id="heatmap-css"[^>]*>(.*?)</style>', page, re.S).group(1)
    return next(line for line in style.splitlines() if f".heat-legend .heat-{level} rect" in line)


def test_page_shades_each_node_by_its_bin(client, lead, team, track, five, english):
    draw(track)
    client.force_login(lead)
    page = client.get("/teams/plataforma/ml/").content.decode()
    assert 'g.topic[data-topic="python"] > rect' in _rule(page, 2)
    assert 'g.topic[data-topic="statistics"] > rect' in _rule(page, 4)
    assert 'g.topic[data-topic="batch"] > rect' in _rule(page, 0)
    assert "stroke-dasharray" in _rule(page, 0) and "stroke-width: 5px" in _rule(page, 4)
    # The number on hover (tooltip) and focus (accessible name), and the node opens the panel.
    assert (
        '<a href="/teams/plataforma/ml/t/python/" class="topic-link"'
        ' aria-label="Python: 2 of 5 members done (40%)">' in page
    )
    assert "<title>Python: 2 of 5 members done (40%)</title>" in page
    for level, label in [(0, "nobody done"), (2, "25–49% done"), (4, "75% or more done")]:
        assert f'<li class="heat-{level}">' in page and label in page


def test_outline_gives_the_same_numbers_as_text(client, lead, team, track, five, english):
    client.force_login(lead)
    page = client.get("/teams/plataforma/ml/").content.decode()
    assert "The diagram is not available" in page
    assert re.search(r"Python</a>\s*<span[^>]*>2 of 5 done \(40%\)", page)
    assert re.search(r"APIs</a>\s*<span[^>]*>1 of 5 done \(20%\) · 1 doing · 1 skipped", page)


def test_panel_lists_who_is_where_with_reasons(client, lead, team, track, five, english):
    client.force_login(lead)
    response = client.get("/teams/plataforma/ml/t/apis/", headers={"HX-Request": "true"})
    page = response.content.decode()
    assert "<html" not in page
    sections = dict(
        re.findall(r"<h3>(\w[\w ]*) \(\d+\)</h3>\s*(.*?)(?=<h3>|</section>)", page, re.S)
    )
    assert "alice" in sections["Done"] and "m000" not in sections["Done"]
    assert "m000" in sections["Doing"]
    assert "m001" in sections["Skipped"] and "Already know it" in sections["Skipped"]
    assert "m002" in sections["Not started"] and "m003" in sections["Not started"]
    full = client.get("/teams/plataforma/ml/t/apis/").content.decode()
    assert full.count("<h1") == 1 and "<html" in full


def test_panel_shows_shared_notes_never_private_ones(client, lead, team, track, alice, five):
    Note.objects.create(user=alice, topic=topic(track, "apis"), body="Shared summary", shared=True)
    Note.objects.create(user=alice, topic=topic(track, "apis"), body="My secret doubt")
    client.force_login(lead)
    page = client.get("/teams/plataforma/ml/t/apis/").content.decode()
    assert "Shared summary" in page
    assert "My secret doubt" not in page


def test_sections_table_and_csv(client, lead, team, track, five, english):
    client.force_login(lead)
    page = client.get("/teams/plataforma/ml/").content.decode()
    assert "Members and sections" in page
    response = client.get("/teams/plataforma/ml/sections.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="plataforma-ml.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "username",
        "name",
        "Basics (done of 3)",
        "Serving (done of 3)",
        "done",
        "skipped",
        "topics",
        "percent done",
    ]
    assert rows[1] == ["alice", "", "2", "1", "3", "0", "6", "50"]
    assert rows[2] == ["m000", "", "2", "0", "2", "0", "6", "33"]
    assert rows[3] == ["m001", "", "1", "0", "1", "1", "6", "16"]
    assert len(rows) == 6


def test_former_member_disappears_from_every_view(client, lead, team, track, alice, five):
    services.leave(team, alice)
    heatmap = team_heatmap(team, track)
    assert heatmap.figures["python"].done == 1
    assert heatmap.figures["python"].members == 4
    client.force_login(lead)
    for url in [
        "/teams/plataforma/",
        "/teams/plataforma/ml/",
        "/teams/plataforma/ml/t/apis/",
        "/teams/plataforma/ml/sections.csv",
    ]:
        assert "alice" not in client.get(url).content.decode(), url


def test_the_lead_is_not_counted(team, track, lead):
    set_status(lead, topic(track, "python"), "done")
    assert team_heatmap(team, track).figures["python"].done == 0


# --- the team page ---------------------------------------------------------------------------


def test_team_page_shows_percent_and_last_activity(client, lead, team, track, five, english):
    client.force_login(lead)
    page = client.get("/teams/plataforma/").content.decode()
    # alice: python, statistics, apis = 3 of 6 counted topics.
    assert re.search(
        r"<th scope=\"row\">alice</th>\s*<td>50% <span class=\"muted\">\(3 of 6\)", page
    )
    assert "now" in page  # last activity, as a relative time


def test_team_page_sorts_by_a_track_and_by_activity(client, lead, team, track, five, alice):
    client.force_login(lead)

    def order(query: str) -> list[str]:
        page = client.get(f"/teams/plataforma/{query}").content.decode()
        return re.findall(r'<th scope="row">(\w+)</th>', page)

    assert order("") == ["alice", "m000", "m001", "m002", "m003"]
    assert order("?sort=-member") == ["m003", "m002", "m001", "m000", "alice"]
    assert order("?sort=-ml")[0] == "alice"
    assert order("?sort=ml")[-1] == "alice"
    TopicProgress.objects.filter(user__username="m003").update(
        updated_at=timezone.now() + timedelta(hours=1)
    )
    assert order("?sort=-activity")[0] == "m003"
    page = client.get("/teams/plataforma/?sort=ml").content.decode()
    assert 'aria-sort="ascending"><a href="?sort=-ml">' in page


def test_team_page_lists_who_is_stuck(client, lead, team, track, alice, english):
    set_status(alice, topic(track, "batch"), "doing")
    client.force_login(lead)
    assert "Nobody is stuck." in client.get("/teams/plataforma/").content.decode()
    TopicProgress.objects.filter(user=alice, topic__key="batch").update(
        updated_at=timezone.now() - timedelta(days=15)
    )
    page = client.get("/teams/plataforma/").content.decode()
    assert re.search(
        r"<strong>alice</strong>: <a href=\"/teams/plataforma/ml/t/batch/\">Batch</a>", page
    )


def test_feed_shows_members_changes_only(client, lead, team, track, five, charlie, english):
    set_status(charlie, topic(track, "batch"), "done")
    client.force_login(lead)
    page = client.get("/teams/plataforma/").content.decode()
    feed = page.split('id="feed-heading"')[1]
    assert "<strong>alice</strong>" in feed
    assert "charlie" not in feed
    assert ProgressEvent.objects.filter(user=charlie).exists()


# --- scale: the number of queries does not grow with the team ---------------------------------


# The same bound for 5 members as for 200 (sessions, user and header included).
# Pages with the site's header count one more for its unread notifications.
PAGES = {
    "/teams/plataforma/": 17,
    "/teams/plataforma/ml/": 15,
    "/teams/plataforma/ml/sections.csv": 13,
    "/teams/plataforma/ml/t/apis/": 15,
}


@pytest.mark.parametrize("size", [5, 200])
@pytest.mark.parametrize("url", PAGES)
def test_queries_do_not_grow_with_members(
    client, lead, team, track, size, url, django_assert_max_num_queries
):
    draw(track)
    users = add_members(team, size - 1, prefix="x")
    statuses = ["done", "doing", "skipped", "todo"]
    rows = [
        TopicProgress(user=user, topic=t, status=statuses[(i + j) % 4])
        for i, user in enumerate(users)
        for j, t in enumerate(track.topics.all())
    ]
    TopicProgress.objects.bulk_create(rows)
    ProgressEvent.objects.bulk_create(
        [
            ProgressEvent(user=r.user, topic=r.topic, from_status="todo", to_status=r.status)
            for r in rows
        ]
    )
    assert Membership.objects.members().filter(team=team).count() == size
    client.force_login(lead)
    with django_assert_max_num_queries(PAGES[url]):
        response = client.get(url)
    assert response.status_code == 200
    if url == "/teams/plataforma/ml/":
        # Built once per team version: then the session, the user, the team's track with
        # whether the viewer leads the team, and the header.
        with django_assert_max_num_queries(4):
            assert client.get(url).status_code == 200


# --- the page is built once per team version: every change shows at once ----------------------


def test_the_heatmap_page_shows_every_change_at_once(
    client, lead, team, track, alice, five, charlie, english
):
    client.force_login(lead)
    url = "/teams/plataforma/ml/"
    before = client.get(url).content.decode()
    assert re.search(r"Python</a>\s*<span[^>]*>2 of 5 done", before)
    assert "5 members." in before

    set_status(five[4], topic(track, "python"), "done")  # a member ticks a topic
    after = client.get(url).content.decode()
    assert re.search(r"Python</a>\s*<span[^>]*>3 of 5 done", after)

    Membership.objects.create(team=team, user=charlie)  # someone joins
    assert "6 members." in client.get(url).content.decode()
    assert "charlie" in client.get(url).content.decode()

    services.leave(team, charlie)  # and leaves
    html = client.get(url).content.decode()
    assert "5 members." in html and "charlie" not in html

    alice.username = "alice-renamed"  # a member's name
    alice.save()
    assert "alice-renamed" in client.get(url).content.decode()

    team.name = "Plataforma de ML"  # the team itself
    team.save()
    assert "<h1>Plataforma de ML: " in client.get(url).content.decode()


def test_the_cached_heatmap_page_keeps_each_leads_header(client, lead, team, track, five):
    other = User.objects.create_user("otto", "otto@example.com", "otto-pass-123")
    Membership.objects.create(team=team, user=other, role=Membership.Role.LEAD)
    client.force_login(lead)
    first = client.get("/teams/plataforma/ml/")
    client.force_login(other)
    second = client.get("/teams/plataforma/ml/")
    tokens = {
        re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', r.content.decode())[1]
        for r in (first, second)
    }
    nonces = {
        re.search(r'<style id="heatmap-css" nonce="([^"]+)"', r.content.decode())[1]
        for r in (first, second)
    }
    assert len(tokens) == 2 and len(nonces) == 2
    for response in (first, second):
        html = response.content.decode()
        nonce = re.search(r'<style id="heatmap-css" nonce="([^"]+)"', html)[1]
        assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]
        assert "\x00" not in html
