import pytest

from tracks.plantuml.parser import DiagramError, clean_label, escape_label, parse_plantuml
from tracks.plantuml.writer import write_plantuml

# Assertions read the English messages, whatever the default language.
pytestmark = pytest.mark.usefixtures("english")


def outline(text: str) -> list[str]:
    return ["  " * node.depth + node.title for node in parse_plantuml(text, "t.puml").walk()]


def test_star_markers_build_the_tree():
    text = "@startmindmap\n* Root\n** A\n*** A1\n** B\n@endmindmap\n"
    assert outline(text) == ["Root", "  A", "    A1", "  B"]


def test_plus_and_minus_markers_mix_with_stars_and_set_the_side():
    text = "@startmindmap\n+ Root\n++ Right\n-- Left\n--- Left child\n** Star child\n@endmindmap"
    diagram = parse_plantuml(text)
    sides = {node.title: node.side for node in diagram.walk()}
    assert outline(text) == ["Root", "  Right", "  Left", "    Left child", "  Star child"]
    assert sides["Left"] == "left" and sides["Left child"] == "left"
    assert sides["Right"] == "right" and sides["Star child"] == "right"


def test_each_side_continues_its_own_branch():
    text = "@startmindmap\n+ Root\n++ A\n-- B\n+++ Under A\n@endmindmap"
    root = parse_plantuml(text).roots[0]
    assert [child.title for child in root.children] == ["A", "B"]
    assert [child.title for child in root.children[0].children] == ["Under A"]


def test_markers_without_space_and_with_leading_whitespace():
    text = "@startmindmap\n*Root\n **Child\n     ***Grandchild\n    ** Other\n@endmindmap"
    assert outline(text) == ["Root", "  Child", "    Grandchild", "  Other"]


def test_markdown_style_indentation_with_single_stars():
    text = (
        "    @startmindmap\n    * Root\n        * A\n            * A1\n        * B\n    @endmindmap"
    )
    assert outline(text) == ["Root", "  A", "    A1", "  B"]


def test_indentation_that_matches_no_level_is_rejected():
    text = "@startmindmap\n* Root\n    * A\n        * A1\n      * Lost\n@endmindmap"
    with pytest.raises(DiagramError) as error:
        parse_plantuml(text, "t.puml")
    assert error.value.line == 5


def test_boxless_colour_and_stereotype():
    text = (
        "@startmindmap\n*[#Orange] Root <<title>>\n**_ Plain\n***[#61DAFB]_ Both<<x>>\n@endmindmap"
    )
    nodes = list(parse_plantuml(text).walk())
    assert [(node.title, node.colour, node.boxless) for node in nodes] == [
        ("Root", "#Orange", False),
        ("Plain", "", True),
        ("Both", "#61DAFB", True),
    ]


def test_multiline_node_takes_its_first_line_as_title_and_the_rest_as_note():
    text = (
        "@startmindmap\n* Root\n**: **Fundamental**\n  - int, float\n  - const\n;\n"
        "**:Short;\n**_: [[https://x.org/std Standard]]\n    //basics//;\n** After\n@endmindmap"
    )
    nodes = {node.title: node for node in parse_plantuml(text).walk()}
    assert list(nodes) == ["Root", "Fundamental", "Short", "Standard", "After"]
    assert nodes["Fundamental"].note == "- int, float\n- const"
    assert nodes["Standard"].note == "basics"
    assert nodes["Standard"].link == "https://x.org/std"
    assert nodes["Standard"].boxless


def test_emoji_shortcode_after_a_space_does_not_start_a_multiline_node():
    text = "@startmindmap\n* :island: **ISLAND**\n** :hammer: Crafting\n*** Tools\n@endmindmap"
    assert outline(text) == [":island: ISLAND", "  :hammer: Crafting", "    Tools"]


def test_unclosed_multiline_node_is_rejected_at_its_first_line():
    with pytest.raises(DiagramError) as error:
        parse_plantuml("@startmindmap\n* Root\n**: open\nstill open\n@endmindmap", "t.puml")
    assert error.value.line == 3


def test_links_icons_emoji_images_and_creole_leave_the_text():
    text = (
        "@startmindmap\n"
        "* <&home> **Pico**\\nJuego\n"
        "** [[https://example.com/a Label with spaces]]\n"
        '** <:zap:> //Italic// and --strike-- and __under__ and ""mono"" <&star>\n'
        "** <color:red>Red</color> <b>bold</b> <size:18>big</size> <img:x.png>\n"
        "** ~**not bold~** C~~ 100~% \n"
        "@endmindmap"
    )
    assert outline(text) == [
        "Pico Juego",
        "  Label with spaces",
        "  Italic and strike and under and mono",
        "  Red bold big",
        "  **not bold** C~ 100%",
    ]


def test_style_skinparam_titles_legends_and_comments_are_skipped():
    text = (
        "@startmindmap Name\n"
        "title My map\ncaption Draft\nheader\nsome header\nendheader\nfooter f\n"
        "legend right\n** not a node\nendlegend\n"
        "skinparam backgroundcolor transparent\nskinparam node {\n  ** nope\n}\n"
        "<style>\nmindmapDiagram {\n  .a { BackgroundColor red }\n}\n</style>\n"
        "' a comment\n/' a block\n** commented out\n'/\n/' one line '/\n"
        "top to bottom direction\nscale 2\n"
        "* Root\n** Child\n@endmindmap"
    )
    diagram = parse_plantuml(text)
    assert diagram.title == "My map"
    assert outline(text) == ["Root", "  Child"]


def test_left_side_and_right_side_switch_the_side_of_star_nodes():
    text = (
        "@startmindmap\n* Root\n** R1\nleft side \n** L1\n*** L1a\nright side\n** R2\n@endmindmap"
    )
    nodes = {node.title: node.side for node in parse_plantuml(text).walk()}
    assert nodes == {"Root": "right", "R1": "right", "L1": "left", "L1a": "left", "R2": "right"}


def test_crlf_no_final_newline_and_missing_end_tag():
    text = "@startmindmap\r\n* Root\r\n** Child\r\n*** Leaf"
    assert outline(text) == ["Root", "  Child", "    Leaf"]


def test_several_roots():
    text = "@startmindmap\n*A\n**A1\n*B\n**B1\n*C\n@endmindmap"
    diagram = parse_plantuml(text)
    assert [root.title for root in diagram.roots] == ["A", "B", "C"]
    assert diagram.node_count == 5


def test_wbs_direction_markers_set_the_side_and_are_not_text():
    text = "@startwbs\n* A1\n** B1\n***< C1\n***> C2\n***_ C3\n@endwbs"
    diagram = parse_plantuml(text)
    nodes = {node.title: node for node in diagram.walk()}
    assert diagram.kind == "wbs"
    assert nodes["C1"].side == "left" and nodes["C2"].side == "right"
    assert nodes["C3"].boxless


def test_direction_marker_in_a_mind_map_is_text():
    text = "@startmindmap\n* Root\n** > Mecánicas <<lvl1a>> [#8ecae6]\n** < Arte\n@endmindmap"
    diagram = parse_plantuml(text, "t.puml")
    assert outline(text) == ["Root", "  > Mecánicas", "  < Arte"]
    assert "t.puml:3" in diagram.warnings[0]


def test_simple_preprocessor_variables_are_substituted():
    text = (
        '@startmindmap\n!$URL = "https://x.org/cpp"\n* Root\n** [[$URL/intro Intro]]\n'
        "** $100 offer\n@endmindmap"
    )
    nodes = list(parse_plantuml(text).walk())
    assert nodes[1].link == "https://x.org/cpp/intro"
    assert nodes[2].title == "$100 offer"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("!include base.puml", "includes are not followed"),
        ("!includeurl https://x.org/a.puml", "includes are not followed"),
        ("!if $a == 1", "!if is not supported"),
        ('!$x = "a" + "b"', "only simple variables"),
        ("this is not plantuml", "cannot understand"),
    ],
)
def test_lines_it_cannot_run_or_understand_are_rejected_with_the_line(line, reason):
    with pytest.raises(DiagramError) as error:
        parse_plantuml(f"@startmindmap\n* Root\n{line}\n** Child\n@endmindmap", "x.puml")
    assert error.value.line == 3
    assert str(error.value).startswith("x.puml:3: ")
    assert reason in str(error.value)


def test_first_node_deeper_than_a_root_is_rejected():
    with pytest.raises(DiagramError) as error:
        parse_plantuml("@startmindmap\n\n*** Deep\n@endmindmap", "x.puml")
    assert error.value.line == 3
    assert "level 3" in str(error.value)


def test_a_jump_of_two_levels_is_rejected():
    with pytest.raises(DiagramError) as error:
        parse_plantuml("@startmindmap\n* Root\n** A\n**** Too deep\n@endmindmap", "x.puml")
    assert error.value.line == 4
    assert "from 2 to 4" in str(error.value)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "* Root\n** Child\n",
        "@startuml\nA -> B\n@enduml",
        "@startmindmap\n' nothing\n@endmindmap",
    ],
)
def test_files_without_a_diagram_are_rejected(text):
    with pytest.raises(DiagramError):
        parse_plantuml(text, "x.puml")


@pytest.mark.parametrize(
    "title",
    [
        "Plain",
        "**bold** and //slashes// and --dashes-- and __under__",
        "C++ / C# ~ tilde",
        "<&icon> <<stereo>> [[not a link]] <b>tag</b>",
        "= heading-looking",
        "ends with [#colour]",
        ":starts with colon;",
        "http://example.com//path",
        "back\\nslash",
        "Ünïcödé 中文 кириллица 🚀",
    ],
)
def test_escaped_titles_read_back_unchanged(title):
    assert clean_label(escape_label(title)).title == title


def test_writer_output_reads_back_to_the_same_tree():
    text = (
        "@startmindmap\n*[#Orange] Root\n** R1\n***_ R1a\nleft side\n** L1\n*** L1a\n"
        "right side\n** R2\n* Second root\n** S1\n@endmindmap\n"
    )
    diagram = parse_plantuml(text)
    written = write_plantuml(diagram.roots)
    assert written == text
    again = parse_plantuml(written)
    assert [(n.title, n.depth, n.side, n.colour, n.boxless) for n in again.walk()] == [
        (n.title, n.depth, n.side, n.colour, n.boxless) for n in diagram.walk()
    ]


def test_writer_keeps_wbs_directions():
    diagram = parse_plantuml("@startwbs\n* A\n** B\n***< C\n*** D\n@endwbs")
    assert write_plantuml(diagram.roots, "wbs") == "@startwbs\n* A\n** B\n***< C\n*** D\n@endwbs\n"
