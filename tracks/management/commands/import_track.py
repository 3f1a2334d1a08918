from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser, no_translations
from django.db import DatabaseError

from tracks.importer import TrackFileError, apply_plans, dry_run_warnings, read_tracks


class Command(BaseCommand):
    help = (
        "Import tracks from a track folder (README.md, a .puml diagram, trilha-texto.md), "
        "a bare .puml file, a .zip, or a folder of track folders."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Write nothing; print the topic tree of each track and the number of topics.",
        )
        parser.add_argument(
            "--strict",
            action="store_true",
            help="Refuse trilha-texto.md entries that match no diagram node.",
        )

    @no_translations
    def handle(self, *args: object, **options: object) -> None:
        try:
            plans = read_tracks(options["path"], strict=bool(options["strict"]))
        except TrackFileError as error:
            raise CommandError(str(error)) from error

        if options["dry_run"]:
            try:
                missing = dry_run_warnings(plans)
            except DatabaseError:
                # A fresh checkout: the files can be checked before any migration.
                missing = {}
                self.stderr.write(
                    "note: no usable database (not created or not migrated yet); the files "
                    "were checked, related tracks and existing topics were not"
                )
            for plan in plans:
                for warning in plan.warnings + missing.get(plan.slug, []):
                    self.stderr.write(f"warning: {warning}")
                for line in plan.outline():
                    self.stdout.write(line)
                if len(plans) > 1:
                    self.stdout.write(f"{plan.slug}: {len(plan.topics)} topics")
            self.stdout.write(f"{sum(len(plan.topics) for plan in plans)} topics")
            return

        try:
            results = apply_plans(plans)
        except TrackFileError as error:
            raise CommandError(str(error)) from error
        except DatabaseError as error:
            reason = " ".join(str(error).split())[:200]
            raise CommandError(
                f"the database cannot take the import ({reason}); is it migrated?"
            ) from error
        for result in results:
            self.stdout.write(result.summary())
            for warning in result.warnings:
                self.stdout.write(f"  warning: {warning}")
