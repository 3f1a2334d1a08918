"""Benchmark of the track diagrams (not a test; pytest does not collect it).

    .venv/bin/python -m tests.perf.bench_diagrams [--loads 100]

Starts its own PlantUML from the jar that `make plantuml-jar` fetches, in a throwaway test
database, and prints:
- cold and warm render times for 30, 150, 400 (and 600) node tracks: cold is the first
  diagram a freshly started PlantUML draws, warm the median of the next ones;
- the track page time with the stored diagram, for a learner with statuses;
- how many renders happen while serving the page that many times (it must be 0).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from unittest import mock

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

import plantuml  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment, teardown_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from progress.models import TopicProgress  # noqa: E402
from tracks import diagrams  # noqa: E402
from tracks.models import Topic, Track  # noqa: E402
from tracks.plantuml import local, renderer  # noqa: E402
from tracks.plantuml.renderer import svg_endpoint  # noqa: E402
from tracks.plantuml.source import diagram_source  # noqa: E402

SIZES = (30, 150, 400, 600)
# The JIT needs a few diagrams before PlantUML answers at its usual speed.
WARM_UP_RUNS = 5
WARM_RUNS = 7
QUALIFIERS = ("na prática", "avançado", "para iniciantes", "em nuvem", "com Python", "", "II")
WORDS = (
    "Fundamentos de dados",
    "Pipelines e orquestração",
    "Modelagem estatística",
    "Versionamento de modelos",
    "Observabilidade em produção",
    "Arquitetura de serviços",
    "Aprendizado por reforço",
    "Engenharia de atributos",
)


def make_track(size: int) -> Track:
    """A track of `size` topics: a root, sections of about ten topics, some sub-topics."""
    track = Track.objects.create(slug=f"bench-{size}", title=f"Benchmark {size}")
    root = Topic.objects.create(track=track, key="root", title=track.title, order=0)
    sections: list[Topic] = []
    parents: list[Topic] = []
    for index in range(1, size):
        title = f"{WORDS[index % len(WORDS)]} {QUALIFIERS[index % 7]} {index}"
        if index % 10 == 1:
            parent, side = root, Topic.Side.LEFT if len(sections) % 2 else Topic.Side.RIGHT
        elif index % 3 == 0 and parents:
            parent, side = parents[-1], Topic.Side.RIGHT
        else:
            parent, side = sections[-1], Topic.Side.RIGHT
        topic = Topic.objects.create(
            track=track, parent=parent, key=f"t{index}", title=title, order=index, side=side
        )
        if parent is root:
            sections.append(topic)
        elif parent in sections:
            parents.append(topic)
    return track


def timed(function: Callable[[], object]) -> float:
    started = time.perf_counter()
    function()
    return (time.perf_counter() - started) * 1000


def start_plantuml() -> tuple[object, str, float]:
    jar = local.default_jar()
    if not jar.exists():
        sys.exit(f"{jar} is missing: run `make plantuml-jar` first.")
    port = local.free_port()
    started = time.perf_counter()
    process = local.start(jar, port)
    local.wait_until_listening(port, 60, process)
    return process, f"http://127.0.0.1:{port}/", (time.perf_counter() - started) * 1000


def bench_renders() -> dict[int, Track]:
    tracks = {size: make_track(size) for size in SIZES}
    print("Rendering (full pipeline: source, PlantUML over HTTP, post-processing, storing)")
    print(f"{'nodes':>6} {'URL bytes':>10} {'JVM start':>10} {'cold':>9} {'warm':>9} {'SVG KB':>7}")
    for size, track in tracks.items():
        process, url, boot = start_plantuml()
        settings.PLANTUML_URL = url
        renderer._server_versions.clear()
        try:
            # Cold: the first diagram this PlantUML draws (the version probe included).
            cold = timed(lambda t=track: diagrams.render_track_diagram(t, force=True))
            assert Track.objects.get(pk=track.pk).diagram_id, track.diagram_error
            for _ in range(WARM_UP_RUNS):
                diagrams.render_track_diagram(track, force=True)
            warm = statistics.median(
                timed(lambda t=track: diagrams.render_track_diagram(t, force=True))
                for _ in range(WARM_RUNS)
            )
        finally:
            process.terminate()
            process.wait(10)
        track.refresh_from_db()
        source = diagram_source(track)
        url_bytes = len(plantuml.PlantUML(svg_endpoint(url)).get_url(source))
        svg_kb = len(track.diagram.svg.encode()) / 1024
        print(
            f"{size:>6} {url_bytes:>10} {boot:>8.0f}ms {cold:>7.0f}ms {warm:>7.0f}ms {svg_kb:>7.0f}"
        )
    return tracks


def bench_page(track: Track, loads: int) -> None:
    user = get_user_model().objects.create_user("learner", password="x")
    for topic in track.topics.all()[: track.topics.count() // 3]:
        TopicProgress.objects.create(user=user, topic=topic, status="done")
    client = Client()
    client.force_login(user)
    url = reverse("progress:track", args=[track.slug])
    client.get(url)  # templates compiled, caches filled

    render_calls = mock.Mock(side_effect=renderer.render_svg)
    with (
        mock.patch.object(diagrams, "render_svg", render_calls),
        mock.patch.object(renderer, "render_svg", render_calls),
    ):
        times = [timed(lambda: client.get(url)) for _ in range(loads)]
    response = client.get(url)
    assert response.status_code == 200
    nodes = response.content.decode().count('<g class="topic')
    print()
    print(f"Track page with its stored diagram ({nodes} nodes, {len(response.content) // 1024} KB)")
    print(
        f"  {loads} loads: median {statistics.median(times):.1f} ms, "
        f"p95 {sorted(times)[int(loads * 0.95) - 1]:.1f} ms, max {max(times):.1f} ms"
    )
    print(f"  renders while serving those {loads} pages: {render_calls.call_count}")

    diagram = track.diagram
    track.diagram = None
    track.save(update_fields=["diagram"])
    client.get(url)
    without = [timed(lambda: client.get(url)) for _ in range(loads)]
    track.diagram = diagram
    track.save(update_fields=["diagram"])
    print(f"  the same page without a diagram: median {statistics.median(without):.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=100)
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        tracks = bench_renders()
        bench_page(tracks[150], args.loads)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
