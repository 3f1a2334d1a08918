from django.contrib import admin
from django.urls import include, path

from config.health import healthz
from config.views import ping
from progress.auth import account_email, admin_login

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Before the admin's own: its log-in goes through the site's, with the rate limits.
    path("admin/login/", admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    # Before allauth's: only a confirmed address can be made primary.
    path("accounts/email/", account_email, name="account_email"),
    path("ping/", ping, name="ping"),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("curate/", include("tracks.urls")),
    path("", include("checkins.urls")),
    path("teams/", include("teams.urls")),
    path("", include("notifications.urls")),
    path("", include("progress.urls")),
]
