"""Node text after post-processing: PlantUML's one `<text>` per word becomes one per line,
its width pinned as a whole, so that browsers with other fonts do not pull words apart."""

from __future__ import annotations

import re

from tracks.plantuml.svg import annotate

LINK = (
    '<a href="/t/a/" xlink:href="/t/a/" title="/t/a/">'
    '<text x="{x}" y="{y}" fill="#00F" font-size="14" textLength="{w}"'
    ' text-decoration="underline">{word}</text></a>'
)
SPACE = '<a href="/t/a/"><text x="{x}" y="{y}" font-size="14"> </text></a>'


def svg_of(lines: list[list[tuple[float, float, str]]]) -> str:
    parts = ['<rect x="10" y="20" width="200" height="60" fill="#F1F1F1"/>']
    for number, words in enumerate(lines):
        y = 40 + 16 * number
        for index, (x, width, word) in enumerate(words):
            if index:
                parts.append(SPACE.format(x=x - 4, y=y))
            parts.append(LINK.format(x=x, y=y, w=width, word=word))
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
        ' viewBox="0 0 300 100" width="300px"><g>' + "".join(parts) + "</g></svg>"
    )


def test_words_of_a_line_become_one_text_pinned_as_a_whole():
    source = svg_of(
        [[(20, 79.8, "Inferência"), (104, 17.5, "em")], [(20, 40.0, "tempo"), (64, 25.0, "real")]]
    )

    out = annotate(source, {"/t/a/": ("a", "Inferência em tempo real")})

    texts = re.findall(r"<text ([^>]*)>([^<]*)</text>", out)
    assert [content for _attributes, content in texts] == ["Inferência em", "tempo real"]
    first, second = (attributes for attributes, _content in texts)
    assert 'textLength="101.5"' in first and 'lengthAdjust="spacing"' in first
    assert 'x="20"' in first and 'y="40"' in first
    assert 'textLength="69"' in second
    assert 'fill="#00F"' not in out and "underline" not in out


def test_the_nodes_text_reads_like_its_accessible_name():
    source = svg_of([[(20, 50, "Engenharia"), (74, 15, "de")], [(20, 60, "Machine")]])

    out = annotate(source, {"/t/a/": ("a", "Engenharia de Machine")})

    group = re.search(r'<g class="topic" data-topic="a">(.*?)</g>', out).group(1)
    visible = re.sub(r"<title>.*?</title>|<[^>]+>", "", group)
    assert " ".join(visible.split()) == "Engenharia de Machine"
    assert 'aria-label="Engenharia de Machine"' in out
