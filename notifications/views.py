from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from .forms import SettingsForm
from .models import Kind, Mute, Notification
from .services import message

LIST_LENGTH = 50


def with_text(notifications: list[Notification]) -> list[Notification]:
    for notification in notifications:
        notification.text = message(notification.kind, notification.context)
    return notifications


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    """The latest events; opening the list marks them read."""
    notifications = with_text(
        list(Notification.objects.filter(recipient=request.user)[:LIST_LENGTH])
    )
    unread = [n.pk for n in notifications if n.read_at is None]
    if unread:
        Notification.objects.filter(pk__in=unread).update(read_at=timezone.now())
    return render(
        request,
        "notifications/list.html",
        {"notifications": notifications, "unread": set(unread), "unread_notifications": 0},
    )


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request: HttpRequest) -> HttpResponse:
    muted = set(Mute.objects.filter(user=request.user).values_list("kind", flat=True))
    initial = {"email": [kind for kind in Kind.values if kind not in muted]}
    form = SettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        wanted = set(form.cleaned_data["email"])
        with transaction.atomic():
            Mute.objects.filter(user=request.user, kind__in=wanted).delete()
            Mute.objects.bulk_create(
                [Mute(user=request.user, kind=k) for k in Kind.values if k not in wanted],
                ignore_conflicts=True,
            )
        messages.success(request, _("Your notification settings were saved."))
        return redirect("notifications:settings")
    return render(request, "notifications/settings.html", {"form": form})
