from django.contrib import admin

from .models import Invitation, JoinLink, Membership, Team
from .services import follow_team_tracks


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    raw_id_fields = ["user"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["tracks"]
    inlines = [MembershipInline]

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        # Members added here follow the team's tracks, as those who join in the app do.
        follow_team_tracks(form.instance)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["team", "user", "state", "invited_by", "created_at"]
    list_filter = ["state"]
    raw_id_fields = ["user", "invited_by"]


@admin.register(JoinLink)
class JoinLinkAdmin(admin.ModelAdmin):
    list_display = ["team", "created_by", "created_at", "expires_at", "revoked_at"]
    raw_id_fields = ["created_by"]
