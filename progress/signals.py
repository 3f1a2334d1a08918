from __future__ import annotations

from typing import Any

from allauth.account.signals import user_signed_up
from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils.translation import get_supported_language_variant

from .models import Profile


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="progress_create_profile")
def create_profile(sender: type, instance: Any, created: bool, raw: bool, **kwargs: Any) -> None:
    if created and not raw:
        Profile.objects.get_or_create(user=instance)


@receiver(user_signed_up, dispatch_uid="progress_signup_language")
def remember_signup_language(request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """Keep a language picked with the switcher before signing up.

    Only an explicit choice (the language cookie) is saved: a browser's Accept-Language is
    followed anyway while the profile's language is blank.
    """
    if request is None:
        return
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if not chosen:
        return
    try:
        language = get_supported_language_variant(chosen)
    except LookupError:
        return
    Profile.objects.filter(user=user).update(language=language)
