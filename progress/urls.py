from django.urls import path

from . import account, insights, invitations, mentoring, sharing, views

app_name = "progress"

urlpatterns = [
    path("", views.track_list, name="track-list"),
    path("tracks/<slug:slug>/", views.track_detail, name="track"),
    path("tracks/<slug:slug>/follow/", views.follow_track, name="follow"),
    path("tracks/<slug:slug>/unfollow/", views.unfollow_track, name="unfollow"),
    path("tracks/<slug:slug>/notes/", views.track_notes, name="track-notes"),
    path("tracks/<slug:slug>/t/<slug:key>/", views.topic_detail, name="topic"),
    path("tracks/<slug:slug>/t/<slug:key>/status/", views.set_status, name="set-status"),
    path("tracks/<slug:slug>/t/<slug:key>/notes/", views.note_create, name="note-create"),
    path("notes/<int:pk>/", views.note_detail, name="note"),
    path("notes/<int:pk>/edit/", views.note_edit, name="note-edit"),
    path("notes/<int:pk>/delete/", views.note_delete, name="note-delete"),
    path("me/", views.dashboard, name="dashboard"),
    path("me/profile/", account.profile_edit, name="profile"),
    path("me/delete/", account.delete_account, name="delete-account"),
    path("u/<str:username>/", account.public_profile, name="public-profile"),
    path("u/<str:username>/<slug:slug>/badge.svg", sharing.badge, name="badge"),
    path("tracks/<slug:slug>/my-diagram.svg", sharing.diagram_svg, name="diagram-svg"),
    path("tracks/<slug:slug>/my-diagram.png", sharing.diagram_png, name="diagram-png"),
    path("me/mentors/", mentoring.mentors, name="mentors"),
    path("me/mentors/invite/", mentoring.invite_mentor, name="mentor-invite"),
    path(
        "me/mentors/emailed/<int:pk>/cancel/",
        invitations.cancel,
        name="emailed-invitation-cancel",
    ),
    path("invitations/<str:token>/", invitations.invitation, name="invitation"),
    path("mentoring/", mentoring.mentoring, name="mentoring"),
    path("mentoring/<str:username>/<slug:slug>/", mentoring.mentee_track, name="mentee-track"),
    path(
        "mentoring/<str:username>/<slug:slug>/t/<slug:key>/",
        mentoring.mentee_topic,
        name="mentee-topic",
    ),
    path(
        "mentoring/<str:username>/<slug:slug>/t/<slug:key>/comments/",
        mentoring.comment_add,
        name="mentee-comment",
    ),
    path(
        "mentoring/<str:username>/<slug:slug>/t/<slug:key>/confirm/",
        mentoring.confirm_topic,
        name="mentee-confirm",
    ),
    path(
        "mentoring/<str:username>/<slug:slug>/t/<slug:key>/unconfirm/",
        mentoring.unconfirm_topic,
        name="mentee-unconfirm",
    ),
    path("comments/<int:pk>/delete/", mentoring.comment_delete, name="comment-delete"),
    path("mentorships/<int:pk>/accept/", mentoring.accept_invitation, name="mentorship-accept"),
    path("mentorships/<int:pk>/decline/", mentoring.decline_invitation, name="mentorship-decline"),
    path("mentorships/<int:pk>/end/", mentoring.end_mentorship, name="mentorship-end"),
    path("me/export.json", views.export_data_json, name="export-json"),
    path("me/export.csv", views.export_data_csv, name="export-csv"),
    path("insights/<slug:slug>/", insights.insights, name="insights"),
    path("insights/<slug:slug>/insights.csv", insights.insights_csv, name="insights-csv"),
]
