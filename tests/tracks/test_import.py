import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import CommandError, call_command

from progress.models import TopicProgress
from tracks.models import ExpectedBehaviour, RenderJob, Resource, Topic, Track

# Assertions read the English messages, whatever the default language.
pytestmark = pytest.mark.usefixtures("english")

REPO = Path(__file__).resolve().parents[2]
SEED_README = REPO / ".." / "shared" / "seed" / "000_1b139d41fcbfa891.txt"
CONTENT = REPO / "tracks" / "content"

DIAGRAM = """@startmindmap
* Engenharia de Machine Learning
** Fundamentos
*** Python
*** Estatística
left side
** MLOps
*** Versionamento de modelos
@endmindmap
"""

TEXTO = """# Engenharia de Machine Learning {#mle}

## fundamentos {#fundamentos}

A base de tudo.

### PYTHON {#python}

A linguagem usada em quase todo o ecossistema de dados.

- [documentation] [The Python Tutorial](https://docs.python.org/3/tutorial/) (en)
- [livro] [Python Fluente](https://pythonfluente.com/2/) (pt-br)
- [Curso de Python](https://www.youtube.com/watch?v=abc)

### Estatistica

## Tópico que não existe {#ghost}

- [Some link](https://example.com/ghost)
"""


def write(folder: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("import_track", *args, stdout=out, stderr=out)
    return out.getvalue()


@pytest.fixture
def mle_folder(tmp_path):
    return write(
        tmp_path / "mle",
        {"README.md": "# Engenharia de Machine Learning\n\nAbout.\n", "mle.puml": DIAGRAM},
    )


# --- README ------------------------------------------------------------------------------


@pytest.mark.skipif(not SEED_README.exists(), reason="the seed README is not beside the clone")
def test_seed_readme_gives_title_description_behaviours_and_the_diagram_beside_it(db, tmp_path):
    folder = write(
        tmp_path / "engenharia-de-machine-learning",
        {"README.md": SEED_README.read_text(encoding="utf-8"), "mle/mle.puml": DIAGRAM},
    )
    output = run(str(folder))
    track = Track.objects.get(slug="engenharia-de-machine-learning")
    assert track.title == "Engenharia de Machine Learning"
    assert "produtificação de modelos" in track.description
    assert "Comportamentos esperados" not in track.description
    behaviours = list(track.behaviours.values_list("text", flat=True))
    assert len(behaviours) == 10
    assert behaviours[0] == "Seguir sempre o método científico"
    assert behaviours[5] == "Questionar soluções e solicitações"
    assert Topic.objects.filter(track=track).count() == 6
    assert "“data-engineering” does not exist" in output
    assert "“data-science” does not exist" in output


def test_markdown_headings_work_for_sections_and_set_the_language(db, tmp_path):
    folder = write(
        tmp_path / "ml",
        {
            "README.md": "# ML\n\nText.\n\n## Expected behaviours\n\n- Be curious\n- Ask\n"
            "  why\n\n## Track\n\n![ML](ml.png)\n",
            "ml.puml": DIAGRAM,
        },
    )
    run(str(folder))
    track = Track.objects.get(slug="ml")
    assert list(track.behaviours.values_list("text", flat=True)) == ["Be curious", "Ask why"]
    assert track.language == "en"
    assert track.description == "Text."


def test_image_link_picks_the_diagram_among_several(db, tmp_path):
    other = DIAGRAM.replace("Engenharia de Machine Learning", "Other")
    folder = write(
        tmp_path / "ml",
        {
            "README.md": "# ML\n\n<b>Trilha</b>\n\n![](draft/other.png)\n",
            "draft/other.puml": other,
            "a.puml": DIAGRAM,
            "b.puml": DIAGRAM,
        },
    )
    run(str(folder))
    assert Topic.objects.filter(track__slug="ml", title="Other").exists()


def test_several_diagrams_and_no_link_is_an_error(db, tmp_path):
    folder = write(tmp_path / "ml", {"README.md": "# ML\n", "a.puml": DIAGRAM, "b.puml": DIAGRAM})
    with pytest.raises(CommandError, match="several .puml files"):
        run(str(folder))


def test_bare_puml_takes_its_title_from_the_title_line_or_the_root(db, tmp_path):
    write(tmp_path, {"with-title.puml": DIAGRAM.replace("* Eng", "title Nice\n* Eng")})
    write(tmp_path, {"no-title.puml": DIAGRAM})
    run(str(tmp_path / "with-title.puml"))
    run(str(tmp_path / "no-title.puml"))
    assert Track.objects.get(slug="with-title").title == "Nice"
    assert Track.objects.get(slug="no-title").title == "Engenharia de Machine Learning"


def test_folder_of_folders_imports_all_and_links_related_tracks(db, tmp_path):
    write(
        tmp_path / "data",
        {
            "README.md": "# Data\n\nSee [ML](../ml/README.md).\n\n## Veja também\n\n"
            "- [Nowhere](../nowhere/README.md)\n",
            "data.puml": "@startmindmap\n* Data\n** SQL\n@endmindmap\n",
        },
    )
    write(tmp_path / "ml", {"README.md": "# ML\n", "ml.puml": DIAGRAM})
    output = run(str(tmp_path))
    data = Track.objects.get(slug="data")
    assert list(data.related.values_list("slug", flat=True)) == ["ml"]
    assert list(Track.objects.get(slug="ml").related.values_list("slug", flat=True)) == ["data"]
    assert "data/README.md:7: the related track “nowhere” does not exist" in output


def test_zip_of_a_folder_of_folders_imports_every_track(db, tmp_path):
    archive = tmp_path / "tracks.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("content/ml/README.md", "# ML\n\n## See also\n\n- [D](../data/README.md)\n")
        bundle.writestr("content/ml/ml.puml", DIAGRAM)
        bundle.writestr("content/data/README.md", "# Data\n")
        bundle.writestr("content/data/data.puml", "@startmindmap\n* Data\n@endmindmap\n")
        bundle.writestr("__MACOSX/content/._ml", "junk")
    run(str(archive))
    assert sorted(Track.objects.values_list("slug", flat=True)) == ["data", "ml"]
    assert list(Track.objects.get(slug="ml").related.values_list("slug", flat=True)) == ["data"]


def test_link_removed_from_the_readme_unlinks_the_tracks(db, tmp_path, track):
    readme = "# Data\n\n## See also\n\n- [ML](../ml/README.md)\n"
    folder = write(tmp_path / "data", {"README.md": readme, "data.puml": DIAGRAM})
    run(str(folder))
    assert Track.objects.get(slug="data").related.count() == 1
    write(folder, {"README.md": "# Data\n"})
    run(str(folder))
    assert not Track.objects.get(slug="data").related.exists()
    assert not track.related.exists()


def test_related_track_imported_earlier_is_linked(db, tmp_path, track):
    folder = write(
        tmp_path / "data",
        {"README.md": "# Data\n\n## See also\n\n- [ML](../ml/README.md)\n", "data.puml": DIAGRAM},
    )
    run(str(folder))
    assert list(Track.objects.get(slug="data").related.all()) == [track]


# --- dry run -----------------------------------------------------------------------------


def test_dry_run_prints_the_outline_and_the_topic_count_and_writes_nothing(db, mle_folder):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_track", str(mle_folder), "--dry-run", stdout=out, stderr=err)
    assert out.getvalue().splitlines() == [
        "Engenharia de Machine Learning",
        "  Fundamentos",
        "    Python",
        "    Estatística",
        "  MLOps",
        "    Versionamento de modelos",
        "6 topics",
    ]
    assert not Track.objects.exists()
    assert not Topic.objects.exists()


def test_dry_run_of_several_roots_counts_every_node(db, tmp_path):
    write(tmp_path, {"multi.puml": "@startmindmap\n*A\n**A1\n*B\n*C\n@endmindmap"})
    out = io.StringIO()
    call_command("import_track", str(tmp_path / "multi.puml"), "--dry-run", stdout=out)
    assert out.getvalue().splitlines()[-1] == "4 topics"


# --- trilha-texto.md ---------------------------------------------------------------------


def test_trilha_texto_gives_keys_descriptions_and_resources_matched_by_title(db, mle_folder):
    write(mle_folder, {"trilha-texto.md": TEXTO})
    output = run(str(mle_folder))
    track = Track.objects.get(slug="mle")
    python = Topic.objects.get(track=track, key="python")
    assert python.title == "Python"
    assert python.description == "A linguagem usada em quase todo o ecossistema de dados."
    resources = list(python.resources.values_list("title", "kind", "language", "url"))
    assert resources == [
        ("The Python Tutorial", "documentation", "en", "https://docs.python.org/3/tutorial/"),
        ("Python Fluente", "book", "pt-br", "https://pythonfluente.com/2/"),
        ("Curso de Python", "video", "", "https://www.youtube.com/watch?v=abc"),
    ]
    assert Topic.objects.get(track=track, title="Fundamentos").description == "A base de tudo."
    assert Topic.objects.get(track=track, title="Engenharia de Machine Learning").key == "mle"
    # Accents and case do not matter; without {#key} the key comes from the title.
    assert Topic.objects.get(track=track, title="Estatística").key == "estatistica"
    assert "trilha-texto.md:17: “Tópico que não existe” matches no node" in output
    assert not Resource.objects.filter(url="https://example.com/ghost").exists()


def test_strict_turns_unmatched_entries_into_an_error(db, mle_folder):
    write(mle_folder, {"trilha-texto.md": TEXTO})
    with pytest.raises(CommandError, match=r"trilha-texto.md:17: "):
        run(str(mle_folder), "--strict")
    assert not Track.objects.exists()


def test_list_items_can_name_topics_too(db, mle_folder):
    texto = (
        "- Engenharia de Machine Learning\n"
        "  - Fundamentos {#base}\n"
        "    - Python\n"
        "      - [Tutorial](https://docs.python.org/3/tutorial/)\n"
        "    - Nada disso\n"
    )
    write(mle_folder, {"trilha-texto.md": texto})
    output = run(str(mle_folder))
    assert Topic.objects.get(title="Fundamentos").key == "base"
    resource = Topic.objects.get(title="Python").resources.get()
    assert resource.kind == "documentation"
    assert "trilha-texto.md:5: “Nada disso” matches no node" in output


def test_description_lists_under_a_heading_stay_description(db, mle_folder):
    texto = "### Python\n\nYou should know:\n\n- generators\n- decorators\n"
    write(mle_folder, {"trilha-texto.md": texto})
    output = run(str(mle_folder))
    assert Topic.objects.get(title="Python").description == (
        "You should know:\n\n- generators\n- decorators"
    )
    assert "matches no node" not in output


def test_invalid_key_is_an_error_with_the_line(db, mle_folder):
    write(mle_folder, {"trilha-texto.md": "# Engenharia de Machine Learning\n\n## Python {#a b}\n"})
    with pytest.raises(CommandError, match=r"trilha-texto.md:3: "):
        run(str(mle_folder))


def test_colliding_keys_get_the_parent_key_as_prefix(db, tmp_path):
    diagram = "@startwbs\n* A1\n** B1\n*** C1\n** B2\n*** C1\n*** Щит\n**** Щит\n@endwbs\n"
    write(tmp_path, {"tiny.puml": diagram})
    run(str(tmp_path / "tiny.puml"))
    keys = list(Topic.objects.order_by("order").values_list("key", flat=True))
    assert keys[:5] == ["a1", "b1", "c1", "b2", "b2-c1"]
    assert keys[5].startswith("t-") and keys[6] == f"{keys[5]}-{keys[5]}"


def test_long_titles_make_keys_within_the_limit(db, tmp_path):
    long_title = "word " * 60
    write(tmp_path, {"long.puml": f"@startmindmap\n* {long_title}\n** {long_title}\n@endmindmap"})
    run(str(tmp_path / "long.puml"))
    assert all(len(key) <= 120 for key in Topic.objects.values_list("key", flat=True))
    assert Topic.objects.count() == 2


# --- re-importing ------------------------------------------------------------------------


def test_importing_twice_changes_nothing(db, mle_folder):
    write(mle_folder, {"trilha-texto.md": TEXTO})
    run(str(mle_folder))
    before = {
        "topics": list(Topic.objects.values_list("id", "key", "title", "order", "parent_id")),
        "resources": list(Resource.objects.values_list("id", "url")),
        "behaviours": list(ExpectedBehaviour.objects.values_list("id", "text")),
        "updated": Track.objects.get().updated_at,
    }
    output = run(str(mle_folder))
    assert "(0 created, 0 updated, 0 retired)" in output
    after = {
        "topics": list(Topic.objects.values_list("id", "key", "title", "order", "parent_id")),
        "resources": list(Resource.objects.values_list("id", "url")),
        "behaviours": list(ExpectedBehaviour.objects.values_list("id", "text")),
        "updated": Track.objects.get().updated_at,
    }
    assert after == before


def test_reimport_keeps_progress_retires_missing_topics_and_brings_them_back(
    db, tmp_path, track, alice
):
    folder = tmp_path / "ml"
    texto = "# Machine Learning {#ml}\n## Basics {#basics}\n### Python {#python}\n"
    texto += "### Statistics {#statistics}\n## Serving {#serving}\n### APIs {#apis}\n"
    texto += "### Batch {#batch}\n"
    diagram = "@startmindmap\n* Machine Learning\n** Basics\n*** Python\n*** Statistics\n"
    diagram += "left side\n** Serving\n*** APIs\n*** Batch\n@endmindmap\n"
    write(
        folder, {"README.md": "# Machine Learning\n", "ml.puml": diagram, "trilha-texto.md": texto}
    )
    batch = Topic.objects.get(track=track, key="batch")
    python = Topic.objects.get(track=track, key="python")
    TopicProgress.objects.create(user=alice, topic=batch, status=TopicProgress.Status.DONE)
    TopicProgress.objects.create(user=alice, topic=python, status=TopicProgress.Status.DOING)

    renamed = diagram.replace("*** Python", "*** Python 3").replace("*** Batch\n", "")
    write(folder, {"ml.puml": renamed, "trilha-texto.md": texto.replace("Python {", "Python 3 {")})
    output = run(str(folder))
    assert "1 retired" in output
    batch.refresh_from_db()
    python.refresh_from_db()
    assert batch.retired
    assert python.title == "Python 3" and not python.retired
    assert TopicProgress.objects.get(topic=batch).status == "done"
    assert TopicProgress.objects.get(topic=python).status == "doing"

    write(folder, {"ml.puml": diagram, "trilha-texto.md": texto})
    run(str(folder))
    batch.refresh_from_db()
    assert not batch.retired
    assert Topic.objects.filter(track=track).count() == 7
    assert TopicProgress.objects.get(topic=batch).status == "done"


def test_topics_move_to_their_new_parent(db, mle_folder):
    run(str(mle_folder))
    moved = DIAGRAM.replace("*** Python\n", "").replace("** MLOps\n", "** MLOps\n*** Python\n")
    write(mle_folder, {"mle.puml": moved})
    run(str(mle_folder))
    python = Topic.objects.get(key="python")
    assert python.parent.key == "mlops"
    assert python.side == Topic.Side.LEFT


ML_DIAGRAM = """@startmindmap
* Machine Learning
** Foundations
*** Python
***:Statistics
Means and variances.;
left side
** Serving
*** APIs
*** Batch
*** [[https://prometheus.io/docs/ Monitoring]]
@endmindmap
"""


def test_reimport_from_the_puml_alone_keeps_texts_resources_and_renamed_topics(
    db, tmp_path, track, alice
):
    Topic.objects.filter(track=track, key="python").update(description="Learn Python.")
    Topic.objects.filter(track=track, key="statistics").update(description="Old text.")
    basics = Topic.objects.get(track=track, key="basics")
    basics.title = "Foundations"  # renamed in the app; the key stays
    basics.save(update_fields=["title"])
    TopicProgress.objects.create(user=alice, topic=basics, status=TopicProgress.Status.DOING)
    write(tmp_path, {"ml.puml": ML_DIAGRAM})

    output = run(str(tmp_path / "ml.puml"))

    # Statistics gets the note; APIs and Batch move to the left with Serving.
    assert "(1 created, 3 updated, 0 retired)" in output
    assert (
        f"warning: {tmp_path}/ml.puml: no trilha-texto.md; existing topics keep their "
        "descriptions and resources"
    ) in output
    basics.refresh_from_db()
    assert not basics.retired
    assert TopicProgress.objects.get(user=alice).topic == basics
    assert Topic.objects.get(track=track, key="python").parent == basics
    assert Topic.objects.get(track=track, key="python").description == "Learn Python."
    # A note on the diagram node is a description and wins.
    assert Topic.objects.get(track=track, key="statistics").description == "Means and variances."
    apis = Topic.objects.get(track=track, key="apis")
    assert list(apis.resources.values_list("url", flat=True)) == ["https://fastapi.tiangolo.com/"]
    monitoring = Topic.objects.get(track=track, key="monitoring")
    assert list(monitoring.resources.values_list("url", flat=True)) == [
        "https://prometheus.io/docs/"
    ]
    assert not Topic.objects.filter(track=track, retired=True).exists()
    assert Track.objects.get(slug="ml").description == "About *ML*."


def test_puml_alone_brings_back_a_retired_topic_by_its_title(db, tmp_path, track):
    Topic.objects.filter(track=track, key="batch").update(title="Batch jobs", retired=True)
    write(tmp_path, {"ml.puml": ML_DIAGRAM.replace("*** Batch", "*** Batch Jobs")})
    run(str(tmp_path / "ml.puml"))
    batch = Topic.objects.get(track=track, key="batch")
    assert not batch.retired
    assert batch.title == "Batch Jobs"
    assert not Topic.objects.filter(track=track, key="batch-jobs").exists()


def test_puml_alone_matches_no_key_when_the_title_is_ambiguous(db, tmp_path, track):
    Topic.objects.filter(track=track, key__in=["python", "statistics"]).update(title="Tools")
    diagram = ML_DIAGRAM.replace("*** Python", "*** Tools").replace("Foundations", "Basics")
    write(tmp_path, {"ml.puml": diagram})
    output = run(str(tmp_path / "ml.puml"))
    assert Topic.objects.get(track=track, key="tools").title == "Tools"
    assert Topic.objects.get(track=track, key="python").retired
    assert "(2 created, 3 updated, 1 retired)" in output


def test_reimport_with_trilha_texto_replaces_resources_as_before(db, tmp_path, track):
    texto = "# Machine Learning {#ml}\n\n### APIs {#apis}\n\n- [Flask](https://flask.palletsprojects.com/)\n"
    folder = write(tmp_path / "ml", {"ml.puml": ML_DIAGRAM, "trilha-texto.md": texto})
    output = run(str(folder))
    apis = Topic.objects.get(track=track, key="apis")
    assert list(apis.resources.values_list("url", flat=True)) == [
        "https://flask.palletsprojects.com/"
    ]
    assert Topic.objects.get(track=track, key="basics").retired  # its title changed
    assert "no trilha-texto.md" not in output


def test_new_track_from_a_puml_alone_takes_what_the_diagram_gives(db, tmp_path):
    write(tmp_path, {"fresh.puml": ML_DIAGRAM})
    output = run(str(tmp_path / "fresh.puml"))
    assert "(8 created, 0 updated, 0 retired)" in output
    assert "0 warnings" in output
    track = Track.objects.get(slug="fresh")
    assert Topic.objects.get(track=track, key="statistics").description == "Means and variances."
    monitoring = Topic.objects.get(track=track, key="monitoring")
    assert monitoring.resources.get().url == "https://prometheus.io/docs/"


# --- bad folders -------------------------------------------------------------------------

BAD = {
    "missing diagram": ({"README.md": "# ML\n"}, "bad: no .puml diagram found"),
    "empty diagram": ({"README.md": "# ML\n", "bad.puml": ""}, "bad/bad.puml: the file is empty"),
    "empty readme": ({"README.md": " \n", "bad.puml": DIAGRAM}, "bad/README.md: the file is empty"),
    "binary diagram": (
        {"README.md": "# ML\n", "bad.puml": b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR"},
        "bad/bad.puml: a binary file",
    ),
    "not utf-8": (
        {"README.md": "# ML\n", "bad.puml": "@startmindmap\n* Caf\xe9\n".encode("latin-1")},
        "bad/bad.puml:2: not UTF-8 text",
    ),
    "first node at depth 3": (
        {"README.md": "# ML\n", "bad.puml": "@startmindmap\n*** Deep\n@endmindmap\n"},
        "bad/bad.puml:2: the first node is at level 3",
    ),
    "depth jump": (
        {"README.md": "# ML\n", "bad.puml": "@startmindmap\n* A\n** B\n**** D\n@endmindmap\n"},
        "bad/bad.puml:4: the level jumps from 2 to 4",
    ),
    "include": (
        {"README.md": "# ML\n", "bad.puml": "@startmindmap\n!include x.puml\n* A\n@endmindmap"},
        "bad/bad.puml:2: “!include x.puml”: includes are not followed",
    ),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_track_folder_is_one_line_error_and_changes_nothing(db, tmp_path, track, case):
    files, message = BAD[case]
    write(tmp_path / "good", {"README.md": "# Good\n", "good.puml": DIAGRAM})
    write(tmp_path / "bad", files)
    before = list(Topic.objects.values_list("id", "title", "retired"))
    with pytest.raises(CommandError) as error:
        run(str(tmp_path))
    text = str(error.value)
    assert "\n" not in text
    assert text.startswith(str(tmp_path) + "/")
    assert message in text
    assert not Track.objects.filter(slug="good").exists()
    assert list(Topic.objects.values_list("id", "title", "retired")) == before


def test_file_over_the_limit_is_refused_before_reading(db, tmp_path):
    folder = write(tmp_path / "big", {"README.md": "# Big\n"})
    with open(folder / "big.puml", "wb") as handle:
        handle.truncate(10 * 1024 * 1024)
    with pytest.raises(CommandError, match=r"big/big.puml: the file is larger than 2 MB"):
        run(str(folder))
    assert not Track.objects.exists()


def test_path_that_does_not_exist_is_an_error(db, tmp_path):
    with pytest.raises(CommandError, match="no such file or folder"):
        run(str(tmp_path / "nothing"))


def test_folder_with_no_track_is_an_error(db, tmp_path):
    write(tmp_path, {"notes.txt": "hello"})
    with pytest.raises(CommandError, match="no track found"):
        run(str(tmp_path))


# --- after the import --------------------------------------------------------------------


def test_an_import_queues_its_diagram_and_draws_nothing(db, mle_folder, monkeypatch):
    monkeypatch.setattr("tracks.plantuml.renderer._get", mock.Mock(side_effect=AssertionError))

    run(str(mle_folder))

    assert list(RenderJob.objects.values_list("track__slug", flat=True)) == ["mle"]
    assert Topic.objects.filter(track__slug="mle").count() == 6


def test_dry_run_does_not_queue_diagrams(db, mle_folder):
    run(str(mle_folder), "--dry-run")

    assert not RenderJob.objects.exists()


SHIPPED = ["engenharia-de-machine-learning", "engenharia-de-dados", "ciencia-de-dados"]


@pytest.mark.skipif(
    not all((CONTENT / slug / "README.md").exists() for slug in SHIPPED),
    reason="the shipped tracks are not in tracks/content yet",
)
def test_shipped_tracks_import_cleanly(db):
    output = run(str(CONTENT), "--strict")
    assert "warning:" not in output
    counts = sorted(
        (Topic.objects.filter(track__slug=slug).count() for slug in SHIPPED), reverse=True
    )
    assert counts[0] >= 60 and counts[1] >= 40 and counts[2] >= 40
    for slug in SHIPPED:
        track = Track.objects.get(slug=slug)
        assert track.behaviours.exists()
        assert track.related.exists()


# --- what people write -----------------------------------------------------------------------


def test_list_items_naming_a_node_carry_their_links_on_the_same_line(db, tmp_path):
    diagram = "@startmindmap\n* Dados\n** Docker\n** Spark\n** Kafka\n@endmindmap\n"
    texto = (
        "- Dados\n"
        "  - Docker — [Get started](https://docs.docker.com/get-started/)\n"
        "  - **Spark**: [docs](https://spark.apache.org/docs/latest/) · "
        "[course](https://www.coursera.org/learn/spark) (en)\n"
        "  - Kafka\n"
        "  - Flink — [site](https://flink.apache.org/) and [intro](ftp://x)\n"
    )
    folder = write(tmp_path / "dados", {"dados.puml": diagram, "trilha-texto.md": texto})

    output = run(str(folder))

    docker = Topic.objects.get(key="docker")
    assert list(docker.resources.values_list("title", "url", "kind")) == [
        ("Get started", "https://docs.docker.com/get-started/", "documentation")
    ]
    spark = Topic.objects.get(key="spark")
    assert list(spark.resources.values_list("title", "url", "kind", "language")) == [
        ("docs", "https://spark.apache.org/docs/latest/", "documentation", ""),
        ("course", "https://www.coursera.org/learn/spark", "course", "en"),
    ]
    assert "“Docker" not in output and "“**Spark**" not in output
    assert (
        "trilha-texto.md:5: “Flink — [site](https://flink.apache.org/) and [intro](ftp://x)” "
        "matches no node of the diagram; its text and 1 links were not imported"
    ) in output


def test_dry_run_works_before_the_database_exists(tmp_path):
    folder = write(
        tmp_path / "mle",
        {
            "README.md": "# ML\n\n## Veja também\n\n- [Dados](../dados/README.md)\n",
            "mle.puml": DIAGRAM,
        },
    )
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}"}
    done = subprocess.run(
        [sys.executable, "manage.py", "import_track", "--dry-run", str(folder)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "6 topics"
    assert "Traceback" not in done.stderr
    assert "note: no usable database (not created or not migrated yet)" in done.stderr


def test_dry_run_of_a_bare_puml_says_existing_topics_keep_their_text(db, tmp_path):
    (tmp_path / "ml.puml").write_text(DIAGRAM, encoding="utf-8")
    run(str(tmp_path / "ml.puml"))
    out, err = io.StringIO(), io.StringIO()
    call_command("import_track", str(tmp_path / "ml.puml"), "--dry-run", stdout=out, stderr=err)
    assert (
        f"warning: {tmp_path}/ml.puml: no trilha-texto.md; existing topics keep their "
        "descriptions and resources"
    ) in err.getvalue()


def test_import_before_migrations_is_one_line(tmp_path):
    folder = write(tmp_path / "mle", {"mle.puml": DIAGRAM})
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}"}
    done = subprocess.run(
        [sys.executable, "manage.py", "import_track", str(folder)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert "the database cannot take the import" in done.stderr
