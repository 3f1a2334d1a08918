from django.urls import path

from . import views

app_name = "teams"

urlpatterns = [
    path("", views.team_list, name="list"),
    path("new/", views.team_new, name="new"),
    path("join/<str:token>/", views.join, name="join"),
    path("invitations/<int:pk>/accept/", views.accept_invitation, name="invitation-accept"),
    path("invitations/<int:pk>/decline/", views.decline_invitation, name="invitation-decline"),
    path("<slug:slug>/", views.team_detail, name="team"),
    path("<slug:slug>/leave/", views.leave, name="leave"),
    path("<slug:slug>/manage/", views.manage, name="manage"),
    path("<slug:slug>/manage/invite/", views.invite, name="invite"),
    path(
        "<slug:slug>/manage/invitations/<int:pk>/cancel/",
        views.cancel_invitation,
        name="invitation-cancel",
    ),
    path("<slug:slug>/manage/links/", views.create_link, name="link-create"),
    path("<slug:slug>/manage/links/<int:pk>/revoke/", views.revoke_link, name="link-revoke"),
    path("<slug:slug>/manage/tracks/", views.set_tracks, name="tracks"),
    path(
        "<slug:slug>/manage/members/<str:username>/remove/",
        views.remove_member,
        name="member-remove",
    ),
    path("<slug:slug>/manage/members/<str:username>/lead/", views.make_lead, name="member-lead"),
    path("<slug:slug>/<slug:track_slug>/", views.team_track, name="track"),
    path("<slug:slug>/<slug:track_slug>/sections.csv", views.team_track_csv, name="track-csv"),
    path("<slug:slug>/<slug:track_slug>/t/<slug:key>/", views.team_topic, name="topic"),
    path("<slug:slug>/<slug:track_slug>/checkins/", views.team_checkins, name="checkins"),
    path(
        "<slug:slug>/<slug:track_slug>/checkins/<str:username>/",
        views.member_checkin,
        name="member-checkin",
    ),
]
