import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F

from tracks.models import ExpectedBehaviour, Resource, Topic, Track

# Assertions read the English messages, whatever the default language.
pytestmark = pytest.mark.usefixtures("english")

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "plantuml"
CONTENT = Path(__file__).resolve().parents[2] / "tracks" / "content"


def export(slug: str, directory: Path) -> dict[str, bytes]:
    call_command("export_track", slug, str(directory), stdout=io.StringIO())
    folder = directory / slug
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def reimport_and_compare(slug: str, tmp_path: Path) -> dict[str, bytes]:
    first = export(slug, tmp_path / "first")
    call_command("import_track", str(tmp_path / "first" / slug), stdout=io.StringIO())
    second = export(slug, tmp_path / "second")
    assert second == first
    return first


def test_export_writes_the_three_files_in_canonical_form(db, tmp_path, track):
    ExpectedBehaviour.objects.create(track=track, text="Be curious", order=0)
    other = Track.objects.create(slug="data", title="Data")
    track.related.add(other)
    Topic.objects.filter(key="python").update(description="The language.\n\nUse it daily.")
    files = export("ml", tmp_path)
    assert sorted(files) == ["README.md", "ml.puml", "trilha-texto.md"]
    assert files["ml.puml"].decode() == (
        "@startmindmap\n* Machine Learning\n** Basics\n*** Python\n*** Statistics\n"
        "left side\n** Serving\n*** APIs\n*** Batch\n@endmindmap\n"
    )
    assert files["README.md"].decode() == (
        "# Machine Learning\n\nAbout *ML*.\n\n## Comportamentos esperados\n\n- Be curious\n\n"
        "## Veja também\n\n- [Data](../data/README.md)\n\n## Trilha\n\n"
        "![Machine Learning](ml.png)\n"
    )
    assert files["trilha-texto.md"].decode() == (
        "# Machine Learning {#ml}\n\n## Basics {#basics}\n\n### Python {#python}\n\n"
        "The language.\n\nUse it daily.\n\n### Statistics {#statistics}\n\n"
        "## Serving {#serving}\n\n### APIs {#apis}\n\n"
        "- [documentation] [FastAPI docs](https://fastapi.tiangolo.com/) (en)\n\n"
        "### Batch {#batch}\n"
    )


def test_english_track_gets_english_section_headings(db, tmp_path, track):
    Track.objects.filter(pk=track.pk).update(language="en")
    ExpectedBehaviour.objects.create(track=track, text="Be curious", order=0)
    readme = export("ml", tmp_path)["README.md"].decode()
    assert "## Expected behaviours" in readme
    assert "## Track" in readme


def test_export_then_import_then_export_is_byte_identical(db, tmp_path, track):
    ExpectedBehaviour.objects.create(track=track, text="Be curious", order=0)
    reimport_and_compare("ml", tmp_path)


def test_reimporting_an_export_changes_no_row(db, tmp_path, track):
    # Children sit on the side of their branch (the fixture leaves them on the default side).
    Topic.objects.filter(key__in=["apis", "batch"]).update(side=Topic.Side.LEFT)
    export("ml", tmp_path)
    before = list(Topic.objects.values_list("id", "key", "title", "parent_id", "order", "side"))
    resources = list(Resource.objects.values_list("id", "title", "url", "kind", "language"))
    out = io.StringIO()
    call_command("import_track", str(tmp_path / "ml"), stdout=out)
    assert "(0 created, 0 updated, 0 retired)" in out.getvalue()
    assert list(Topic.objects.values_list("id", "key", "title", "parent_id", "order", "side")) == (
        before
    )
    assert list(Resource.objects.values_list("id", "title", "url", "kind", "language")) == (
        resources
    )


def test_awkward_content_survives_the_round_trip(db, tmp_path, track):
    Topic.objects.filter(key="python").update(
        title="C++ **not bold** <&icon> [[x]] ~tilde",
        description=(
            "# Not a heading\n\n- [A link](https://example.com/a) in a list\n"
            "- Statistics\n- plain bullet\n\n    code block"
        ),
        colour="#Orange",
        boxless=True,
    )
    Resource.objects.create(
        topic=Topic.objects.get(key="python"),
        title="Python [3] (programming language)",
        url="https://en.wikipedia.org/wiki/Python_(programming_language)",
        kind=Resource.Kind.ARTICLE,
        language="en",
    )
    reimport_and_compare("ml", tmp_path)
    python = Topic.objects.get(key="python")
    assert python.title == "C++ **not bold** <&icon> [[x]] ~tilde"
    assert python.description.startswith("# Not a heading\n\n- [A link]")
    assert python.colour == "#Orange" and python.boxless
    assert python.resources.get().url.endswith("Python_(programming_language)")
    assert Topic.objects.get(key="statistics").description == ""


def test_text_that_looks_like_structure_survives_the_round_trip(db, tmp_path, track):
    description = "Intro.\n\n## Trilha\n\n<b>Comportamentos esperados</b>\n\n\\```"
    Track.objects.filter(pk=track.pk).update(description=description)
    ExpectedBehaviour.objects.create(track=track, text="Be curious", order=0)
    Topic.objects.filter(key="python").update(description="Open fence:\n```\n# not a topic")
    Topic.objects.filter(key="apis").update(description="```\n## Basics {#basics}\n```")
    reimport_and_compare("ml", tmp_path)
    track.refresh_from_db()
    assert track.description == description
    assert list(track.behaviours.values_list("text", flat=True)) == ["Be curious"]
    assert Topic.objects.get(key="python").description == "Open fence:\n```\n# not a topic"
    assert Topic.objects.get(key="apis").description == "```\n## Basics {#basics}\n```"
    assert Topic.objects.get(key="apis").resources.count() == 1


def test_retired_topics_are_not_exported(db, tmp_path, track):
    Topic.objects.filter(key="batch").update(retired=True)
    files = export("ml", tmp_path)
    assert b"Batch" not in files["ml.puml"]
    assert b"{#batch}" not in files["trilha-texto.md"]


def test_export_of_unknown_track_is_an_error(db, tmp_path):
    with pytest.raises(CommandError, match="nope"):
        call_command("export_track", "nope", str(tmp_path))


@pytest.mark.skipif(not CORPUS.exists(), reason=f"the PlantUML corpus is not at {CORPUS}")
@pytest.mark.parametrize(
    "name",
    [
        "01_tlroadmap-teamlead-ru",
        "04_cpp-roadmap-vi",
        "06_plan-de-estudio-es",
        "17_estagios-multiroot-pt",
        "23_business-rules",
        "30_ttetris-wbs",
        "39_frozen-coast-misplaced-es",
    ],
)
def test_real_diagrams_survive_export_and_import(db, tmp_path, name):
    call_command("import_track", str(CORPUS / f"{name}.puml"), stdout=io.StringIO())
    slug = Track.objects.get().slug
    fields = ["key", "title", "parent__key", "order", "side", "colour", "boxless", "retired"]
    topics_before = list(Topic.objects.values_list(*fields))
    files = reimport_and_compare(slug, tmp_path)
    assert list(Topic.objects.values_list(*fields)) == topics_before
    assert files[f"{slug}.puml"].startswith(b"@start")


def rows() -> tuple[list[dict], list[dict], list[dict]]:
    return (
        list(Topic.objects.order_by("pk").values()),
        list(Resource.objects.order_by("pk").values()),
        list(Track.objects.order_by("pk").values()),
    )


def test_importing_an_export_of_an_edited_track_changes_no_row(db, tmp_path, track):
    # Orders as the editor leaves them: a topic added under an early section goes last in the
    # track, and siblings need not be numbered in file order to be in it.
    Topic.objects.filter(key__in=["apis", "batch"]).update(side=Topic.Side.LEFT)
    basics = Topic.objects.get(key="basics")
    Topic.objects.create(track=track, parent=basics, key="pandas", title="Pandas", order=40)
    Topic.objects.filter(key="serving").update(order=20)
    Topic.objects.filter(key="batch").update(order=30)
    export("ml", tmp_path)
    before = rows()

    out = io.StringIO()
    call_command("import_track", str(tmp_path / "ml"), stdout=out)

    assert "8 topics (0 created, 0 updated, 0 retired)" in out.getvalue()
    assert rows() == before


def test_importing_the_shipped_tracks_export_changes_no_row(db, tmp_path):
    call_command("import_track", str(CONTENT), stdout=io.StringIO())
    slug = "engenharia-de-machine-learning"
    # Orders with gaps, as a track edited for a while has them: only their sequence counts.
    Topic.objects.filter(track__slug=slug).update(order=F("order") * 3 + 7)
    export(slug, tmp_path)
    before = rows()

    out = io.StringIO()
    call_command("import_track", str(tmp_path / slug), stdout=out)

    assert "(0 created, 0 updated, 0 retired)" in out.getvalue()
    assert rows() == before
