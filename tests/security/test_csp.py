"""A strict Content-Security-Policy on every page, for every kind of visitor: no inline
script, no style attribute, every inline <style> carrying the page's nonce."""

import re

import pytest
from allauth.account.models import EmailAddress

from progress.models import Comment, MentorInvitation, Note, Profile, TopicProgress
from tests.conftest import topic
from tracks.models import Diagram

SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
    '<a href="/tracks/ml/t/python/"><g class="topic" data-topic="python"><rect/></g></a></svg>'
)

PAGES = {
    "anonymous": [
        "/",
        "/tracks/ml/",
        "/tracks/ml/t/python/",
        "/u/alice/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/tracks/no-such-track/",
        "/u/%00/",
    ],
    "alice": [
        "/me/",
        "/me/profile/",
        "/me/mentors/",
        "/me/delete/",
        "/accounts/email/",
        "/accounts/password/change/",
        "/tracks/ml/",
        "/tracks/ml/t/python/",
        "/tracks/ml/notes/",
        "/notes/{note}/edit/",
    ],
    "bob": ["/mentoring/", "/mentoring/alice/ml/", "/invitations/{token}/"],
    "curator": [
        "/curate/",
        "/curate/ml/edit/",
        "/curate/ml/t/python/edit/",
        "/curate/ml/topics/new/",
        "/insights/ml/",
        "/admin/",
        "/admin/tracks/track/",
        "/admin/progress/note/",
        "/admin/auth/user/{alice}/change/",
    ],
}
HTMX_FRAGMENTS = ["/tracks/ml/t/python/"]


@pytest.fixture
def site(alice, bob, curator, track, django_capture_on_commit_callbacks):
    diagram = Diagram.objects.create(key="k" * 64, source="@startmindmap", svg=SVG)
    track.diagram = diagram
    track.save()
    Profile.objects.update_or_create(user=alice, defaults={"public": True})
    python = topic(track, "python")
    TopicProgress.objects.create(user=alice, topic=python, status="done")
    note = Note.objects.create(user=alice, topic=python, body="*shared*", shared=True)
    Comment.objects.create(author=bob, mentee=alice, topic=python, body="**good**")
    invitation = MentorInvitation.objects.create(mentee=alice, email="bob2@example.com")
    EmailAddress.objects.create(user=alice, email="alice@example.com", primary=True)
    return {"note": note.pk, "token": invitation.token, "alice": alice.pk}


def policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in header.split(";") if part.strip()}


def assert_strict(response) -> None:
    directives = policy(response)
    assert directives["script-src"] == "script-src 'self'"
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert directives["frame-ancestors"] == "frame-ancestors 'none'"
    assert directives["img-src"] == "img-src 'self' data:"
    # The nonce is in the policy only on pages that use one (the admin does not).
    nonce = re.search(r"'nonce-([^']+)'", directives["style-src"])
    html = response.content.decode()
    assert not re.search(r"<[^>]+\sstyle=", html), "style attribute"
    assert not re.search(r"<[^>]+\son[a-z]+=", html), "event handler attribute"
    for script in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in script or 'type="application/json"' in script, script
    for style in re.findall(r"<style\b[^>]*>", html):
        assert nonce and f'nonce="{nonce.group(1)}"' in style, style


@pytest.mark.parametrize(
    ("role", "url"), [(role, url) for role, urls in PAGES.items() for url in urls]
)
def test_every_page_has_a_strict_policy(client, site, alice, bob, curator, role, url):
    users = {"alice": alice, "bob": bob, "curator": curator}
    if role in users:
        client.force_login(users[role])
    response = client.get(url.format(**site))
    assert response.status_code in (200, 400, 404), url
    assert_strict(response)


def test_htmx_fragments_reuse_the_pages_nonce(client, site, alice):
    client.force_login(alice)
    page = client.get("/tracks/ml/")
    nonce = re.search(r"'nonce-([^']+)'", policy(page)["style-src"]).group(1)
    assert f'"X-CSP-Nonce": "{nonce}"' in page.content.decode()
    fragment = client.post(
        "/tracks/ml/t/python/status/",
        {"status": "doing", "embedded": "1"},
        headers={"HX-Request": "true", "X-CSP-Nonce": nonce},
    )
    assert f'<style id="diagram-highlights" hx-swap-oob="true" nonce="{nonce}">' in (
        fragment.content.decode()
    )
    assert f"'nonce-{nonce}'" in fragment["Content-Security-Policy"]


def test_a_full_page_never_takes_a_nonce_from_the_request(client, site):
    response = client.get("/tracks/ml/", headers={"X-CSP-Nonce": "A" * 22 + "=="})
    assert "nonce-" + "A" * 22 not in response["Content-Security-Policy"]


def test_the_server_error_page_has_no_style_attribute():
    from django.template.loader import get_template

    html = get_template("500.html").render()
    assert "style=" not in html
