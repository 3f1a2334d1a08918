"""Account pages allauth does not provide: profile edit, public profile, account deletion."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRefresh

from .forms import DeleteAccountForm, ProfileForm
from .middleware import browser_language, remember_language
from .models import Follow, Profile
from .stats import tally_follows


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponse:
    profile, _created = Profile.objects.get_or_create(user=request.user)
    form = ProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        language_changed = "language" in form.changed_data
        form.save()
        remember_language(request, profile.language)
        if request.htmx and not language_changed:
            context = {
                "form": ProfileForm(instance=profile),
                "profile": profile,
                "saved": True,
                "badges": _badges(request),
            }
            return render(request, "account/profile.html#profile-form", context)
        # The next page is drawn in the language just chosen: say it in that language.
        with translation.override(profile.language or browser_language(request)):
            messages.success(request, _("Your profile was saved."))
        # A new language needs the whole page drawn again, not just the form.
        response = HttpResponseClientRefresh() if request.htmx else redirect("progress:profile")
        if language_changed and profile.language:
            # Also for later visits while signed out.
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                profile.language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
                secure=settings.LANGUAGE_COOKIE_SECURE,
            )
        elif language_changed:
            # "Same as my browser": an earlier choice left in the cookie must not win.
            response.delete_cookie(
                settings.LANGUAGE_COOKIE_NAME, samesite=settings.LANGUAGE_COOKIE_SAMESITE
            )
        return response
    template = "account/profile.html#profile-form" if request.htmx else "account/profile.html"
    return render(request, template, {"form": form, "profile": profile, "badges": _badges(request)})


def _badges(request: HttpRequest) -> list[Follow]:
    """The tracks a public profile can show a badge for (see progress/sharing.py)."""
    return list(
        Follow.objects.filter(user=request.user, active=True, track__published=True)
        .select_related("track")
        .order_by("track__title")
    )


@require_GET
def public_profile(request: HttpRequest, username: str) -> HttpResponse:
    """The opted-in public page of a learner: followed tracks and % done, never notes."""
    profile = get_object_or_404(
        Profile.objects.select_related("user"),
        user__username=username,
        user__is_active=True,
        public=True,
    )
    user = profile.user
    follows = list(
        Follow.objects.filter(user=user, active=True, track__published=True)
        .select_related("track")
        .order_by("track__title")
    )
    rows = [{"track": item.track, "tally": item.overall} for item in tally_follows(follows)]
    return render(request, "account/public_profile.html", {"profile": profile, "rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        # The cascade removes progress, events, notes, follows, mentorships and comments.
        user.delete()
        messages.success(request, _("Your account and all its data were deleted."))
        return redirect("progress:track-list")
    return render(request, "account/delete.html", {"form": form})
