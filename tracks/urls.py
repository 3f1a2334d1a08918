from django.urls import path

from . import views

app_name = "tracks"

urlpatterns = [
    path("", views.curate_index, name="curate"),
    path("import/preview/", views.import_preview, name="import-preview"),
    path("import/", views.import_tracks, name="import"),
    path("<slug:slug>/export/", views.export_track, name="export"),
]
