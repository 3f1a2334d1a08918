"""Expected behaviours keep their identity through re-imports, edits and exports."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.tracks.test_editing import management, track_data
from tests.tracks.test_export import export, reimport_and_compare
from tracks.behaviours import sync_behaviours
from tracks.models import ExpectedBehaviour, Track
from tracks.trackfiles import behaviour_key, behaviour_normal, parse_readme, write_readme

pytestmark = pytest.mark.usefixtures("english")

DIAGRAM = "@startmindmap\n* ML\n** Basics\n@endmindmap\n"


def readme(*behaviours: str) -> str:
    items = "\n".join(f"- {text}" for text in behaviours)
    return f"# ML\n\nAbout.\n\n## Expected behaviours\n\n{items}\n\n## Track\n\n![ML](ml.png)\n"


def import_readme(tmp_path: Path, *behaviours: str) -> str:
    folder = tmp_path / "ml"
    folder.mkdir(exist_ok=True)
    (folder / "README.md").write_text(readme(*behaviours), encoding="utf-8")
    (folder / "ml.puml").write_text(DIAGRAM, encoding="utf-8")
    out = io.StringIO()
    call_command("import_track", str(folder), stdout=out, stderr=out)
    return out.getvalue()


def rows(track: Track) -> list[tuple[str, str, bool]]:
    return list(track.behaviours.order_by("retired", "order").values_list("key", "text", "retired"))


def test_wording_ignores_case_accents_punctuation_and_spacing():
    assert behaviour_normal("Questionar  soluções, e solicitações!") == (
        "questionar solucoes e solicitacoes"
    )
    assert behaviour_key("Seguir sempre o método científico.") == (
        "seguir-sempre-o-metodo-cientifico"
    )
    assert behaviour_key("数据").startswith("b-")
    long_key = behaviour_key("word " * 60)
    assert len(long_key) <= 80 and not long_key.endswith("-")


def test_import_gives_keys_and_a_reimport_keeps_the_rows(db, tmp_path):
    import_readme(tmp_path, "Be curious", "Ask why")
    track = Track.objects.get(slug="ml")
    ids = dict(track.behaviours.values_list("key", "pk"))
    assert rows(track) == [("be-curious", "Be curious", False), ("ask-why", "Ask why", False)]

    import_readme(tmp_path, "Ask why?", "BE CURIOUS.", "Ship it")

    assert rows(track) == [
        ("ask-why", "Ask why?", False),
        ("be-curious", "BE CURIOUS.", False),
        ("ship-it", "Ship it", False),
    ]
    after = dict(track.behaviours.values_list("key", "pk"))
    assert after["be-curious"] == ids["be-curious"] and after["ask-why"] == ids["ask-why"]


def test_removed_behaviours_are_retired_and_restored_when_they_return(db, tmp_path):
    import_readme(tmp_path, "Be curious", "Ask why")
    track = Track.objects.get(slug="ml")
    ask = track.behaviours.get(key="ask-why")

    output = import_readme(tmp_path, "Be curious")
    assert "1 behaviours" in output
    assert rows(track) == [("be-curious", "Be curious", False), ("ask-why", "Ask why", True)]
    assert list(track.behaviours.live().values_list("text", flat=True)) == ["Be curious"]

    import_readme(tmp_path, "Ask why", "Be curious")
    assert track.behaviours.get(key="ask-why").pk == ask.pk
    assert rows(track) == [("ask-why", "Ask why", False), ("be-curious", "Be curious", False)]


def test_a_reworded_behaviour_is_new_unless_its_key_is_written(db, tmp_path):
    import_readme(tmp_path, "Be curious", "Ask why")
    track = Track.objects.get(slug="ml")
    curious = track.behaviours.get(key="be-curious")

    import_readme(tmp_path, "Stay curious {#be-curious}", "Ask why")
    assert track.behaviours.get(key="be-curious").pk == curious.pk
    assert track.behaviours.get(pk=curious.pk).text == "Stay curious"

    import_readme(tmp_path, "Keep learning", "Ask why")
    assert track.behaviours.get(pk=curious.pk).retired
    assert track.behaviours.get(key="keep-learning").order == 0


def test_a_written_key_renames_the_behaviour_found_by_its_wording(db, tmp_path):
    import_readme(tmp_path, "Be curious")
    track = Track.objects.get(slug="ml")
    curious = track.behaviours.get()

    import_readme(tmp_path, "Be curious {#curiosity}")

    assert track.behaviours.get().pk == curious.pk
    assert track.behaviours.get().key == "curiosity"


def test_invalid_and_repeated_keys_are_dropped_with_a_warning():
    parsed = parse_readme(readme("A {#bad key!}", "B {#same}", "C {#same}"))
    assert parsed.behaviours == ["A", "B {#same}", "C"]
    assert "README.md:7: “{#bad key!}” is not a valid key" in parsed.warnings[0]
    assert "README.md:9: the key “same” is already used" in parsed.warnings[1]


def test_an_unchanged_list_writes_nothing(db, tmp_path, django_assert_max_num_queries):
    import_readme(tmp_path, "Be curious", "Ask why")
    track = Track.objects.get(slug="ml")
    with django_assert_max_num_queries(3):  # savepoint, the rows, release
        counts = sync_behaviours(track, ["Be curious", "Ask why"])
    assert not counts.changed and counts.unchanged == 2


def test_twin_texts_get_numbered_keys_that_survive_the_round_trip(db, tmp_path, track):
    counts = sync_behaviours(track, ["Be curious", "Be curious!", "Ask why {#why}"])
    assert counts.created == 3
    assert rows(track) == [
        ("be-curious", "Be curious", False),
        ("be-curious-2", "Be curious!", False),
        ("why", "Ask why", False),
    ]
    files = reimport_and_compare("ml", tmp_path)
    readme_text = files["README.md"].decode()
    assert "- Be curious\n- Be curious! {#be-curious-2}\n- Ask why {#why}\n" in readme_text
    assert len(rows(track)) == 3


def test_export_lists_live_behaviours_with_keys_only_where_needed(db, tmp_path, track):
    ExpectedBehaviour.objects.create(track=track, text="Be curious", order=0)
    ExpectedBehaviour.objects.create(track=track, text="Old habit", order=1, retired=True)
    ExpectedBehaviour.objects.create(track=track, key="why", text="Ask why", order=2)
    readme_text = export("ml", tmp_path / "out")["README.md"].decode()
    assert "- Be curious\n- Ask why {#why}\n" in readme_text
    assert "Old habit" not in readme_text


def test_write_readme_accepts_plain_texts():
    text = write_readme(
        title="T", description="", behaviours=["A"], related=[], diagram="t.png", language="en"
    )
    assert "## Expected behaviours\n\n- A\n" in text


# --- the track editor -------------------------------------------------------------------------


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client


def test_editor_rewords_reorders_and_retires_without_deleting(curator_client, track):
    keep = ExpectedBehaviour.objects.create(track=track, text="Reads papers", order=0)
    drop = ExpectedBehaviour.objects.create(track=track, text="Old habit", order=1)
    data = track_data(
        track,
        **management("behaviours", 3, 2),
        **{
            "behaviours-0-id": keep.pk,
            "behaviours-0-text": "Reads  papers\r\nweekly",
            "behaviours-0-order": "5",
            "behaviours-1-id": drop.pk,
            "behaviours-1-text": "Old habit",
            "behaviours-1-order": "1",
            "behaviours-1-retire": "on",
            "behaviours-2-text": "Ships models",
            "behaviours-2-order": "2",
        },
    )

    response = curator_client.post(reverse("tracks:track-edit", args=["ml"]), data, follow=True)

    html = response.content.decode()
    assert "Track saved." in html
    assert rows(track) == [
        ("ships-models", "Ships models", False),
        ("reads-papers", "Reads papers weekly", False),
        ("old-habit", "Old habit", True),
    ]
    assert "Retired behaviours" in html
    assert "Restore “Old habit”" in html
    page = curator_client.get(reverse("progress:track", args=["ml"])).content.decode()
    assert "Ships models" in page and "Old habit" not in page


def test_curator_restores_a_retired_behaviour_at_the_end(curator_client, track):
    ExpectedBehaviour.objects.create(track=track, text="Reads papers", order=3)
    old = ExpectedBehaviour.objects.create(track=track, text="Old habit", order=0, retired=True)

    response = curator_client.post(
        reverse("tracks:behaviour-restore", args=["ml", old.key]), follow=True
    )

    assert "Restored “Old habit”, with its ratings." in response.content.decode()
    old.refresh_from_db()
    assert not old.retired and old.order == 4


def test_restore_is_for_curators_and_posts_only(client, alice, track):
    old = ExpectedBehaviour.objects.create(track=track, text="Old habit", retired=True)
    url = reverse("tracks:behaviour-restore", args=["ml", old.key])
    client.force_login(alice)
    assert client.post(url).status_code == 403
    old.refresh_from_db()
    assert old.retired


def test_restore_rejects_get(curator_client, track):
    old = ExpectedBehaviour.objects.create(track=track, text="Old habit", retired=True)
    url = reverse("tracks:behaviour-restore", args=["ml", old.key])
    assert curator_client.get(url).status_code == 405
