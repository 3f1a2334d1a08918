import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail

from progress.models import (
    Comment,
    Follow,
    Mentorship,
    Note,
    Profile,
    ProgressEvent,
    TopicProgress,
)
from tests.conftest import topic

User = get_user_model()

ANONYMOUS_PAGES = [
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/accounts/password/reset/done/",
    "/accounts/password/reset/key/done/",
    "/accounts/password/reset/key/1-not-a-key/",
    "/accounts/confirm-email/",
]
SIGNED_IN_PAGES = [
    "/accounts/logout/",
    "/accounts/email/",
    "/accounts/password/change/",
    "/accounts/reauthenticate/",
    "/me/profile/",
    "/me/delete/",
]


def assert_site_page(html: str) -> None:
    """One <h1>, a <title>, the site's header, and a label for every visible field."""
    assert len(re.findall(r"<h1[\s>]", html)) == 1
    assert re.search(r"<title>\s*\S[^<]*· Trilha</title>", html)
    assert 'class="site-header"' in html
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", html):
        if re.search(r'type="(hidden|submit)"', tag):
            continue
        field_id = re.search(r'\bid="([^"]+)"', tag)
        assert field_id, f"field without id: {tag}"
        assert f'for="{field_id.group(1)}"' in html, f"no label for {tag}"


@pytest.mark.parametrize("url", ANONYMOUS_PAGES)
def test_account_pages_use_the_site_layout(client, db, url):
    response = client.get(url)
    assert response.status_code == 200
    assert_site_page(response.content.decode())


@pytest.mark.parametrize("url", SIGNED_IN_PAGES)
def test_signed_in_account_pages_use_the_site_layout(client, alice, url):
    client.force_login(alice)
    response = client.get(url)
    assert response.status_code == 200
    assert_site_page(response.content.decode())


@pytest.mark.parametrize(
    "url", ["/accounts/email/", "/accounts/password/change/", "/me/profile/", "/me/delete/"]
)
def test_account_settings_pages_link_to_each_other(client, alice, url):
    client.force_login(alice)
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'aria-label="Account settings"' in html
    for link in ["/me/profile/", "/accounts/email/", "/accounts/password/change/", "/me/delete/"]:
        assert f'href="{link}"' in html
    assert f'href="{url}" aria-current="page"' in html


def test_sign_up_creates_user_with_profile_and_signs_in(client, db):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "dora",
            "email": "dora@example.com",
            "password1": "a-long-pass-8812",
            "password2": "a-long-pass-8812",
        },
    )
    assert response.status_code == 302
    dora = User.objects.get(username="dora")
    assert Profile.objects.filter(user=dora).exists()
    assert client.get("/me/").status_code == 200


def test_sign_up_rejects_mismatched_passwords(client, db):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "dora",
            "email": "dora@example.com",
            "password1": "a-long-pass-8812",
            "password2": "another-pass-8812",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "You must type the same password each time." in response.content.decode()
    assert not User.objects.filter(username="dora").exists()


def test_log_in_with_username_and_log_out(client, alice):
    response = client.post("/accounts/login/", {"login": "alice", "password": "alice-pass-123"})
    assert response.status_code == 302
    assert response["Location"] == "/me/"
    assert client.get("/me/").status_code == 200
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/me/").status_code == 302


def test_log_in_with_email(client, alice):
    response = client.post(
        "/accounts/login/", {"login": "alice@example.com", "password": "alice-pass-123"}
    )
    assert response.status_code == 302
    assert client.get("/me/").status_code == 200


def test_wrong_password_is_refused_with_a_message(client, alice):
    response = client.post(
        "/accounts/login/",
        {"login": "alice", "password": "wrong"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert client.get("/me/").status_code == 302


def test_repeated_failed_logins_are_blocked_even_with_the_right_password(client, alice):
    for _attempt in range(5):
        client.post("/accounts/login/", {"login": "alice", "password": "wrong"})
    response = client.post(
        "/accounts/login/",
        {"login": "alice", "password": "alice-pass-123"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "Too many failed login attempts. Try again later." in response.content.decode()
    assert client.get("/me/").status_code == 302


def test_failed_login_block_is_per_account(client, alice, charlie):
    for _attempt in range(5):
        client.post("/accounts/login/", {"login": "alice", "password": "wrong"})
    response = client.post("/accounts/login/", {"login": "charlie", "password": "charlie-pass-123"})
    assert response.status_code == 302


def test_many_failed_logins_from_one_address_are_blocked(client, db):
    for attempt in range(10):
        client.post("/accounts/login/", {"login": f"guess{attempt}", "password": "wrong"})
    response = client.post(
        "/accounts/login/", {"login": "guess-next", "password": "wrong"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "Too many failed login attempts. Try again later." in response.content.decode()


def test_too_many_requests_page_uses_the_site_layout(client, db):
    from allauth.core.internal.ratelimit import handler429
    from django.test import RequestFactory

    request = RequestFactory().get("/accounts/login/")
    request.user = User()
    response = handler429(request)
    assert response.status_code == 429
    assert_site_page(response.content.decode())


def test_password_change(client, alice):
    client.force_login(alice)
    response = client.post(
        "/accounts/password/change/",
        {
            "oldpassword": "alice-pass-123",
            "password1": "brand-new-pass-77",
            "password2": "brand-new-pass-77",
        },
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("brand-new-pass-77")


def test_password_change_requires_current_password(client, alice):
    client.force_login(alice)
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": "nope", "password1": "brand-new-pass-77", "password2": "brand-new-pass-77"},
    )
    assert response.status_code == 200
    alice.refresh_from_db()
    assert alice.check_password("alice-pass-123")


def test_password_reset_mails_a_link_that_sets_a_new_password(client, alice):
    EmailAddress.objects.create(user=alice, email=alice.email, primary=True, verified=True)
    response = client.post("/accounts/password/reset/", {"email": "alice@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alice@example.com"]
    assert mail.outbox[0].subject.startswith("[Trilha] ")
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+/)", mail.outbox[0].body)
    assert link
    # The key is moved into the session and the page redirects to a key-less URL.
    response = client.get(link.group(1), follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url, {"password1": "reset-pass-4455", "password2": "reset-pass-4455"}
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("reset-pass-4455")


def test_delete_account_needs_a_signed_in_user(client, db):
    response = client.get("/me/delete/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_delete_account_page_warns_and_offers_the_export_first(client, alice):
    client.force_login(alice)
    html = client.get("/me/delete/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "It cannot be undone." in html
    assert 'href="/me/export.json"' in html
    assert User.objects.filter(username="alice").exists()


def test_delete_account_refuses_a_wrong_confirmation(client, alice):
    client.force_login(alice)
    response = client.post("/me/delete/", {"confirmation": "bob"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "neither your username nor your password" in response.content.decode()
    assert User.objects.filter(username="alice").exists()


@pytest.mark.parametrize("confirmation", ["alice", "alice-pass-123"])
def test_delete_account_removes_the_user_and_all_their_data(
    client, alice, bob, charlie, track, confirmation
):
    python = topic(track, "python")
    Follow.objects.create(user=alice, track=track)
    TopicProgress.objects.create(user=alice, topic=python, status=TopicProgress.Status.DONE)
    ProgressEvent.objects.create(
        user=alice, topic=python, actor=alice, from_status="todo", to_status="done"
    )
    Note.objects.create(user=alice, topic=python, body="my private note")
    Comment.objects.create(author=bob, mentee=alice, topic=python, body="well done")
    Mentorship.objects.create(mentor=alice, mentee=charlie, state=Mentorship.State.INVITED)
    Follow.objects.create(user=charlie, track=track)

    client.force_login(alice)
    response = client.post("/me/delete/", {"confirmation": confirmation})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert not User.objects.filter(username="alice").exists()
    assert not Profile.objects.filter(user_id=alice.id).exists()
    assert not Follow.objects.filter(user_id=alice.id).exists()
    assert not TopicProgress.objects.filter(user_id=alice.id).exists()
    assert not ProgressEvent.objects.filter(user_id=alice.id).exists()
    assert not Note.objects.filter(user_id=alice.id).exists()
    assert not Comment.objects.filter(mentee_id=alice.id).exists()
    assert not Mentorship.objects.filter(mentee_id=alice.id).exists()
    assert not Mentorship.objects.filter(mentor_id=alice.id).exists()
    # Other people keep theirs, and the browser is signed out.
    assert Follow.objects.filter(user=charlie).exists()
    assert User.objects.filter(username="bob").exists()
    assert client.get("/me/").status_code == 302


def test_delete_account_is_get_or_post_only(client, alice):
    client.force_login(alice)
    assert client.put("/me/delete/").status_code == 405
