from django.urls import path

from . import views

app_name = "progress"

urlpatterns = [
    path("", views.track_list, name="track-list"),
    path("tracks/<slug:slug>/", views.track_detail, name="track"),
    path("tracks/<slug:slug>/t/<slug:key>/", views.topic_detail, name="topic"),
    path("me/", views.dashboard, name="dashboard"),
]
