from django.urls import path

from . import editing, views

app_name = "tracks"

urlpatterns = [
    path("", views.curate_index, name="curate"),
    path("import/preview/", views.import_preview, name="import-preview"),
    path("import/", views.import_tracks, name="import"),
    path("<slug:slug>/export/", views.export_track, name="export"),
    path("<slug:slug>/edit/", editing.track_edit, name="track-edit"),
    path(
        "<slug:slug>/behaviours/<slug:key>/restore/",
        editing.behaviour_restore,
        name="behaviour-restore",
    ),
    path("<slug:slug>/topics/new/", editing.topic_new, name="topic-new"),
    path("<slug:slug>/t/<slug:key>/edit/", editing.topic_edit, name="topic-edit"),
    path("<slug:slug>/t/<slug:key>/retire/", editing.topic_retire, name="topic-retire"),
    path("<slug:slug>/t/<slug:key>/restore/", editing.topic_restore, name="topic-restore"),
]
