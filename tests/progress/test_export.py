import csv
import io
import json

import pytest

from progress.models import Follow, Note, ProgressEvent
from progress.services import set_status
from tests.conftest import topic
from tracks.models import Topic

# Assertions read the English messages, whatever the default language.
pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def alice_progress(alice, track):
    set_status(alice, topic(track, "python"), "doing")
    set_status(alice, topic(track, "python"), "done")
    set_status(alice, topic(track, "batch"), "skipped", reason="Not needed")
    Note.objects.create(user=alice, topic=topic(track, "python"), body="A *note*", shared=True)
    return alice


def body(response) -> bytes:
    """The whole download: exports are streamed."""
    assert response.streaming
    return b"".join(response.streaming_content)


def read_csv(response) -> list[dict[str, str]]:
    text = body(response).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_json_export_has_statuses_events_and_notes(client, alice_progress):
    client.force_login(alice_progress)
    response = client.get("/me/export.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="trilha-alice-')
    data = json.loads(body(response))
    assert data["user"]["username"] == "alice"
    assert [(f["track"], f["active"]) for f in data["follows"]] == [("ml", True)]
    statuses = {s["topic"]: (s["status"], s["reason"]) for s in data["statuses"]}
    assert statuses == {"python": ("done", ""), "batch": ("skipped", "Not needed")}
    assert [(e["topic"], e["from"], e["to"]) for e in data["events"]] == [
        ("python", "todo", "doing"),
        ("python", "doing", "done"),
        ("batch", "todo", "skipped"),
    ]
    assert data["notes"] == [
        {
            "track": "ml",
            "topic": "python",
            "body": "A *note*",
            "shared": True,
            "created_at": data["notes"][0]["created_at"],
            "updated_at": data["notes"][0]["updated_at"],
        }
    ]


def test_csv_export_has_one_row_per_topic_in_tree_order(client, alice_progress, track):
    client.force_login(alice_progress)
    response = client.get("/me/export.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].endswith('.csv"')
    rows = read_csv(response)
    assert [row["topic_key"] for row in rows] == [
        "ml",
        "basics",
        "python",
        "statistics",
        "serving",
        "apis",
        "batch",
    ]
    python = rows[2]
    assert (python["status"], python["track"]) == ("done", "ml")
    assert python["started_at"] and python["done_at"] and python["updated_at"]
    assert python["started_at"] <= python["done_at"]
    batch = rows[-1]
    assert (batch["status"], batch["reason"], batch["done_at"]) == ("skipped", "Not needed", "")
    assert rows[0]["status"] == "todo" and rows[0]["updated_at"] == ""


def test_csv_export_keeps_retired_topics_with_progress_only(client, alice_progress, track):
    Topic.objects.filter(key__in=["batch", "statistics"]).update(retired=True)
    client.force_login(alice_progress)
    keys = [row["topic_key"] for row in read_csv(client.get("/me/export.csv"))]
    assert "batch" in keys
    assert "statistics" not in keys


def test_csv_export_neutralises_spreadsheet_formulas(client, alice, track):
    Topic.objects.filter(key="python").update(title='=HYPERLINK("http://x")')
    set_status(alice, topic(track, "python"), "done")
    client.force_login(alice)
    rows = read_csv(client.get("/me/export.csv"))
    assert rows[2]["topic"] == '\'=HYPERLINK("http://x")'


def test_exports_contain_only_my_own_data(client, alice_progress, charlie, track):
    client.force_login(charlie)
    data = json.loads(body(client.get("/me/export.json")))
    assert data["user"]["username"] == "charlie"
    assert data["statuses"] == data["events"] == data["notes"] == data["follows"] == []
    assert read_csv(client.get("/me/export.csv")) == []


def test_csv_export_includes_followed_tracks_without_statuses(client, charlie, track):
    Follow.objects.create(user=charlie, track=track)
    client.force_login(charlie)
    rows = read_csv(client.get("/me/export.csv"))
    assert len(rows) == 7
    assert {row["status"] for row in rows} == {"todo"}


def test_exports_need_login_and_reject_post(client, alice):
    assert client.get("/me/export.json")["Location"] == "/accounts/login/?next=/me/export.json"
    assert client.get("/me/export.csv").status_code == 302
    client.force_login(alice)
    assert client.post("/me/export.json").status_code == 405
    assert client.post("/me/export.csv").status_code == 405


def test_dashboard_links_both_exports(client, alice):
    client.force_login(alice)
    html = client.get("/me/").content.decode()
    assert 'href="/me/export.json"' in html
    assert 'href="/me/export.csv"' in html


def test_export_query_count_does_not_grow_with_data(
    client, alice, track, django_assert_max_num_queries
):
    for node in Topic.objects.filter(track=track):
        set_status(alice, node, "done")
        Note.objects.create(user=alice, topic=node, body="n")
    client.force_login(alice)
    # Check-ins add three queries to each export, whatever their number.
    with django_assert_max_num_queries(15):
        assert len(json.loads(body(client.get("/me/export.json")))["notes"]) == 7
    with django_assert_max_num_queries(13):
        assert len(read_csv(client.get("/me/export.csv"))) == 7


def test_json_export_streams_a_long_history_in_pieces(client, alice, track):
    python = topic(track, "python")
    ProgressEvent.objects.bulk_create(
        ProgressEvent(
            user=alice,
            topic=python,
            actor=alice,
            from_status="doing" if i % 2 else "todo",
            to_status="todo" if i % 2 else "doing",
            reason=f"reason «{i}»",
        )
        for i in range(5000)
    )
    Note.objects.create(user=alice, topic=python, body='Quotes " and\nnew lines')
    client.force_login(alice)
    response = client.get("/me/export.json")
    assert response.streaming
    pieces = list(response.streaming_content)
    assert len(pieces) > 1
    text = b"".join(pieces).decode()
    data = json.loads(text)
    # The same text as the whole document written at once.
    assert text == json.dumps(data, ensure_ascii=False, indent=2)
    ids = ProgressEvent.objects.filter(user=alice).order_by("created_at", "id")
    expected = [event.reason for event in ids]
    assert [event["reason"] for event in data["events"]] == expected
    assert len(data["events"]) == 5000
    assert data["notes"][0]["body"] == 'Quotes " and\nnew lines'
    assert data["follows"] == [] and data["comments_received"] == []


def test_csv_export_streams_and_dates_come_from_the_whole_history(client, alice, track):
    python = topic(track, "python")
    for status in ("doing", "done", "doing", "done"):
        set_status(alice, python, status)
    events = list(ProgressEvent.objects.filter(user=alice).order_by("created_at", "id"))
    client.force_login(alice)
    response = client.get("/me/export.csv")
    assert response.streaming
    row = next(row for row in read_csv(response) if row["topic_key"] == "python")
    assert row["started_at"] == events[0].created_at.isoformat()
    assert row["done_at"] == events[-1].created_at.isoformat()
