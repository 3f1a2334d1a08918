"""NUL and lone surrogates in any part of a request: a 400 that says why, never a 500."""

import pytest
from django.test import RequestFactory

from progress.input_guard import unsafe_input_reason
from progress.models import Note, TopicProgress
from tests.conftest import topic

pytestmark = pytest.mark.usefixtures("english")

FORM = "application/x-www-form-urlencoded"


@pytest.mark.parametrize(
    "url", ["/u/%00/", "/u/a%00b/", "/mentoring/a%00b/ml/", "/tracks/ml/t/py%00thon/"]
)
def test_nul_in_the_address_is_a_400_that_says_why(client, alice, track, url):
    client.force_login(alice)
    response = client.get(url)
    assert response.status_code == 400
    assert "character that is not allowed" in response.content.decode()


def test_nul_in_a_query_parameter_is_a_400(client, db, track):
    response = client.get("/tracks/ml/?next=%00")
    assert response.status_code == 400
    assert "parameter of the address" in response.content.decode()


def test_nul_in_a_skip_reason_changes_nothing(client, alice, track):
    client.force_login(alice)
    response = client.post(
        "/tracks/ml/t/python/status/", "status=skipped&reason=a%00b", content_type=FORM
    )
    assert response.status_code == 400
    assert "form field" in response.content.decode()
    assert not TopicProgress.objects.filter(user=alice).exists()


def test_nul_in_a_note_changes_nothing(client, alice, track):
    client.force_login(alice)
    response = client.post("/tracks/ml/t/python/notes/", "body=hi%00there", content_type=FORM)
    assert response.status_code == 400
    assert not Note.objects.exists()


def test_broken_utf8_in_a_form_is_stored_as_replacement_characters(client, alice, track):
    # Django decodes invalid UTF-8 (here an encoded surrogate) with U+FFFD: no 500.
    client.force_login(alice)
    response = client.post(
        "/tracks/ml/t/python/status/", "status=skipped&reason=%ED%A0%80", content_type=FORM
    )
    assert response.status_code == 302
    progress = TopicProgress.objects.get(user=alice, topic=topic(track, "python"))
    assert progress.reason == "\ufffd" * 3


@pytest.mark.parametrize(
    "data", [{"reason": "\ud800"}, {"\udfff": "x"}, {"reason": "ok", "body": "a\x00"}]
)
def test_a_lone_surrogate_or_nul_in_a_form_value_or_name_is_refused(data):
    request = RequestFactory().post("/tracks/ml/t/python/status/")
    request._post = request.POST.copy()
    request._post.clear()
    for key, value in data.items():
        request._post[key] = value
    assert "form field" in unsafe_input_reason(request)


def test_ordinary_input_passes(client, alice, track):
    client.force_login(alice)
    response = client.post(
        "/tracks/ml/t/python/status/", {"status": "skipped", "reason": "já sei — ✓"}
    )
    assert response.status_code == 302
    assert TopicProgress.objects.get(user=alice).reason == "já sei — ✓"
