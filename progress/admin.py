from django.contrib import admin

from .models import Comment, Follow, Mentorship, Note, Profile, ProgressEvent, TopicProgress


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "display_name", "language", "public"]
    search_fields = ["user__username", "display_name"]


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ["user", "track", "active", "created_at"]
    list_filter = ["active", "track"]


@admin.register(TopicProgress)
class TopicProgressAdmin(admin.ModelAdmin):
    list_display = ["user", "topic", "status", "updated_at", "confirmed_by"]
    list_filter = ["status", "topic__track"]
    raw_id_fields = ["user", "topic", "confirmed_by"]


@admin.register(ProgressEvent)
class ProgressEventAdmin(admin.ModelAdmin):
    list_display = ["user", "topic", "from_status", "to_status", "created_at"]
    list_filter = ["to_status"]
    raw_id_fields = ["user", "topic", "actor"]


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin):
    list_display = ["user", "topic", "shared", "created_at"]
    raw_id_fields = ["user", "topic"]


@admin.register(Mentorship)
class MentorshipAdmin(admin.ModelAdmin):
    list_display = ["mentor", "mentee", "state", "updated_at"]
    list_filter = ["state"]
    raw_id_fields = ["mentor", "mentee"]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["author", "mentee", "topic", "created_at"]
    raw_id_fields = ["author", "mentee", "topic"]
