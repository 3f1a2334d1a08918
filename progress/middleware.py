from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header

from .models import Profile

# The profile's language, cached in the session as [user id, language] so that a signed-in
# page view costs no extra query. The user id guards against a session reused by someone else.
SESSION_LANGUAGE_KEY = "trilha_profile_language"


def remember_language(request: HttpRequest, language: str) -> None:
    """Refresh the cached profile language of the signed-in user."""
    request.session[SESSION_LANGUAGE_KEY] = [str(request.user.pk), language]


def save_language_choice(request: HttpRequest, language: str) -> None:
    """Store a signed-in user's language choice in their profile (and the session cache)."""
    Profile.objects.update_or_create(user=request.user, defaults={"language": language})
    remember_language(request, language)


def browser_language(request: HttpRequest) -> str:
    """The first supported language of the browser's Accept-Language, ignoring any cookie."""
    for code, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        if code == "*":
            break
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


def profile_language(request: HttpRequest) -> str:
    """The language saved in the signed-in user's profile, or "" (follow the browser)."""
    session = getattr(request, "session", None)
    if session is None or session.get(SESSION_KEY) is None:
        return ""
    cached = session.get(SESSION_LANGUAGE_KEY)
    if cached and cached[0] == str(session[SESSION_KEY]):
        return cached[1]
    if not request.user.is_authenticated:
        return ""
    language = (
        Profile.objects.filter(user=request.user).values_list("language", flat=True).first() or ""
    )
    remember_language(request, language)
    return language


class UserLanguageMiddleware:
    """Activate the language saved in a signed-in user's profile, and save a new choice.

    LocaleMiddleware has already picked one from the language cookie or the browser; a saved
    profile choice wins over both. When a signed-in user switches language with Django's
    set_language view, the choice is written to their profile.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = profile_language(request)
        if language and translation.check_for_language(language):
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        if self._switched_language(request, response) and request.user.is_authenticated:
            save_language_choice(request, response.cookies[settings.LANGUAGE_COOKIE_NAME].value)
        return response

    @staticmethod
    def _switched_language(request: HttpRequest, response: HttpResponse) -> bool:
        match = request.resolver_match
        return (
            request.method == "POST"
            and match is not None
            and match.view_name == "set_language"
            and settings.LANGUAGE_COOKIE_NAME in response.cookies
        )
