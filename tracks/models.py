from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .trackfiles import behaviour_key


class TrackWrites:
    """How many times this process wrote to tracks: a cache of track rows kept in the process
    (the visitors' track lookups in progress.trackpage) drops what it read before the last
    write. Saves and deletes count through signals (tracks.signals), bulk writes here."""

    count = 0

    @classmethod
    def note(cls) -> None:
        cls.count += 1


class TrackQuerySet(models.QuerySet):
    def published(self) -> TrackQuerySet:
        return self.filter(published=True)

    def update(self, **kwargs) -> int:
        TrackWrites.note()
        return super().update(**kwargs)

    def bulk_create(self, *args, **kwargs) -> list:
        TrackWrites.note()
        return super().bulk_create(*args, **kwargs)

    def bulk_update(self, *args, **kwargs) -> int:
        TrackWrites.note()
        return super().bulk_update(*args, **kwargs)


class Track(models.Model):
    class DiagramKind(models.TextChoices):
        MINDMAP = "mindmap", _("Mind map")
        WBS = "wbs", _("Work breakdown structure")

    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown."))
    language = models.CharField(_("language"), max_length=20, default="pt-br")
    published = models.BooleanField(_("published"), default=True)
    related = models.ManyToManyField("self", blank=True, verbose_name=_("related tracks"))
    diagram_kind = models.CharField(
        _("diagram kind"), max_length=10, choices=DiagramKind, default=DiagramKind.MINDMAP
    )
    # The rendered diagram this track shows; set when the track is imported, edited or
    # re-rendered, never while serving a page.
    diagram = models.ForeignKey(
        "Diagram", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    diagram_error = models.TextField(_("diagram error"), blank=True)
    # Set while a RenderJob waits for the worker, so that pages say so without a query.
    diagram_redrawing = models.BooleanField(_("diagram being redrawn"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TrackQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        verbose_name = _("track")
        verbose_name_plural = _("tracks")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("progress:track", args=[self.slug])

    @property
    def content_version(self) -> str:
        """Identifies what the track shows: it changes with every edit, import, retirement or
        restoration of its content and with every new drawing of its diagram, so pages built
        from one version can be cached under it."""
        return f"{self.pk}.{self.updated_at.timestamp():.6f}.{self.diagram_id or 0}"


def mark_track_changed(track_id: int) -> None:
    """Give the track a new `content_version` (its topics, resources or behaviours changed)."""
    Track.objects.filter(pk=track_id).update(updated_at=timezone.now())


class TopicQuerySet(models.QuerySet):
    def for_track(self, track: Track) -> TopicQuerySet:
        return self.filter(track=track)

    def live(self) -> TopicQuerySet:
        return self.filter(retired=False)


class Topic(models.Model):
    class Side(models.TextChoices):
        RIGHT = "right", _("Right")
        LEFT = "left", _("Left")

    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="topics")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    # Stable per track: survives renames, moves and re-imports; progress hangs on it.
    key = models.SlugField(_("key"), max_length=120)
    title = models.CharField(_("title"), max_length=500)
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown."))
    order = models.PositiveIntegerField(_("order"), default=0)
    side = models.CharField(_("side"), max_length=5, choices=Side, default=Side.RIGHT)
    colour = models.CharField(_("colour"), max_length=40, blank=True)
    boxless = models.BooleanField(_("without box"), default=False)
    # Retired topics were removed by a re-import: hidden, never deleted with their progress.
    retired = models.BooleanField(_("retired"), default=False)

    objects = TopicQuerySet.as_manager()

    class Meta:
        ordering = ["track", "order"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        constraints = [
            models.UniqueConstraint(fields=["track", "key"], name="topic_unique_key_per_track"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("progress:topic", args=[self.track.slug, self.key])


class ExpectedBehaviourQuerySet(models.QuerySet):
    def live(self) -> ExpectedBehaviourQuerySet:
        return self.filter(retired=False)


class ExpectedBehaviour(models.Model):
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="behaviours")
    # Stable per track, like a topic's key: ratings hang on the row, and re-imports and edits
    # find it again by key or text instead of deleting and recreating it.
    key = models.SlugField(_("key"), max_length=120)
    text = models.TextField(_("text"))
    order = models.PositiveIntegerField(_("order"), default=0)
    # Retired behaviours were removed from the track: hidden from new check-ins, kept with
    # their ratings.
    retired = models.BooleanField(_("retired"), default=False)

    objects = ExpectedBehaviourQuerySet.as_manager()

    class Meta:
        ordering = ["track", "order"]
        verbose_name = _("expected behaviour")
        verbose_name_plural = _("expected behaviours")
        constraints = [
            models.UniqueConstraint(fields=["track", "key"], name="behaviour_unique_key_per_track"),
        ]

    def __str__(self) -> str:
        return self.text

    def save(self, *args, **kwargs) -> None:
        # Added without a key (editor, admin): the key its text gives, numbered when taken.
        if not self.key:
            taken = set(
                ExpectedBehaviour.objects.filter(track_id=self.track_id).values_list(
                    "key", flat=True
                )
            )
            self.key = free_key(behaviour_key(self.text), taken)
        super().save(*args, **kwargs)


def free_key(key: str, taken: set[str], max_length: int = 120) -> str:
    """`key`, or else the first of `key-2`, `key-3`, … that is not taken."""
    stem = key[: max_length - 6]
    number = 2
    while key in taken:
        key = f"{stem}-{number}"
        number += 1
    return key


class Resource(models.Model):
    class Kind(models.TextChoices):
        ARTICLE = "article", _("Article")
        VIDEO = "video", _("Video")
        BOOK = "book", _("Book")
        COURSE = "course", _("Course")
        DOCUMENTATION = "documentation", _("Documentation")
        PODCAST = "podcast", _("Podcast")
        OTHER = "other", _("Other")

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="resources")
    title = models.CharField(_("title"), max_length=500)
    url = models.URLField(_("URL"), max_length=1000)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.OTHER)
    language = models.CharField(_("language"), max_length=20, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["topic", "order", "id"]
        verbose_name = _("resource")
        verbose_name_plural = _("resources")

    def __str__(self) -> str:
        return self.title


class Diagram(models.Model):
    """A processed SVG, keyed by sha256(renderer version + PlantUML source)."""

    key = models.CharField(max_length=64, unique=True)
    source = models.TextField()
    svg = models.TextField()
    renderer_version = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("diagram")
        verbose_name_plural = _("diagrams")

    def __str__(self) -> str:
        return self.key[:12]


class RenderJob(models.Model):
    """A track whose diagram must be drawn again, for `render_diagrams --worker`.

    One row per track: asking again while a job waits (or runs) only moves `requested_at`, so
    a worker that finishes an older request leaves the row for the newer one. A worker leases
    the row (`leased_until`) instead of holding a lock while PlantUML draws; a lease that
    runs out (the worker died) makes the job free again.
    """

    track = models.OneToOneField(Track, on_delete=models.CASCADE, related_name="render_job")
    requested_at = models.DateTimeField()
    run_after = models.DateTimeField()
    leased_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # After the last attempt the job stays, failed, until the track is changed or re-queued.
    gave_up = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("diagram render job")
        verbose_name_plural = _("diagram render jobs")
        indexes = [models.Index(fields=["gave_up", "run_after"], name="renderjob_due")]

    def __str__(self) -> str:
        return f"{self.track_id} ({self.attempts})"
