from django import template
from django.core.exceptions import ObjectDoesNotExist

register = template.Library()


@register.filter
def person(user) -> str:
    """How a user is named to other people: "Display name (username)", or the username alone.

    The username stays in view because it is what mentors are invited by and what the
    mentoring URLs carry. Callers select_related("…__profile") to keep it to one query.
    """
    username = user.get_username()
    try:
        name = user.profile.display_name.strip()
    except ObjectDoesNotExist:
        name = ""
    return f"{name} ({username})" if name and name != username else username
