"""One failed-login limit per account whatever the identifier, the admin's log-in included;
sign-up that does not tell which e-mails are registered; only confirmed addresses count."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail

pytestmark = pytest.mark.usefixtures("english")

User = get_user_model()
TOO_MANY = "Too many failed login attempts. Try again later."


def test_guesses_by_username_and_by_email_share_one_limit(client, alice):
    for _attempt in range(5):
        client.post("/accounts/login/", {"login": "alice", "password": "wrong"})
    response = client.post(
        "/accounts/login/", {"login": "alice@example.com", "password": "alice-pass-123"}
    )
    assert response.status_code == 200
    assert TOO_MANY in response.content.decode()
    assert client.get("/me/").status_code == 302


def test_guesses_by_email_then_by_username_in_another_case_share_one_limit(client, alice):
    EmailAddress.objects.create(user=alice, email="alice@example.com", primary=True)
    for _attempt in range(5):
        client.post("/accounts/login/", {"login": "ALICE@example.com", "password": "wrong"})
    response = client.post("/accounts/login/", {"login": "Alice", "password": "alice-pass-123"})
    assert TOO_MANY in response.content.decode()


def test_an_unconfirmed_copy_of_the_address_does_not_split_the_limit(client, alice, charlie):
    EmailAddress.objects.create(user=alice, email="alice@example.com", primary=True, verified=True)
    EmailAddress.objects.create(user=charlie, email="alice@example.com")
    for _attempt in range(5):
        client.post("/accounts/login/", {"login": "alice@example.com", "password": "wrong"})
    response = client.post("/accounts/login/", {"login": "alice", "password": "alice-pass-123"})
    assert TOO_MANY in response.content.decode()


def test_the_limit_follows_the_addresss_owner_not_an_older_account_with_a_copy(client, charlie):
    EmailAddress.objects.create(user=charlie, email="dora@example.com")
    User.objects.create_user("dora", "dora@example.com", "dora-pass-123")
    for _attempt in range(5):
        client.post("/accounts/login/", {"login": "dora@example.com", "password": "wrong"})
    response = client.post("/accounts/login/", {"login": "dora", "password": "dora-pass-123"})
    assert TOO_MANY in response.content.decode()


def test_the_limit_of_one_account_leaves_the_others_alone(client, alice, charlie):
    for _attempt in range(5):
        client.post("/accounts/login/", {"login": "alice@example.com", "password": "wrong"})
    response = client.post("/accounts/login/", {"login": "charlie", "password": "charlie-pass-123"})
    assert response.status_code == 302


def test_admin_login_goes_through_the_sites_login(client, curator):
    response = client.get("/admin/login/?next=/admin/tracks/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Ftracks%2F"
    response = client.get("/admin/")
    assert response.status_code == 302
    followed = client.get(response["Location"])
    assert followed.status_code == 302
    assert followed["Location"].startswith("/accounts/login/?next=%2Fadmin%2F")


def test_admin_login_is_limited_like_any_login(client, curator):
    # A POST straight to the admin's old form no longer checks any password.
    response = client.post("/admin/login/", {"username": "curator", "password": "x"})
    assert response.status_code in (302, 405)
    for _attempt in range(5):
        client.post("/accounts/login/?next=/admin/", {"login": "curator", "password": "wrong"})
    response = client.post(
        "/accounts/login/?next=/admin/", {"login": "curator", "password": "curator-pass-123"}
    )
    assert TOO_MANY in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_staff_log_in_to_the_admin_through_the_site(client, curator):
    response = client.post(
        "/accounts/login/?next=/admin/", {"login": "curator", "password": "curator-pass-123"}
    )
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_admin_login_refuses_a_signed_in_learner_without_looping(client, alice):
    client.force_login(alice)
    assert client.get("/admin/login/?next=/admin/").status_code == 403


def test_admin_login_ignores_a_next_on_another_site(client, db):
    response = client.get("/admin/login/?next=https://evil.example/")
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"


def sign_up(client, username, email):
    return client.post(
        "/accounts/signup/",
        {
            "username": username,
            "email": email,
            "password1": "a-long-pass-8812",
            "password2": "a-long-pass-8812",
        },
    )


def test_sign_up_answers_the_same_for_a_registered_email(client, alice, django_user_model):
    fresh = sign_up(client, "dora", "dora@example.com")
    client.logout()
    taken = sign_up(client, "eve", "ALICE@example.com")
    assert taken.status_code == fresh.status_code == 302
    assert taken["Location"] == fresh["Location"]
    assert "already registered" not in taken.content.decode()
    # The address stays alice's: eve has it unconfirmed and not as her own.
    eve = User.objects.get(username="eve")
    assert eve.email == ""
    address = EmailAddress.objects.get(user=eve)
    assert not address.verified and not address.primary
    # The owner learns someone tried; no confirmation link goes to her inbox for eve's account.
    to_alice = [m for m in mail.outbox if "alice@example.com" in [a.lower() for a in m.to]]
    assert len(to_alice) == 1
    assert "/accounts/confirm-email/" not in to_alice[0].body
    assert "/accounts/password/reset/" in to_alice[0].body


def test_a_fresh_sign_up_gets_a_confirmation_link(client, db):
    sign_up(client, "dora", "dora@example.com")
    assert len(mail.outbox) == 1
    assert "/accounts/confirm-email/" in mail.outbox[0].body


def test_an_unconfirmed_address_cannot_be_made_primary(client, charlie):
    client.force_login(charlie)
    client.post("/accounts/email/", {"action_add": "", "email": "bob@example.com"})
    address = EmailAddress.objects.get(user=charlie, email="bob@example.com")
    response = client.post(
        "/accounts/email/", {"action_primary": "", "email": "bob@example.com"}, follow=True
    )
    assert "Confirm this address before making it your primary one." in response.content.decode()
    address.refresh_from_db()
    assert not address.primary
    charlie.refresh_from_db()
    assert charlie.email == "charlie@example.com"


def test_adding_someone_elses_address_mails_them_no_confirmation_link(client, bob, charlie):
    client.force_login(charlie)
    client.post("/accounts/email/", {"action_add": "", "email": "bob@example.com"})
    to_bob = [m for m in mail.outbox if "bob@example.com" in m.to]
    assert all("/accounts/confirm-email/" not in m.body for m in to_bob)
