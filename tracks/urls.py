from django.urls import path

from . import views

app_name = "tracks"

urlpatterns = [
    path("", views.curate_index, name="curate"),
]
