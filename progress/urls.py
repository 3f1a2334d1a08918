from django.urls import path

from . import account, views

app_name = "progress"

urlpatterns = [
    path("", views.track_list, name="track-list"),
    path("tracks/<slug:slug>/", views.track_detail, name="track"),
    path("tracks/<slug:slug>/t/<slug:key>/", views.topic_detail, name="topic"),
    path("me/", views.dashboard, name="dashboard"),
    path("me/profile/", account.profile_edit, name="profile"),
    path("me/delete/", account.delete_account, name="delete-account"),
    path("u/<str:username>/", account.public_profile, name="public-profile"),
]
