from django.contrib import admin

from .models import CheckIn, MentorRating, Rating


class RatingInline(admin.TabularInline):
    model = Rating
    extra = 0
    fields = ["behaviour", "level", "evidence"]
    raw_id_fields = ["behaviour"]


class MentorRatingInline(admin.TabularInline):
    model = MentorRating
    extra = 0
    fields = ["behaviour", "mentor", "level", "comment"]
    raw_id_fields = ["behaviour", "mentor"]


@admin.register(CheckIn)
class CheckInAdmin(admin.ModelAdmin):
    list_display = ["user", "track", "state", "created_at", "submitted_at", "completed_at"]
    list_filter = ["state", "track"]
    search_fields = ["user__username", "track__slug"]
    raw_id_fields = ["user", "completed_by"]
    inlines = [RatingInline, MentorRatingInline]
