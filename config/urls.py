from django.contrib import admin
from django.urls import include, path

from config.views import ping

urlpatterns = [
    path("admin/", admin.site.urls),
    path("ping/", ping, name="ping"),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("curate/", include("tracks.urls")),
    path("", include("progress.urls")),
]
