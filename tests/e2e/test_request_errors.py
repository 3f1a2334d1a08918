"""A failed htmx action says so and keeps what the user typed."""

import pytest

from progress.models import Note
from tests.e2e.browser import htmx_settled, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def add_note(page, text: str) -> None:
    panel = page.locator("#notes-python")
    panel.get_by_label("Note", exact=True).fill(text)
    panel.get_by_role("button", name="Add note").click()


@pytest.mark.parametrize(
    ("failure", "message"),
    [
        ("500", "Something went wrong on the server and nothing was saved."),
        ("drop", "The connection failed and nothing was sent."),
    ],
)
def test_a_failed_note_keeps_the_text_and_says_why(
    page, live_server, alice, track, failure, message
):
    sign_in(page, alice, live_server)
    page.goto("/tracks/ml/t/python/")
    htmx_settled(page)

    def fail(route):
        if failure == "500":
            route.fulfill(status=500, body="Server error")
        else:
            route.abort("connectionreset")

    page.route("**/tracks/ml/t/python/notes/", fail)
    add_note(page, "Keep **this** text")
    alert = page.get_by_role("alert")
    alert.filter(has_text=message).wait_for()
    assert "What you typed is still here" in alert.inner_text()
    textarea = page.locator("#notes-python").get_by_label("Note", exact=True)
    assert textarea.input_value() == "Keep **this** text"
    assert not Note.objects.exists()

    # Once the server answers again, the same text goes through and the message goes away.
    page.unroute("**/tracks/ml/t/python/notes/")
    htmx_settled(page)
    page.locator("#notes-python").get_by_role("button", name="Add note").click()
    page.locator(".note-list strong", has_text="this").wait_for()
    assert page.locator("#request-error").inner_text() == ""
    assert Note.objects.get().body == "Keep **this** text"
