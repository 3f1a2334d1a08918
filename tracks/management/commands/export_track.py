from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser, no_translations
from django.utils.translation import gettext as _

from tracks.exporter import write_track_folder
from tracks.models import Track


class Command(BaseCommand):
    help = "Write DIR/<slug>/ with README.md, <slug>.puml and trilha-texto.md for a track."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("directory", type=Path)

    @no_translations
    def handle(self, *args: object, **options: object) -> None:
        track = Track.objects.filter(slug=options["slug"]).first()
        if track is None:
            raise CommandError(_("No track with the slug “%(slug)s”.") % {"slug": options["slug"]})
        try:
            written = write_track_folder(track, options["directory"])
        except OSError as error:
            raise CommandError(f"{options['directory']}: {error.strerror or error}") from error
        for path in written:
            self.stdout.write(str(path))
