from django import forms
from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Diagram, ExpectedBehaviour, RenderJob, Resource, Topic, Track
from .render_queue import enqueue, redraw_later

# A resource typed without a scheme ("docs.python.org") is taken as https; a text box, since
# browsers refuse to submit a type="url" field without a scheme.
URLS_ASSUME_HTTPS = {
    models.URLField: {
        "assume_scheme": "https",
        "widget": forms.TextInput(attrs={"inputmode": "url", "class": "vURLField"}),
    }
}


class ExpectedBehaviourInline(admin.TabularInline):
    model = ExpectedBehaviour
    extra = 0
    fields = ["text", "order", "retired", "key"]
    readonly_fields = ["key"]
    # Ratings hang on behaviours: retire one, never delete it.
    can_delete = False


class ResourceInline(admin.TabularInline):
    model = Resource
    extra = 0
    formfield_overrides = URLS_ASSUME_HTTPS


@admin.register(Track)
class TrackAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "language", "published", "updated_at"]
    list_filter = ["published", "language"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["related"]
    readonly_fields = ["diagram", "diagram_error", "diagram_redrawing"]
    inlines = [ExpectedBehaviourInline]

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        redraw_later(form.instance.pk)


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["title", "track", "key", "parent", "order", "side", "retired"]
    list_filter = ["track", "retired", "side"]
    search_fields = ["title", "key"]
    raw_id_fields = ["parent"]
    inlines = [ResourceInline]

    # The diagram shows topic titles, order, sides and colours: redraw it after each edit.
    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        redraw_later(form.instance.track_id)

    def delete_model(self, request, obj) -> None:
        super().delete_model(request, obj)
        redraw_later(obj.track_id)

    def delete_queryset(self, request, queryset) -> None:
        track_ids = set(queryset.values_list("track_id", flat=True))
        super().delete_queryset(request, queryset)
        for track_id in track_ids:
            redraw_later(track_id)


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = ["title", "topic", "kind", "language"]
    list_filter = ["kind", "language"]
    search_fields = ["title", "url"]
    raw_id_fields = ["topic"]
    formfield_overrides = URLS_ASSUME_HTTPS


@admin.register(Diagram)
class DiagramAdmin(admin.ModelAdmin):
    list_display = ["key", "renderer_version", "created_at"]
    readonly_fields = ["key", "source", "svg", "renderer_version", "created_at"]


@admin.register(RenderJob)
class RenderJobAdmin(admin.ModelAdmin):
    """Diagrams waiting for the worker, and those it gave up on, with PlantUML's answer."""

    list_display = ["track", "attempts", "gave_up", "run_after", "last_error"]
    list_filter = ["gave_up"]
    readonly_fields = [
        "track",
        "requested_at",
        "run_after",
        "leased_until",
        "attempts",
        "last_error",
        "gave_up",
    ]
    actions = ["draw_again"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description=_("Draw the selected diagrams again"))
    def draw_again(self, request, queryset) -> None:
        count = enqueue(queryset.values_list("track_id", flat=True))
        message = ngettext("%(count)d diagram queued.", "%(count)d diagrams queued.", count)
        self.message_user(request, message % {"count": count})
