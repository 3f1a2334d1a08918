from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TracksConfig(AppConfig):
    name = "tracks"
    verbose_name = _("Tracks")

    def ready(self) -> None:
        from . import signals  # noqa: F401
