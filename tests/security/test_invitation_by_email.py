"""An invitation by e-mail reaches only whoever reads that inbox, never an account that merely
added the address."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail

from progress.models import MentorInvitation, Mentorship

pytestmark = pytest.mark.usefixtures("english")

User = get_user_model()


@pytest.fixture
def dave(db):
    """Alice's future mentor, whose address is dave@example.com."""
    return User.objects.create_user("dave", "dave@example.com", "dave-pass-123")


@pytest.fixture
def invite(client, django_capture_on_commit_callbacks):
    """Alice's client posts an invitation; its mail leaves when the request commits."""

    def post(who, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/me/mentors/invite/", {"who": who}, **kwargs)

    return post


def invitation_link(message) -> str:
    return re.search(r"http://testserver(/invitations/[^/\s]+/)", message.body).group(1)


def impostor_adds(client, impostor, email):
    client.force_login(impostor)
    client.post("/accounts/email/", {"action_add": "", "email": email})
    assert EmailAddress.objects.filter(user=impostor, email=email, verified=False).exists()
    client.logout()


def test_an_impostors_unconfirmed_address_gets_no_invitation(client, invite, alice, charlie, dave):
    impostor_adds(client, charlie, "dave@example.com")
    mail.outbox.clear()

    client.force_login(alice)
    response = invite("dave@example.com", follow=True)
    assert "We e-mailed an invitation to dave@example.com." in response.content.decode()
    assert not Mentorship.objects.filter(mentee=alice).exists()
    [message] = mail.outbox
    assert message.to == ["dave@example.com"]
    link = invitation_link(message)
    client.logout()

    # The impostor has nothing to see or accept.
    client.force_login(charlie)
    html = client.get("/mentoring/").content.decode()
    assert "alice" not in html
    assert client.get("/mentoring/alice/ml/").status_code == 404
    client.logout()

    # The inbox's reader logs in through the link and accepts.
    response = client.get(link)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/invitations/")
    client.post(response["Location"], {"login": "dave", "password": "dave-pass-123"})
    page = client.get(link)
    assert "Accepting also confirms dave@example.com" in page.content.decode()
    response = client.post(link, follow=True)
    assert "You are now the mentor of alice." in response.content.decode()
    assert Mentorship.objects.get(mentee=alice).mentor == dave
    assert Mentorship.objects.get(mentee=alice).state == Mentorship.State.ACTIVE
    # The address is dave's now, confirmed; the impostor's copy is gone.
    assert EmailAddress.objects.get(email="dave@example.com").user == dave
    assert EmailAddress.objects.get(email="dave@example.com").verified
    # The link works once.
    assert client.post(link).status_code == 404


def test_a_confirmed_owner_is_invited_directly(client, invite, alice, charlie, dave):
    EmailAddress.objects.create(user=dave, email="dave@example.com", verified=True, primary=True)
    impostor_adds(client, charlie, "dave@example.com")
    client.force_login(alice)
    invite("DAVE@example.com")
    invitation = Mentorship.objects.get(mentee=alice)
    assert invitation.mentor == dave
    client.force_login(charlie)
    assert client.post(f"/mentorships/{invitation.pk}/accept/").status_code == 404
    client.force_login(dave)
    client.post(f"/mentorships/{invitation.pk}/accept/")
    invitation.refresh_from_db()
    assert invitation.state == Mentorship.State.ACTIVE


def test_nobody_has_the_address_the_recipient_signs_up_through_the_link(client, invite, alice):
    client.force_login(alice)
    invite("erin@example.com")
    link = invitation_link(mail.outbox[-1])
    client.logout()

    login_url = client.get(link)["Location"]
    # The log-in page offers to create an account, keeping the way back to the invitation.
    signup_link = re.search(
        r'href="(/accounts/signup/\?next=[^"]*)"', client.get(login_url).content.decode()
    )
    response = client.post(
        signup_link.group(1).replace("&amp;", "&"),
        {
            "username": "erin",
            "email": "erin@example.com",
            "password1": "a-long-pass-8812",
            "password2": "a-long-pass-8812",
            "next": link,
        },
    )
    assert response["Location"] == link
    client.post(link)
    erin = User.objects.get(username="erin")
    assert Mentorship.objects.get(mentee=alice, state="active").mentor == erin
    address = EmailAddress.objects.get(user=erin, email="erin@example.com")
    assert address.verified and address.primary


def test_an_impostor_signed_up_first_loses_the_address_to_the_reader(
    client, invite, alice, charlie
):
    # charlie made an account with erin's address before erin came; the link still goes to
    # erin's inbox, and whoever accepts through it gets the address.
    charlie.email = "erin@example.com"
    charlie.save()
    EmailAddress.objects.create(user=charlie, email="erin@example.com", primary=True)
    erin = User.objects.create_user("erin", "", "erin-pass-123")
    client.force_login(alice)
    invite("erin@example.com")
    [message] = [m for m in mail.outbox if "invites you" in m.subject]
    assert message.to == ["erin@example.com"]
    client.force_login(erin)
    client.post(invitation_link(message))
    charlie.refresh_from_db()
    assert charlie.email == ""
    assert not EmailAddress.objects.filter(user=charlie).exists()
    assert Mentorship.objects.get(mentee=alice).mentor == erin


def test_the_sender_cannot_accept_their_own_invitation(client, invite, alice):
    client.force_login(alice)
    invite("erin@example.com")
    link = invitation_link(mail.outbox[-1])
    assert client.post(link).status_code == 400
    assert not Mentorship.objects.exists()


def test_an_address_confirmed_elsewhere_cannot_be_claimed(client, invite, alice, charlie, dave):
    client.force_login(alice)
    invite("dave@example.com")
    link = invitation_link(mail.outbox[-1])
    EmailAddress.objects.create(user=dave, email="dave@example.com", verified=True, primary=True)
    client.force_login(charlie)
    response = client.post(link)
    assert response.status_code == 400
    assert "confirmed on another account" in response.content.decode()
    assert not Mentorship.objects.exists()


def test_an_unknown_or_expired_link_is_a_404(client, invite, alice, charlie):
    client.force_login(alice)
    invite("erin@example.com")
    link = invitation_link(mail.outbox[-1])
    MentorInvitation.objects.update(created_at="2000-01-01T00:00:00Z")
    client.force_login(charlie)
    assert client.get(link).status_code == 404
    assert client.get("/invitations/not-a-token/").status_code == 404


def test_the_learner_sees_and_cancels_a_mailed_invitation(client, invite, alice, charlie):
    client.force_login(alice)
    invite("erin@example.com")
    invitation = MentorInvitation.objects.get()
    assert "Cancel invitation to erin@example.com" in client.get("/me/mentors/").content.decode()
    client.force_login(charlie)
    assert client.post(f"/me/mentors/emailed/{invitation.pk}/cancel/").status_code == 404
    client.force_login(alice)
    client.post(f"/me/mentors/emailed/{invitation.pk}/cancel/")
    assert not MentorInvitation.objects.exists()


def test_inviting_ones_own_address_is_refused(client, invite, alice):
    client.force_login(alice)
    response = invite("alice@example.com")
    assert "You cannot be your own mentor." in response.content.decode()
    assert not MentorInvitation.objects.exists()
