"""Diagrams are drawn by `render_diagrams --worker` from a queue, never inside a request, and a
slow or hanging PlantUML never holds anything for longer than PLANTUML_TIMEOUT in all."""

from __future__ import annotations

import http.server
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from tests.conftest import topic
from tracks import render_queue
from tracks.diagrams import diagram_key
from tracks.models import Diagram, RenderJob, Track
from tracks.plantuml import renderer
from tracks.plantuml.renderer import RenderError, render_svg
from tracks.render_queue import MAX_ATTEMPTS, claim, enqueue, work_one

pytestmark = pytest.mark.usefixtures("english")

SOURCE = "@startmindmap\n* a\n@endmindmap\n"


# --- fake PlantUML servers on loopback --------------------------------------------------------


class _SlowHandler(http.server.BaseHTTPRequestHandler):
    """`hang`: reads the request and never answers. `trickle`: answers 200 and then one byte
    of an endless SVG every 0.5 s. Both end when the test stops the server."""

    mode = "hang"
    stopped: threading.Event

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        if self.mode == "hang":
            self.stopped.wait(60)
            return
        self.send_response(200)
        self.send_header("Content-Type", "image/svg+xml")
        self.end_headers()
        self.wfile.write(b"<svg")
        for _ in range(120):  # at most a minute, whoever is listening
            if self.stopped.wait(0.5):
                return
            try:
                self.wfile.write(b" ")
                self.wfile.flush()
            except OSError:
                return

    def log_message(self, *args) -> None:
        pass


def _serve(mode: str) -> Iterator[str]:
    stopped = threading.Event()
    handler = type("Handler", (_SlowHandler,), {"mode": mode, "stopped": stopped})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        stopped.set()
        server.shutdown()
        server.server_close()


@pytest.fixture
def hanging_plantuml(settings) -> Iterator[str]:
    for url in _serve("hang"):
        settings.PLANTUML_URL = url
        settings.PLANTUML_TIMEOUT = 1.5
        yield url


@pytest.fixture
def trickling_plantuml(settings) -> Iterator[str]:
    for url in _serve("trickle"):
        settings.PLANTUML_URL = url
        settings.PLANTUML_TIMEOUT = 1.5
        yield url


@pytest.fixture
def no_plantuml(settings) -> str:
    """Nothing listens there: connections are refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.PLANTUML_URL = f"http://127.0.0.1:{port}/"
    return settings.PLANTUML_URL


@pytest.fixture
def plantuml_calls() -> Iterator[list[str]]:
    """Every HTTP request the renderer makes, passed through."""
    calls: list[str] = []
    real = renderer._get

    def counting(url, timeout):
        calls.append(url.geturl())
        return real(url, timeout)

    with mock.patch.object(renderer, "_get", counting):
        yield calls


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client


def stale_diagram(track: Track) -> Diagram:
    """A diagram of older topics, as the track had before an edit."""
    diagram = Diagram.objects.create(
        key=diagram_key("old", "old"), source="old", svg='<svg class="old-drawing"></svg>'
    )
    Track.objects.filter(pk=track.pk).update(diagram=diagram)
    return diagram


# --- the renderer's total bound ---------------------------------------------------------------


def test_a_hanging_plantuml_is_given_up_at_the_total_timeout(hanging_plantuml):
    started = time.monotonic()

    with pytest.raises(RenderError, match="did not answer within 1.5 seconds") as error:
        render_svg(SOURCE)

    assert time.monotonic() - started < 10
    assert not error.value.permanent


def test_a_plantuml_that_trickles_bytes_is_cut_off_at_the_total_timeout(trickling_plantuml):
    # Each byte comes well within the timeout: only a bound on the whole answer stops it.
    started = time.monotonic()

    with pytest.raises(RenderError, match="did not answer within 1.5 seconds"):
        render_svg(SOURCE)

    assert time.monotonic() - started < 10


@pytest.mark.plantuml
def test_plantumls_verdict_on_the_source_is_permanent(plantuml):
    with pytest.raises(RenderError, match="line 2") as error:
        render_svg("@startmindmap\nnot a node\n@endmindmap\n")

    assert error.value.permanent


# --- requests only queue ----------------------------------------------------------------------


def test_an_edit_with_plantuml_hanging_answers_without_calling_it_and_queues_the_track(
    curator_client, track, hanging_plantuml, plantuml_calls
):
    apis = topic(track, "apis")
    data = {
        "title": "Web APIs",
        "description": "",
        "parent": apis.parent_id,
        "order": apis.order,
        "side": apis.side,
        "colour": "",
        "resources-TOTAL_FORMS": "0",
        "resources-INITIAL_FORMS": "0",
        "resources-MIN_NUM_FORMS": "0",
        "resources-MAX_NUM_FORMS": "1000",
    }

    response = curator_client.post(reverse("tracks:topic-edit", args=["ml", "apis"]), data)

    assert response.status_code == 302
    assert plantuml_calls == []
    job = RenderJob.objects.get(track=track)
    assert (job.attempts, job.gave_up, job.leased_until) == (0, False, None)


def test_the_track_page_says_the_diagram_is_being_redrawn_and_keeps_the_old_one(client, track):
    stale_diagram(track)
    enqueue([track.pk])

    html = client.get(reverse("progress:track", args=["ml"])).content.decode()

    assert "This diagram is being redrawn" in html
    assert "old-drawing" in html


def test_a_track_without_any_diagram_says_it_is_being_drawn(client, track):
    enqueue([track.pk])

    html = client.get(reverse("progress:track", args=["ml"])).content.decode()

    assert "The diagram is being drawn." in html
    assert 'class="diagram-missing"' in html


def test_an_import_report_says_when_the_diagram_cannot_be_drawn_now(
    curator_client, track, no_plantuml
):
    from tests.tracks.test_curate import track_zip

    preview = curator_client.post(reverse("tracks:import-preview"), {"archive": track_zip()})
    token = preview.context["token"]
    response = curator_client.post(reverse("tracks:import"), {"token": token}, follow=True)

    html = response.content.decode()
    assert "cannot be reached" in html
    assert "will be drawn when PlantUML answers" in html
    assert RenderJob.objects.filter(track__slug="data").exists()


# --- the worker -------------------------------------------------------------------------------


@pytest.mark.plantuml
def test_the_worker_draws_queued_diagrams_and_empties_the_queue(client, track, plantuml):
    stale_diagram(track)
    enqueue([track.pk])

    job, what = work_one()

    assert job.track_id == track.pk
    assert what == "rendered"
    track.refresh_from_db()
    assert 'data-topic="python"' in track.diagram.svg
    assert not RenderJob.objects.exists()
    assert work_one() is None
    html = client.get(reverse("progress:track", args=["ml"])).content.decode()
    assert "being redrawn" not in html


def test_a_render_that_hangs_is_retried_later_and_the_old_diagram_stays(track, hanging_plantuml):
    old = stale_diagram(track)
    enqueue([track.pk])

    job, what = work_one()

    assert "did not answer within" in what
    job = RenderJob.objects.get(track=track)
    assert job.attempts == 1
    assert job.leased_until is None
    assert not job.gave_up
    assert "did not answer within" in job.last_error
    assert job.run_after > timezone.now() + timedelta(seconds=10)  # backs off
    assert work_one() is None  # not due yet
    track.refresh_from_db()
    assert (track.diagram_id, track.diagram_error) == (old.pk, "")


def test_after_the_last_attempt_the_job_gives_up_and_the_track_shows_why(
    client, curator, track, no_plantuml
):
    enqueue([track.pk])
    RenderJob.objects.update(attempts=MAX_ATTEMPTS - 1)

    job, what = work_one()

    assert "gave up" in what
    job = RenderJob.objects.get(track=track)
    assert job.gave_up
    assert work_one() is None
    track.refresh_from_db()
    assert "cannot be reached" in track.diagram_error
    client.force_login(curator)
    html = client.get(reverse("progress:track", args=["ml"])).content.decode()
    assert "cannot be reached" in html
    assert "being redrawn" not in html
    # A later change queues it again, with all its attempts ahead.
    enqueue([track.pk])
    job.refresh_from_db()
    assert (job.gave_up, job.attempts, job.last_error) == (False, 0, "")


def test_retries_wait_longer_each_time():
    delays = [render_queue.retry_delay(attempt).total_seconds() for attempt in range(1, 8)]

    assert delays == [15, 30, 60, 120, 240, 480, 600]


def test_a_track_queued_again_while_it_is_drawn_is_drawn_once_more(track, settings):
    settings.PLANTUML_URL = ""

    def edited_meanwhile(track, **options):
        enqueue([track.pk])
        return render_queue.Outcome.RENDERED

    with mock.patch.object(render_queue, "render_track_diagram", edited_meanwhile):
        enqueue([track.pk])
        work_one()

    job = RenderJob.objects.get(track=track)
    assert (job.leased_until, job.attempts) == (None, 0)
    assert claim() is not None


def test_a_lease_that_ran_out_frees_the_job_for_another_worker(track):
    enqueue([track.pk])
    first = claim()
    assert claim() is None  # leased

    RenderJob.objects.filter(pk=first.pk).update(leased_until=timezone.now() - timedelta(1))

    again = claim()
    assert again.pk == first.pk
    assert again.attempts == 2


# --- render_diagrams ------------------------------------------------------------------------


@pytest.fixture
def three_tracks(track) -> list[Track]:
    others = [Track.objects.create(slug=slug, title=slug.title()) for slug in ("data", "science")]
    for other in others:
        other.topics.create(key="root", title=other.title)
    return [track, *others]


def test_render_diagrams_asks_a_slow_plantuml_once_and_queues_every_track(
    three_tracks, hanging_plantuml, plantuml_calls
):
    out = StringIO()

    call_command("render_diagrams", stdout=out)

    assert len(plantuml_calls) == 1
    assert sorted(RenderJob.objects.values_list("track__slug", flat=True)) == [
        "data",
        "ml",
        "science",
    ]
    assert "ml: PlantUML does not answer" in out.getvalue()
    assert "queued for `render_diagrams --worker`" in out.getvalue()


def test_render_diagrams_enqueue_only_queues(three_tracks, plantuml_calls):
    out = StringIO()

    call_command("render_diagrams", "--enqueue", "ml", stdout=out)

    assert plantuml_calls == []
    assert list(RenderJob.objects.values_list("track__slug", flat=True)) == ["ml"]


# --- two workers ------------------------------------------------------------------------------


needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SKIP LOCKED needs PostgreSQL"
)


def _in_thread(work):
    """Run work() on its own database connection, as another worker process would."""
    result: dict[str, object] = {}

    def run() -> None:
        try:
            result["value"] = work()
        except Exception as error:
            result["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_job_locked_by_one_worker_is_skipped_by_another(three_tracks):
    enqueue(track.pk for track in three_tracks)
    locked = threading.Event()
    release = threading.Event()

    def first_worker_mid_claim():
        from django.db import transaction

        with transaction.atomic():
            job = RenderJob.objects.select_for_update().order_by("run_after", "pk").first()
            locked.set()
            release.wait(10)
            return job.pk

    thread, result = _in_thread(first_worker_mid_claim)
    assert locked.wait(10)
    try:
        claimed = [claim(), claim()]
        assert claim() is None  # the third is locked, not waited for
    finally:
        release.set()
        thread.join(10)

    assert result["value"] not in {job.pk for job in claimed}
    assert len({job.pk for job in claimed}) == 2


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_workers_claiming_at_once_never_take_the_same_job(db):
    tracks = Track.objects.bulk_create(
        [Track(slug=f"t{number}", title=f"T{number}") for number in range(40)]
    )
    enqueue(track.pk for track in tracks)
    start = threading.Barrier(4)

    def worker():
        start.wait(10)
        taken = []
        while (job := claim()) is not None:
            taken.append(job.pk)
        return taken

    threads = [_in_thread(worker) for _ in range(4)]
    for thread, _result in threads:
        thread.join(30)

    taken = [pk for _thread, result in threads for pk in result["value"]]
    assert len(taken) == 40
    assert len(set(taken)) == 40


def test_curators_see_failed_jobs_in_the_admin_and_queue_them_again(client, curator, track):
    enqueue([track.pk])
    RenderJob.objects.update(gave_up=True, attempts=MAX_ATTEMPTS, last_error="No such color")
    client.force_login(curator)

    listing = client.get(reverse("admin:tracks_renderjob_changelist"))
    response = client.post(
        reverse("admin:tracks_renderjob_changelist"),
        {"action": "draw_again", "_selected_action": [RenderJob.objects.get().pk]},
        follow=True,
    )

    assert "No such color" in listing.content.decode()
    assert "1 diagram queued." in response.content.decode()
    job = RenderJob.objects.get()
    assert (job.gave_up, job.attempts, job.last_error) == (False, 0, "")


def test_the_render_job_admin_is_for_staff_only(client, charlie):
    client.force_login(charlie)

    response = client.get(reverse("admin:tracks_renderjob_changelist"))

    assert response.status_code == 302
    assert "/admin/login/" in response.url
