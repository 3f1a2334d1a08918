"""Draw track diagrams: now for the tracks that changed, or as the queue's worker."""

from __future__ import annotations

import signal
import threading
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser, no_translations

from tracks.diagrams import Outcome, render_track_diagram
from tracks.models import Track
from tracks.plantuml.renderer import RenderError, server_version
from tracks.render_queue import enqueue, run_worker


class Command(BaseCommand):
    help = (
        "Draw track diagrams through the PlantUML server at PLANTUML_URL. Unchanged tracks "
        "reuse their stored diagram. When PlantUML does not answer, the tracks are queued for "
        "`render_diagrams --worker`, which draws queued diagrams until it is stopped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slugs", nargs="*", help="Only these tracks (default: all).")
        parser.add_argument(
            "--force", action="store_true", help="Draw again even when a stored one fits."
        )
        parser.add_argument(
            "--wait",
            type=float,
            default=0,
            metavar="SECONDS",
            help="Wait up to SECONDS for the PlantUML server to answer first.",
        )
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Only queue the tracks for the worker; return at once.",
        )
        parser.add_argument(
            "--worker",
            action="store_true",
            help="Draw queued diagrams, one at a time, until stopped (SIGTERM or Ctrl-C).",
        )
        parser.add_argument(
            "--poll",
            type=float,
            default=2.0,
            metavar="SECONDS",
            help="With --worker: how long to sleep when the queue is empty.",
        )

    # Reasons are stored in English, as the pages expect (they translate them when shown).
    @no_translations
    def handle(self, *args, slugs: list[str], force: bool, wait: float, **options) -> None:
        if options["worker"]:
            if slugs or force or wait or options["enqueue"]:
                raise CommandError("--worker takes no tracks and no other option but --poll.")
            self._work(options["poll"])
            return
        tracks = Track.objects.order_by("slug")
        if slugs:
            tracks = tracks.filter(slug__in=slugs)
            missing = set(slugs) - set(tracks.values_list("slug", flat=True))
            if missing:
                raise CommandError(f"No track with slug {', '.join(sorted(missing))}.")
        tracks = list(tracks)
        if options["enqueue"]:
            self._queue(tracks, "queued")
            return
        if settings.PLANTUML_URL:
            try:
                self._wait_for_server(wait)
            except RenderError as error:
                self._queue(tracks, f"PlantUML does not answer ({error}); queued")
                return
        self._draw(tracks, force)

    def _draw(self, tracks: list[Track], force: bool) -> None:
        failed = 0
        for index, track in enumerate(tracks):
            started = time.perf_counter()
            try:
                outcome = render_track_diagram(track, force=force, raise_transient=True)
            except RenderError as error:
                # Remembered for the rest of the run: the next track would wait as long.
                self._queue(tracks[index:], f"PlantUML failed ({error}); queued")
                return
            elapsed = (time.perf_counter() - started) * 1000
            if outcome == Outcome.FAILED:
                failed += 1
                self.stdout.write(f"{track.slug}: not rendered: {track.diagram_error}")
            else:
                self.stdout.write(f"{track.slug}: {outcome} ({elapsed:.0f} ms)")
        if failed and settings.PLANTUML_URL:
            self.stderr.write(f"{failed} diagram(s) not rendered.")

    def _queue(self, tracks: list[Track], why: str) -> None:
        count = enqueue(track.pk for track in tracks)
        for track in tracks:
            self.stdout.write(f"{track.slug}: {why} for `render_diagrams --worker`")
        if not tracks:
            self.stdout.write(f"{count} tracks queued.")

    def _wait_for_server(self, seconds: float) -> None:
        """Ask PlantUML for its version, again for up to `seconds`; each try is bounded by
        PLANTUML_TIMEOUT. Raise RenderError when it never answered."""
        deadline = time.monotonic() + seconds
        while True:
            try:
                server_version()
                return
            except RenderError:
                if time.monotonic() + 0.5 > deadline:
                    raise
                time.sleep(0.5)

    def _work(self, poll: float) -> None:
        stop = threading.Event()

        def request_stop(signum, frame) -> None:
            # The job being drawn finishes (within PLANTUML_TIMEOUT); then the worker exits.
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        renderer = settings.PLANTUML_URL or "no renderer (PLANTUML_URL is empty)"
        self.stdout.write(f"Drawing queued diagrams with {renderer}; polling every {poll:g} s.")
        self.stdout.flush()

        def report(track_id: int, what: str) -> None:
            slug = Track.objects.filter(pk=track_id).values_list("slug", flat=True).first()
            self.stdout.write(f"{slug or track_id}: {what}")
            self.stdout.flush()

        run_worker(poll, stop.is_set, stop.wait, report)
        self.stdout.write("Worker stopped.")
