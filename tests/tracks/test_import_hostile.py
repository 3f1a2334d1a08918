"""Hostile track files: crafted archives, deep trees and text made to make the reader slow.

Each is refused (or read) with one line naming the file and the line, in bounded memory and
without a traceback, from the command line and from the curate page alike."""

import io
import struct
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from tracks.importer import TrackFileError, read_tracks, sources_from_zip
from tracks.models import Topic, Track
from tracks.plantuml.parser import DiagramError, clean_label, parse_plantuml

pytestmark = pytest.mark.usefixtures("english")

README = "# Deep\n\nAbout.\n"
SMALL = "@startmindmap\n* Data\n** SQL\n@endmindmap\n"


def zip_of(files: dict[str, bytes | str], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def headers(data: bytes, name: bytes) -> list[tuple[int, int]]:
    """(offset, kind) of the local (0) and central (1) headers of member `name`."""
    found = []
    index = data.find(name)
    while index >= 0:
        if data[index - 30 : index - 26] == b"PK\x03\x04":
            found.append((index - 30, 0))
        elif data[index - 46 : index - 42] == b"PK\x01\x02":
            found.append((index - 46, 1))
        index = data.find(name, index + 1)
    return found


def lying_zip(inflated: int) -> bytes:
    """A track whose trilha-texto.md says it holds 100 bytes and inflates to `inflated`."""
    data = bytearray(
        zip_of({"t/README.md": README, "t/t.puml": SMALL, "t/trilha-texto.md": b"\n" * inflated})
    )
    for offset, kind in headers(bytes(data), b"t/trilha-texto.md"):
        struct.pack_into("<I", data, offset + (22 if kind == 0 else 24), 100)
    return bytes(data)


def patched(flag: int = 0, method: int | None = None) -> bytes:
    data = bytearray(zip_of({"t/README.md": README, "t/t.puml": SMALL}))
    for name in (b"t/README.md", b"t/t.puml"):
        for offset, kind in headers(bytes(data), name):
            data[offset + (6 if kind == 0 else 8)] |= flag
            if method is not None:
                struct.pack_into("<H", data, offset + (8 if kind == 0 else 10), method)
    return bytes(data)


def bad_crc() -> bytes:
    data = zip_of({"t/README.md": README, "t/t.puml": SMALL})
    crc = zipfile.ZipFile(io.BytesIO(data)).getinfo("t/t.puml").CRC
    return data.replace(struct.pack("<I", crc), struct.pack("<I", crc ^ 1))


def corrupt_stream() -> bytes:
    data = bytearray(zip_of({"t/t.puml": SMALL * 50, "t/README.md": README}))
    (offset, _kind), *_rest = headers(bytes(data), b"t/t.puml")
    start = offset + 30 + len(b"t/t.puml")
    data[start : start + 20] = b"\xff" * 20
    return bytes(data)


def nested() -> bytes:
    prefix = "/".join(f"d{index}" for index in range(1500))
    return zip_of({f"{prefix}/t/t.puml": SMALL, f"{prefix}/t/README.md": README})


CRAFTED = {
    "bad-crc": (bad_crc, "t/t.puml: the archive is damaged (Bad CRC-32"),
    "encrypted": (lambda: patched(flag=1), "t/README.md: the file is encrypted"),
    "deflate64": (
        lambda: patched(method=9),
        "t/README.md: compressed with a method other than deflate",
    ),
    "corrupt-stream": (corrupt_stream, "t/t.puml: the archive is damaged (Error -3"),
    "nested-folders": (nested, "folders nested more than 16 deep"),
    "lying-sizes": (lambda: lying_zip(8 * 1024 * 1024), "the archive is damaged (Bad CRC-32"),
}


def test_a_member_inflating_past_its_declared_size_stops_at_the_limit_in_bounded_memory():
    data = lying_zip(64 * 1024 * 1024)  # 64 MiB declared as 100 bytes
    tracemalloc.start()
    try:
        with pytest.raises(TrackFileError) as error:
            sources_from_zip(data, "lying.zip")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert str(error.value).startswith("lying.zip/t/trilha-texto.md: the archive is damaged")
    assert peak < 8 * 1024 * 1024


def test_a_member_over_the_file_limit_is_refused_while_it_inflates():
    data = bytearray(zip_of({"t/README.md": README, "t/t.puml": SMALL + "\n" * (3 * 2**20)}))
    for offset, kind in headers(bytes(data), b"t/t.puml"):
        struct.pack_into("<I", data, offset + (22 if kind == 0 else 24), 100)
        struct.pack_into("<I", data, offset + (14 if kind == 0 else 16), 0)
    # Declared 100 bytes: a reader that trusts the header reads 100 and fails on the CRC; one
    # that counts bytes out refuses it either way, with the file named.
    with pytest.raises(TrackFileError) as error:
        sources_from_zip(bytes(data), "big.zip")
    assert str(error.value).startswith("big.zip/t/t.puml: ")


@pytest.mark.parametrize("case", sorted(CRAFTED))
def test_crafted_zip_on_the_command_line_is_one_line_and_a_non_zero_exit(db, tmp_path, case):
    make, message = CRAFTED[case]
    path = tmp_path / f"{case}.zip"
    path.write_bytes(make())
    for options in ([], ["--dry-run"]):
        with pytest.raises(CommandError) as error:
            call_command("import_track", str(path), *options, stdout=io.StringIO())
        text = str(error.value)
        assert text.startswith(f"{case}.zip/")
        assert message in text
        assert "\n" not in text
        assert len(text) < 400
    assert not Track.objects.exists()


@pytest.mark.parametrize("case", sorted(CRAFTED))
def test_crafted_zip_preview_is_a_400_with_the_reason(client, curator, case):
    make, message = CRAFTED[case]
    client.force_login(curator)
    upload = SimpleUploadedFile(f"{case}.zip", make(), content_type="application/zip")
    response = client.post(reverse("tracks:import-preview"), {"archive": upload})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert 'name="token"' not in response.content.decode()


def test_not_a_zip_at_all_is_a_400_with_the_reason(client, curator):
    client.force_login(curator)
    upload = SimpleUploadedFile("t.zip", b"PK\x03\x04 not really", content_type="application/zip")
    response = client.post(reverse("tracks:import-preview"), {"archive": upload})
    assert response.status_code == 400
    assert "t.zip: not a valid .zip file" in response.content.decode()


# --- deep trees ----------------------------------------------------------------------------


def chain(levels: int) -> str:
    return (
        "@startmindmap\n"
        + "".join(f"{'*' * (n + 1)} n{n}\n" for n in range(levels))
        + "@endmindmap\n"
    )


def write_track(folder: Path, diagram: str, readme: str = README, texto: str | None = None) -> Path:
    folder.mkdir(parents=True)
    (folder / "README.md").write_text(readme, encoding="utf-8")
    (folder / f"{folder.name}.puml").write_text(diagram, encoding="utf-8")
    if texto is not None:
        (folder / "trilha-texto.md").write_text(texto, encoding="utf-8")
    return folder


@pytest.mark.parametrize("levels", [31, 76, 1000])
def test_a_tree_deeper_than_30_levels_is_refused_naming_the_line(db, tmp_path, levels):
    folder = write_track(tmp_path / "deep", chain(levels))
    for options in ([], ["--dry-run"]):
        with pytest.raises(CommandError) as error:
            call_command("import_track", str(folder), *options, stdout=io.StringIO())
        assert str(error.value) == f"{folder}/deep.puml:32: the tree is deeper than 30 levels"
    assert not Track.objects.exists()


def test_a_tree_of_exactly_30_levels_imports_and_its_pages_render(client, alice, tmp_path):
    folder = write_track(tmp_path / "deep", chain(30))
    call_command("import_track", str(folder), stdout=io.StringIO())
    assert Topic.objects.filter(track__slug="deep").count() == 30
    Track.objects.filter(slug="deep").update(published=True)
    client.force_login(alice)
    response = client.get(Track.objects.get(slug="deep").get_absolute_url())
    assert response.status_code == 200
    assert "n29" in response.content.decode()


def test_deep_wbs_is_refused_too():
    text = "@startwbs\n" + "".join(f"{'*' * (n + 1)} n{n}\n" for n in range(500)) + "@endwbs\n"
    with pytest.raises(DiagramError) as error:
        parse_plantuml(text, "w.puml")
    assert str(error.value) == "w.puml:32: the tree is deeper than 30 levels"


# --- text made to be slow --------------------------------------------------------------------


def test_a_line_of_20000_link_openers_is_rejected_as_too_long():
    text = "@startmindmap\n* T\n** " + "[[" * 20000 + "\n@endmindmap\n"
    with pytest.raises(DiagramError) as error:
        parse_plantuml(text, "t.puml")
    assert str(error.value) == "t.puml:3: the node text is longer than 500 characters"


@pytest.mark.parametrize(
    ("raw", "title"),
    [
        ("**x" * 3000, "x" * 3000),
        ("**x" * 3001, "x" * 3000 + "**x"),
        ("//x" * 3000, "x" * 3000),
        ("a" + " " * 20000 + "[#red]", "a"),
        ("<img:" * 5000, "<img:" * 5000),
        ("[[http://a{" + "{" * 5000 + " A]]", "A"),
        ("[[" * 5000 + "x", "[[" * 5000 + "x"),
        (
            "[[https://example.com Site]] **bold** //it// http://x.org/a //b//",
            "Site bold it http://x.org/a b",
        ),
    ],
)
def test_labels_made_of_repeated_markup_are_cleaned_as_before(raw, title):
    assert " ".join(clean_label(raw).title.split()) == " ".join(title.split())


def test_5000_variables_each_used_once_are_substituted(db, tmp_path):
    lines = ["@startmindmap", "* T"]
    for number in range(5000):
        lines += [f'!$v{number} = "x{number}"', f"** $v{number}"]
    folder = write_track(tmp_path / "vars", "\n".join(lines) + "\n@endmindmap\n")
    (plan,) = read_tracks(folder)
    assert len(plan.topics) == 5001
    assert [topic.title for topic in plan.topics[1:4]] == ["x0", "x1", "x2"]


def test_a_bold_looking_readme_line_full_of_spaces_is_read(db, tmp_path):
    folder = write_track(tmp_path / "bold", SMALL, readme="# Bold\n\n**a" + " " * 1600 + "x\n")
    out = io.StringIO()
    call_command("import_track", str(folder), stdout=out)
    assert Track.objects.get(slug="bold").description.startswith("**a")


def test_a_heading_full_of_spaces_is_reported_quoting_it(db, tmp_path):
    texto = "# a" + " " * 48000 + "b\n"
    folder = write_track(tmp_path / "spaces", SMALL, texto=texto)
    (plan,) = read_tracks(folder)
    assert any("trilha-texto.md:1: “a b” matches no node" in warning for warning in plan.warnings)


def test_a_multiline_node_ending_far_after_its_semicolon_is_read():
    text = "@startmindmap\n* T\n**:first\nsecond;" + " " * 20000 + "x\nthird;\n@endmindmap\n"
    diagram = parse_plantuml(text, "t.puml")
    (child,) = diagram.roots[0].children
    assert child.title == "first"
    assert child.note.startswith("second;")


def test_thousands_of_equal_titles_match_in_order_and_get_numbered_keys(db, tmp_path):
    diagram = "@startmindmap\n* T\n" + "** a\n" * 3000 + "@endmindmap\n"
    texto = "# T\n\n" + "".join(f"## a\n\nText {number}.\n\n" for number in range(3000))
    folder = write_track(tmp_path / "same", diagram, texto=texto)
    (plan,) = read_tracks(folder)
    assert [topic.key for topic in plan.topics[:4]] == ["t", "a", "t-a", "t-a-2"]
    assert plan.topics[-1].key == "t-a-2999"
    assert plan.topics[-1].description == "Text 2999."
    assert not plan.warnings
