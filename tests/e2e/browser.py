"""Helpers shared by the browser tests."""

from django.conf import settings
from django.test import Client


def sign_in(page, user, live_server) -> None:
    """Give the page's browser context a signed-in session for `user`."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )


def console_errors(page) -> list[str]:
    """Collect the page's console errors and uncaught exceptions from now on."""
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def htmx_settled(page) -> None:
    """Wait until htmx has finished its requests and swaps.

    htmx wires up swapped-in forms when the swap settles (a few milliseconds later); a click
    before that would submit the form the plain way, with a full page load.
    """
    busy = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added"
    page.wait_for_function(f"() => !document.querySelector('{busy}')")
