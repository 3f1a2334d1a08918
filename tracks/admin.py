from django.contrib import admin

from .models import Diagram, ExpectedBehaviour, Resource, Topic, Track


class ExpectedBehaviourInline(admin.TabularInline):
    model = ExpectedBehaviour
    extra = 0


class ResourceInline(admin.TabularInline):
    model = Resource
    extra = 0


@admin.register(Track)
class TrackAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "language", "published", "updated_at"]
    list_filter = ["published", "language"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["related"]
    readonly_fields = ["diagram", "diagram_error"]
    inlines = [ExpectedBehaviourInline]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["title", "track", "key", "parent", "order", "side", "retired"]
    list_filter = ["track", "retired", "side"]
    search_fields = ["title", "key"]
    raw_id_fields = ["parent"]
    inlines = [ResourceInline]


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = ["title", "topic", "kind", "language"]
    list_filter = ["kind", "language"]
    search_fields = ["title", "url"]
    raw_id_fields = ["topic"]


@admin.register(Diagram)
class DiagramAdmin(admin.ModelAdmin):
    list_display = ["key", "renderer_version", "created_at"]
    readonly_fields = ["key", "source", "svg", "renderer_version", "created_at"]
