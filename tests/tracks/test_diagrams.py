"""Track diagrams: PlantUML source, rendering through a real PlantUML, post-processing, and the
track page that shows one viewer's statuses on the stored SVG."""

from __future__ import annotations

import gzip
import http.server
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.core.management import call_command, get_commands
from django.urls import reverse

from progress.models import TopicProgress
from tests.conftest import topic
from tracks import diagrams
from tracks.diagrams import Outcome, refresh_track_diagram, render_track_diagram
from tracks.models import Diagram, RenderJob, Topic, Track
from tracks.plantuml import renderer
from tracks.plantuml.local import free_port
from tracks.plantuml.renderer import RenderError, render_svg
from tracks.plantuml.source import diagram_source, escape_title
from tracks.plantuml.svg import UnmatchedNodeError, annotate
from tracks.render_queue import work_one
from tracks.templatetags.diagrams import diagram_highlight_css

# Assertions read the English messages, whatever the default language.
pytestmark = pytest.mark.usefixtures("english")

CORPUS = Path(settings.BASE_DIR).parent / "shared" / "corpus" / "plantuml"
CONTENT = Path(settings.BASE_DIR) / "tracks" / "content"
TOPIC_GROUP = re.compile(r'<g class="topic[^"]*" data-topic="([^"]+)">')


def topic_groups(svg: str) -> list[str]:
    return TOPIC_GROUP.findall(svg)


def status_of(html: str, key: str) -> str:
    match = re.search(rf'<g class="topic ?([^"]*)" data-topic="{re.escape(key)}">', html)
    assert match, f"no node for {key}"
    return match.group(1)


def tree_from_plantuml(text: str, slug: str) -> Track:
    """A track whose topics are the nodes of a PlantUML file, read by the track parser."""
    parsed = pytest.importorskip("tracks.plantuml.parser").parse_plantuml(text)
    track = Track.objects.create(slug=slug, title=slug, diagram_kind=Track.DiagramKind(parsed.kind))
    ids: dict[int, Topic] = {}
    for order, node in enumerate(parsed.walk()):
        ids[id(node)] = Topic.objects.create(
            track=track,
            parent=ids[id(node.parent)] if node.parent is not None else None,
            key=f"n{order}",
            title=node.title,
            order=order,
            side=node.side,
            colour=node.colour,
            boxless=node.boxless,
        )
    return track


# --- source --------------------------------------------------------------------------------


def test_source_links_every_live_topic_to_its_page(track):
    Topic.objects.filter(key="batch").update(retired=True)

    source = diagram_source(track)

    assert source.startswith("@startmindmap\n")
    assert source.rstrip().endswith("@endmindmap")
    assert "+ [[/tracks/ml/t/ml/ Machine Learning]]" in source
    assert "+++ [[/tracks/ml/t/python/ Python]]" in source
    assert "/t/batch/" not in source


def test_source_puts_left_branches_on_the_left_with_colour_and_boxless_nodes(track):
    Topic.objects.filter(key="serving").update(colour="#61DAFB")
    Topic.objects.filter(key="apis").update(boxless=True, colour="Orange")

    source = diagram_source(track)

    assert "--[#61DAFB] [[/tracks/ml/t/serving/ Serving]]" in source
    assert "---[#Orange]_ [[/tracks/ml/t/apis/ APIs]]" in source
    assert "+++ [[/tracks/ml/t/statistics/ Statistics]]" in source


def test_source_wraps_long_titles_and_ignores_unsafe_colours(track):
    Topic.objects.filter(key="apis").update(colour="red]] ** evil")
    Topic.objects.filter(key="batch").update(colour="#GGHHII")  # PlantUML: "No such color"

    source = diagram_source(track)

    assert re.search(r"node \{ MaximumWidth \d+ \}", source)
    assert "--- [[/tracks/ml/t/apis/ APIs]]" in source
    assert "GGHHII" not in source


def test_titles_are_plain_text_on_one_line():
    assert escape_title("C++ [draft]\n  ~home~ ") == "C++ &#91;draft&#93; &#126;home&#126;"
    assert escape_title("100% <&home> %date() a\\nb") == (
        "100&#37; &#60;&#38;home> &#37;date() a&#92;nb"
    )


def test_wbs_tracks_get_a_wbs(track):
    track.diagram_kind = Track.DiagramKind.WBS
    track.save()

    source = diagram_source(track)

    assert source.startswith("@startwbs\n")
    assert "*** [[/tracks/ml/t/python/ Python]]" in source
    assert "**< [[/tracks/ml/t/serving/ Serving]]" in source


# --- without a renderer ----------------------------------------------------------------------


def test_without_renderer_refresh_records_why_and_returns_quickly(track, settings):
    settings.PLANTUML_URL = ""
    started = time.perf_counter()

    refresh_track_diagram(track)

    assert time.perf_counter() - started < 0.5
    track.refresh_from_db()
    assert track.diagram is None
    assert "PLANTUML_URL" in track.diagram_error


def test_track_page_without_diagram_shows_outline_and_reason(client, track, settings):
    settings.PLANTUML_URL = ""
    refresh_track_diagram(track)

    response = client.get(reverse("progress:track", args=["ml"]))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="diagram-missing"' in html
    assert "PLANTUML_URL" in html
    assert "Statistics" in html  # the outline
    assert "<svg" not in html.split('class="diagram-area"')[1].split("</section>")[0]


def test_plantumls_own_error_is_shown_to_curators_only(client, track, curator, charlie):
    error = "PlantUML error on line 17: No such color"
    Track.objects.filter(pk=track.pk).update(diagram_error=error)

    anonymous = client.get(reverse("progress:track", args=["ml"])).content.decode()
    client.force_login(charlie)
    learner = client.get(reverse("progress:track", args=["ml"])).content.decode()
    client.force_login(curator)
    staff = client.get(reverse("progress:track", args=["ml"])).content.decode()

    for html in (anonymous, learner):
        assert "No such color" not in html
        assert "The diagram server could not draw this version of the track." in html
    assert error in staff


def test_server_that_is_down_is_a_render_error_naming_the_cause(track, settings):
    settings.PLANTUML_URL = f"http://127.0.0.1:{free_port()}/"

    with pytest.raises(RenderError, match="cannot be reached"):
        render_svg("@startmindmap\n* a\n@endmindmap\n")
    outcome = render_track_diagram(track)

    assert outcome == Outcome.FAILED
    track.refresh_from_db()
    assert "cannot be reached" in track.diagram_error


class _PngHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        body = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def test_a_png_answer_is_a_render_error():
    server = http.server.HTTPServer(("127.0.0.1", 0), _PngHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with pytest.raises(RenderError, match="SVG"):
            render_svg(
                "@startmindmap\n* a\n@endmindmap\n", f"http://127.0.0.1:{server.server_port}"
            )
    finally:
        server.shutdown()
        server.server_close()


def test_annotate_refuses_a_node_without_a_topic():
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><g>'
        '<rect x="0" y="0" width="5" height="5"/><text x="1" y="1">Stray</text>'
        '<rect x="5" y="0" width="5" height="5"/>'
        '<a href="/tracks/ml/t/ml/"><text x="6" y="1">ML</text></a>'
        "</g></svg>"
    )

    with pytest.raises(UnmatchedNodeError, match="Stray"):
        annotate(svg, {"/tracks/ml/t/ml/": ("ml", "ML"), "/tracks/ml/t/x/": ("x", "X")})


def test_annotate_refuses_a_topic_missing_from_the_drawing():
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><g>'
        '<rect x="5" y="0" width="5" height="5"/>'
        '<a href="/tracks/ml/t/ml/"><text x="6" y="1">ML</text></a>'
        "</g></svg>"
    )

    with pytest.raises(UnmatchedNodeError, match="Python"):
        annotate(svg, {"/tracks/ml/t/ml/": ("ml", "ML"), "/tracks/ml/t/py/": ("py", "Python")})


def test_highlight_css_never_writes_a_key_that_could_break_out():
    css = diagram_highlight_css({"python": "done", 'x"]</style><script>': "done"})

    assert '[data-topic="python"]' in css
    assert "</style>" not in css
    assert "<script>" not in css


# --- with a real PlantUML --------------------------------------------------------------------


@pytest.mark.plantuml
def test_track_renders_with_every_node_wrapped_as_one_link(track, plantuml):
    assert render_track_diagram(track) == Outcome.RENDERED

    track.refresh_from_db()
    svg = track.diagram.svg
    assert track.diagram_error == ""
    # In outline order, which is the order Tab visits them.
    assert topic_groups(svg) == ["ml", "basics", "python", "statistics", "serving", "apis", "batch"]
    assert svg.count('class="topic-link"') == 7
    assert '<a href="/tracks/ml/t/python/" class="topic-link" aria-label="Python">' in svg
    assert "<title>Python</title>" in svg
    assert "<?plantuml" not in svg and "<!--" not in svg
    root = svg[: svg.index(">")]
    assert "viewBox=" in root
    assert " width=" not in root and " height=" not in root and "preserveAspectRatio" not in root
    assert 'fill="#00F"' not in svg
    assert track.diagram.renderer_version.startswith("plantuml 1.")


@pytest.mark.plantuml
def test_titles_that_look_like_plantuml_render_verbatim(track, plantuml):
    Topic.objects.filter(key="apis").update(title="APIs [REST] ~ 100% <&home> end~")

    assert render_track_diagram(track) == Outcome.RENDERED

    track.refresh_from_db()
    group = track.diagram.svg.split('data-topic="apis">')[1].split("</g>")[0]
    words = re.findall(r"<text[^>]*>([^<]*)</text>", group)
    # Compared without spaces: a wrapped title has no space element at its line breaks.
    assert "".join("".join(words).split()) == "APIs[REST]~100%&lt;&amp;home&gt;end~"


@pytest.mark.plantuml
def test_syntax_error_names_plantumls_line(plantuml):
    with pytest.raises(RenderError, match=r"line 2: Syntax Error"):
        render_svg("@startmindmap\nnot a node\n@endmindmap\n")


@pytest.mark.plantuml
def test_unicode_titles_survive_the_round_trip(track, plantuml):
    Topic.objects.filter(key="python").update(title="Estatística 中文 ⚙️ Ünïcode")

    render_track_diagram(track)

    track.refresh_from_db()
    assert "Estatística" in track.diagram.svg
    assert "中文" in track.diagram.svg


@pytest.mark.plantuml
def test_an_unchanged_track_is_not_rendered_again(track, plantuml):
    render_track_diagram(track)
    first = Track.objects.get(pk=track.pk).diagram_id

    with mock.patch.object(diagrams, "render_svg", wraps=render_svg) as render:
        outcome = render_track_diagram(Track.objects.get(pk=track.pk))

    assert outcome == Outcome.CACHED
    assert render.call_count == 0
    assert Track.objects.get(pk=track.pk).diagram_id == first


@pytest.mark.plantuml
def test_an_edited_track_gets_a_new_diagram_and_the_old_one_goes(track, plantuml):
    render_track_diagram(track)
    old = Track.objects.get(pk=track.pk).diagram_id
    Topic.objects.filter(key="python").update(title="Python 3")

    assert render_track_diagram(Track.objects.get(pk=track.pk)) == Outcome.RENDERED

    track.refresh_from_db()
    assert track.diagram_id != old
    assert "Python 3" in track.diagram.svg
    assert not Diagram.objects.filter(pk=old).exists()


@pytest.mark.plantuml
def test_a_failed_render_keeps_a_diagram_of_the_same_topics(track, plantuml, settings):
    render_track_diagram(track)
    kept = Track.objects.get(pk=track.pk).diagram_id
    settings.PLANTUML_URL = ""

    render_track_diagram(Track.objects.get(pk=track.pk))

    assert Track.objects.get(pk=track.pk).diagram_id == kept


@pytest.mark.plantuml
def test_render_diagrams_command_renders_then_reuses(track, plantuml, capsys):
    call_command("render_diagrams")
    first = capsys.readouterr().out
    call_command("render_diagrams", "ml")
    second = capsys.readouterr().out

    assert "ml: rendered" in first
    assert "ml: cached" in second


@pytest.mark.plantuml
def test_admin_edit_of_a_topic_queues_the_diagram_and_the_worker_draws_it(
    client, curator, track, plantuml
):
    render_track_diagram(track)
    python = topic(track, "python")
    client.force_login(curator)
    url = reverse("admin:tracks_topic_change", args=[python.pk])
    data = {
        "track": track.pk,
        "parent": python.parent_id,
        "key": "python",
        "title": "Python for data",
        "description": "",
        "order": python.order,
        "side": "right",
        "colour": "",
        "resources-TOTAL_FORMS": "0",
        "resources-INITIAL_FORMS": "0",
        "resources-MIN_NUM_FORMS": "0",
        "resources-MAX_NUM_FORMS": "1000",
    }

    response = client.post(url, data)

    assert response.status_code == 302
    assert RenderJob.objects.filter(track=track).exists()
    work_one()
    track.refresh_from_db()
    assert "Python for data" in track.diagram.svg
    assert not RenderJob.objects.exists()


# --- the track page --------------------------------------------------------------------------


@pytest.fixture
def rendered(track, plantuml):
    render_track_diagram(track)
    return track


@pytest.mark.plantuml
def test_page_marks_the_viewers_done_topics_and_not_other_peoples(client, alice, charlie, rendered):
    TopicProgress.objects.create(user=alice, topic=topic(rendered, "python"), status="done")
    TopicProgress.objects.create(user=alice, topic=topic(rendered, "apis"), status="doing")
    TopicProgress.objects.create(user=charlie, topic=topic(rendered, "statistics"), status="done")
    client.force_login(alice)

    html = client.get(reverse("progress:track", args=["ml"])).content.decode()

    assert "status-done" in status_of(html, "python")
    assert "status-doing" in status_of(html, "apis")
    assert status_of(html, "statistics") == ""
    style = html.split('<style id="diagram-highlights"')[1].split("</style>")[0]
    assert '[data-topic="python"]' in style
    assert '[data-topic="statistics"]' not in style


@pytest.mark.plantuml
def test_page_shows_mentor_confirmed_topics_apart_from_self_reported(client, alice, bob, rendered):
    TopicProgress.objects.create(
        user=alice, topic=topic(rendered, "python"), status="done", confirmed_by=bob
    )
    TopicProgress.objects.create(user=alice, topic=topic(rendered, "batch"), status="skipped")
    client.force_login(alice)

    html = client.get(reverse("progress:track", args=["ml"])).content.decode()

    assert "status-confirmed" in status_of(html, "python")
    assert "status-skipped" in status_of(html, "batch")
    assert 'class="swatch-confirmed"' in html  # the legend


@pytest.mark.plantuml
def test_anonymous_visitors_see_the_diagram_without_highlights(client, alice, rendered):
    TopicProgress.objects.create(user=alice, topic=topic(rendered, "python"), status="done")

    response = client.get(reverse("progress:track", args=["ml"]))

    html = response.content.decode()
    assert response.status_code == 200
    assert len(topic_groups(html)) == 7
    assert "status-" not in "".join(re.findall(r'<g class="topic[^"]*"', html))


@pytest.mark.plantuml
def test_serving_the_page_never_renders(client, alice, rendered):
    client.force_login(alice)

    with mock.patch.object(renderer, "_get", side_effect=AssertionError):
        for _ in range(3):
            assert client.get(reverse("progress:track", args=["ml"])).status_code == 200


@pytest.mark.plantuml
def test_nodes_open_the_topic_panel_url_which_works_on_its_own(client, rendered):
    html = client.get(reverse("progress:track", args=["ml"])).content.decode()
    href = re.search(r'<a href="([^"]+)" class="topic-link" aria-label="APIs">', html).group(1)

    page = client.get(href)
    panel = client.get(href, headers={"HX-Request": "true"})

    assert page.status_code == 200 and "FastAPI docs" in page.content.decode()
    assert panel.status_code == 200 and "<html" not in panel.content.decode()
    assert "js/diagram.js" in html


# --- real diagrams ---------------------------------------------------------------------------


def _corpus_files() -> list[Path]:
    return sorted(CORPUS.glob("*.puml")) if CORPUS.is_dir() else []


@pytest.mark.plantuml
@pytest.mark.parametrize("path", _corpus_files(), ids=lambda path: path.stem)
def test_corpus_diagrams_render_with_every_node_matched(path, db, plantuml):
    parser = pytest.importorskip("tracks.plantuml.parser")
    text = path.read_text(encoding="utf-8")
    try:
        parser.parse_plantuml(text)
    except parser.DiagramError:
        pytest.skip("the track parser rejects this file, so it never becomes a track")
    track = tree_from_plantuml(text, slug=re.sub(r"[^a-z0-9]+", "-", path.stem.lower()))

    outcome = render_track_diagram(track)

    track.refresh_from_db()
    assert outcome == Outcome.RENDERED, track.diagram_error
    assert len(topic_groups(track.diagram.svg)) == track.topics.count()


@pytest.mark.plantuml
def test_shipped_tracks_import_and_render_with_every_node_matched(db, plantuml):
    if "import_track" not in get_commands():
        pytest.skip("the track importer is not there yet")
    folders = sorted(p for p in CONTENT.iterdir() if (p / "README.md").exists())
    assert folders, "no shipped tracks"

    call_command("import_track", str(CONTENT))

    for track in Track.objects.all():
        render_track_diagram(track)
        track.refresh_from_db()
        assert track.diagram is not None, (track.slug, track.diagram_error)
        live = set(track.topics.filter(retired=False).values_list("key", flat=True))
        assert set(topic_groups(track.diagram.svg)) == live


# --- deployment ------------------------------------------------------------------------------


def test_docker_compose_file_validates(tmp_path):
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.skip("docker-compose is not installed")
    result = subprocess.run(
        [binary, "-f", str(Path(settings.BASE_DIR) / "docker-compose.yml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr


def test_missing_renderer_reason_is_shown_in_the_viewers_language(client, track):
    from tracks.diagrams import render_track_diagram

    render_track_diagram(track)
    html = client.get("/tracks/ml/", headers={"accept-language": "pt-BR"}).content.decode()
    assert "Nenhum renderizador" in html
    assert "No diagram renderer" not in html


@pytest.mark.plantuml
def test_track_page_is_sent_gzipped_to_browsers_that_accept_it(client, rendered):
    url = reverse("progress:track", args=["ml"])
    plain = client.get(url)
    packed = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})

    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    html = gzip.decompress(packed.content).decode()
    assert len(topic_groups(html)) == 7
    assert len(packed.content) < len(plain.content) / 2
