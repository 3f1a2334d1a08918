"""The importer against real diagrams people wrote (../shared/corpus/plantuml, used in place).

SOURCES.md there lists each file with the number of nodes PlantUML itself draws and whether
PlantUML renders it; every file PlantUML renders must import with that many topics, the others
must be rejected with the line of the problem.
"""

import re
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tracks.models import Topic, Track
from tracks.plantuml.parser import parse_plantuml

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "plantuml"
ROW = re.compile(
    r"^\| (?P<number>\d+) \| `(?P<file>[^`]+)` \|.*\| (?P<kind>mindmap|wbs) \| (?P<nodes>\d+)"
    r"[^|]*\| (?P<plantuml>[^|]+) \|"
)


def corpus_rows() -> list[dict[str, str]]:
    sources = CORPUS / "SOURCES.md"
    if not sources.exists():
        return []
    rows = []
    for line in sources.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match:
            rows.append(match.groupdict())
    return rows


ROWS = corpus_rows()
RENDERED = [row for row in ROWS if row["plantuml"].strip().startswith("OK")]
REJECTED = [row for row in ROWS if not row["plantuml"].strip().startswith("OK")]

pytestmark = [
    pytest.mark.usefixtures("english"),
    pytest.mark.skipif(
        not ROWS, reason=f"the PlantUML corpus is not at {CORPUS} (shared/ beside the clone)"
    ),
]


def test_corpus_lists_all_its_files():
    assert len(ROWS) == 24
    assert len(REJECTED) == 2


@pytest.mark.parametrize("row", RENDERED, ids=lambda row: row["number"])
def test_diagram_plantuml_renders_parses_with_its_node_count(row):
    diagram = parse_plantuml((CORPUS / row["file"]).read_text(encoding="utf-8"), row["file"])
    assert diagram.kind == row["kind"]
    assert diagram.node_count == int(row["nodes"])


@pytest.mark.parametrize("row", RENDERED, ids=lambda row: row["number"])
def test_diagram_plantuml_renders_imports_with_its_node_count(db, row):
    call_command("import_track", str(CORPUS / row["file"]), verbosity=0)
    track = Track.objects.get()
    assert Topic.objects.filter(track=track).count() == int(row["nodes"])
    assert track.diagram_kind == row["kind"]


@pytest.mark.parametrize("row", REJECTED, ids=lambda row: row["number"])
def test_diagram_with_include_is_rejected_with_the_line_and_writes_nothing(db, row):
    path = CORPUS / row["file"]
    include_line = next(
        number
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if line.startswith("!include")
    )
    with pytest.raises(CommandError) as error:
        call_command("import_track", str(path), verbosity=0)
    assert f"{row['file']}:{include_line}: " in str(error.value)
    assert "include" in str(error.value)
    assert "\n" not in str(error.value)
    assert not Track.objects.exists()


def test_multiline_bodies_are_not_nodes_and_variables_fill_links():
    diagram = parse_plantuml((CORPUS / "04_cpp-roadmap-vi.puml").read_text(encoding="utf-8"))
    nodes = {node.title: node for node in diagram.walk()}
    assert nodes["Fundamental"].note.startswith("- ")
    assert "Overview" in nodes
    assert not any("$URL" in title for title in nodes)


def test_variable_holding_an_image_leaves_the_node_text():
    diagram = parse_plantuml((CORPUS / "29_linux-preproc-var.puml").read_text(encoding="utf-8"))
    assert [node.title for node in diagram.walk()] == ["Linux System", "Tool", "CLI"]


def test_emoji_shortcodes_stay_text_and_do_not_swallow_nodes():
    diagram = parse_plantuml((CORPUS / "20_island-survivor-es.puml").read_text(encoding="utf-8"))
    assert diagram.roots[0].title == ":island: ISLAND SURVIVOR"
    assert [child.title for child in diagram.roots[0].children] == [
        ":hammer: Crafting",
        ":seedling: Recursos",
        ":skull: Enemigos",
        ":heart: Estado del Jugador",
    ]


def test_direction_marks_in_a_mind_map_are_label_text():
    diagram = parse_plantuml(
        (CORPUS / "39_frozen-coast-misplaced-es.puml").read_text(encoding="utf-8")
    )
    titles = [child.title for child in diagram.roots[0].children]
    assert titles[0] == "> 🔧 Mecánicas"
    assert "< 🎨 Arte & Audio" in titles


def test_unterminated_diagram_keeps_its_last_node():
    diagram = parse_plantuml(
        (CORPUS / "37_supervivencia-unterminated-es.puml").read_text(encoding="utf-8")
    )
    assert list(diagram.walk())[-1].title == "Flora y Fauna"


def test_link_labels_are_titles_and_links_become_resources(db):
    call_command("import_track", str(CORPUS / "01_tlroadmap-teamlead-ru.puml"), verbosity=0)
    topic = Topic.objects.get(title="One-to-one")
    resource = topic.resources.get()
    assert resource.url.endswith("/skills/resource-manager/one-to-one.md")


def test_cyrillic_titles_get_stable_hash_keys(db):
    call_command("import_track", str(CORPUS / "03_solution-architect-ru.puml"), verbosity=0)
    keys = list(Topic.objects.values_list("key", flat=True))
    assert len(keys) == len(set(keys)) == 37
    assert all(re.fullmatch(r"[-a-zA-Z0-9_]{1,120}", key) for key in keys)
    assert Topic.objects.get(title="Архитектор").key.startswith("t-")
