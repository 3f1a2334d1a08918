"""Render the diagrams of all tracks (or of the given slugs) that are not up to date."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tracks.diagrams import Outcome, render_track_diagram
from tracks.models import Track
from tracks.plantuml.renderer import RenderError, server_version


class Command(BaseCommand):
    help = (
        "Render track diagrams through the PlantUML server at PLANTUML_URL. Unchanged "
        "tracks reuse their stored diagram; failures are recorded on the track."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slugs", nargs="*", help="Only these tracks (default: all).")
        parser.add_argument(
            "--force", action="store_true", help="Render again even when a stored one fits."
        )
        parser.add_argument(
            "--wait",
            type=float,
            default=0,
            metavar="SECONDS",
            help="Wait up to SECONDS for the PlantUML server to answer first.",
        )

    def handle(self, *args, slugs: list[str], force: bool, wait: float, **options) -> None:
        tracks = Track.objects.order_by("slug")
        if slugs:
            tracks = tracks.filter(slug__in=slugs)
            missing = set(slugs) - set(tracks.values_list("slug", flat=True))
            if missing:
                raise CommandError(f"No track with slug {', '.join(sorted(missing))}.")
        if wait and settings.PLANTUML_URL:
            self._wait_for_server(wait)
        failed = 0
        for track in tracks:
            started = time.perf_counter()
            outcome = render_track_diagram(track, force=force)
            elapsed = (time.perf_counter() - started) * 1000
            if outcome == Outcome.FAILED:
                failed += 1
                self.stdout.write(f"{track.slug}: not rendered: {track.diagram_error}")
            else:
                self.stdout.write(f"{track.slug}: {outcome} ({elapsed:.0f} ms)")
        if failed and settings.PLANTUML_URL:
            self.stderr.write(f"{failed} diagram(s) not rendered.")

    def _wait_for_server(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while True:
            try:
                server_version()
                return
            except RenderError as error:
                if time.monotonic() > deadline:
                    message = f"PlantUML did not answer in {seconds:g} s: {error}"
                    raise CommandError(message) from error
                time.sleep(0.5)
