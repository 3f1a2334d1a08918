"""Run the local PlantUML server (`make run` starts it when PLANTUML_URL is unset)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tracks.plantuml import local


class Command(BaseCommand):
    help = (
        "Serve PlantUML on 127.0.0.1:PORT from the jar that `make plantuml-jar` fetches "
        "(var/plantuml/, or $PLANTUML_JAR). Point the app at it with "
        "PLANTUML_URL=http://127.0.0.1:PORT/."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=local.DEFAULT_PORT)
        parser.add_argument("--jar", type=Path, default=None)

    def handle(self, *args, port: int, jar: Path | None, **options) -> None:
        jar = jar or local.default_jar()
        if not shutil.which("java"):
            raise CommandError("java is not on PATH; diagrams need Java 11 or newer.")
        if not jar.exists():
            raise CommandError(f"{jar} is missing; run `make plantuml-jar`.")
        command = local.java_command(jar, port)
        self.stderr.write(f"PlantUML {local.PLANTUML_VERSION} on http://127.0.0.1:{port}/")
        self.stderr.flush()
        # Replace this process so that whoever started it stops Java by stopping it.
        os.execv(command[0], command)
