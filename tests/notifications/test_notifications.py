"""Notifications: who is told what, by e-mail (in their language, unless turned off) and in
the in-app list; the weekly digest for mentors goes out once per week."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from notifications import services
from notifications.digest import iso_week, send_digests
from notifications.models import DigestSent, Kind, Mute, Notification
from progress.models import Mentorship, Profile, Status, TopicProgress
from progress.services import set_status
from tests.conftest import topic

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def mail_backend(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://trilha.example"


def speaks(user, language: str) -> None:
    Profile.objects.update_or_create(user=user, defaults={"language": language})


def test_invitation_mails_the_invited_mentor_in_their_language(
    client, alice, charlie, mail_backend, django_capture_on_commit_callbacks
):
    speaks(charlie, "pt-br")
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/me/mentors/invite/", {"who": "charlie"})

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["charlie@example.com"]
    assert "alice convidou você para ser mentor" in message.subject
    assert "https://trilha.example/mentoring/" in message.body
    assert "https://trilha.example/me/notifications/settings/" in message.body
    assert Notification.objects.get(recipient=charlie).kind == Kind.MENTOR_INVITED


def test_accepting_an_invitation_tells_the_learner(
    client, alice, charlie, mail_backend, django_capture_on_commit_callbacks
):
    invitation = Mentorship.objects.create(mentor=charlie, mentee=alice)
    client.force_login(charlie)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/mentorships/{invitation.pk}/accept/")

    assert [m.to for m in mail.outbox] == [["alice@example.com"]]
    assert "charlie accepted your invitation" in mail.outbox[0].subject


def test_a_mentors_comment_and_confirmation_reach_the_learner(
    client, alice, bob, track, mail_backend, django_capture_on_commit_callbacks
):
    set_status(alice, topic(track, "python"), Status.DONE)
    client.force_login(bob)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/mentoring/alice/ml/t/python/comments/", {"body": "Nice   work on pandas"})
        client.post("/mentoring/alice/ml/t/python/confirm/")

    assert [m.to for m in mail.outbox] == [["alice@example.com"]] * 2
    assert "bob commented on “Python” (Machine Learning): Nice work on pandas" in (
        mail.outbox[0].body
    )
    assert "https://trilha.example/tracks/ml/t/python/" in mail.outbox[0].body
    assert "bob confirmed “Python”" in mail.outbox[1].subject
    assert TopicProgress.objects.get(user=alice).confirmed_by == bob


def test_a_kind_turned_off_is_listed_but_not_mailed(
    client, alice, bob, track, mail_backend, django_capture_on_commit_callbacks
):
    Mute.objects.create(user=alice, kind=Kind.COMMENT_ADDED)
    client.force_login(bob)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/mentoring/alice/ml/t/python/comments/", {"body": "Hello"})

    assert mail.outbox == []
    assert Notification.objects.filter(recipient=alice, kind=Kind.COMMENT_ADDED).count() == 1


def test_nothing_is_mailed_when_the_action_is_rolled_back(alice, bob, mail_backend):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        services.notify(alice, Kind.MENTOR_INVITED, {"actor": "bob"}, "/mentoring/")
        raise RuntimeError

    assert mail.outbox == []
    assert not Notification.objects.exists()


def test_generic_notify_serves_events_built_elsewhere(
    alice, bob, mail_backend, django_capture_on_commit_callbacks
):
    speaks(bob, "en")
    with django_capture_on_commit_callbacks(execute=True):
        services.notify_checkin_submitted(
            learner=alice, mentor=bob, title="March review", url="/checkins/7/"
        )

    assert mail.outbox[0].to == ["bob@example.com"]
    assert "alice submitted the check-in “March review”." in mail.outbox[0].body
    assert "https://trilha.example/checkins/7/" in mail.outbox[0].body


def test_settings_page_turns_kinds_off_and_on(client, alice):
    client.force_login(alice)
    page = client.get("/me/notifications/settings/")
    assert page.status_code == 200
    assert "A mentor comments on one of my topics" in page.content.decode()

    wanted = [k for k in Kind.values if k != Kind.COMMENT_ADDED]
    response = client.post("/me/notifications/settings/", {"email": wanted})

    assert response.status_code == 302
    assert list(Mute.objects.filter(user=alice).values_list("kind", flat=True)) == [
        Kind.COMMENT_ADDED
    ]
    client.post("/me/notifications/settings/", {"email": Kind.values})
    assert not Mute.objects.filter(user=alice).exists()


def test_settings_refuse_an_unknown_kind_and_change_nothing(client, alice):
    client.force_login(alice)
    response = client.post("/me/notifications/settings/", {"email": ["nonsense"]})

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Mute.objects.exists()


def test_list_shows_own_notifications_and_marks_them_read(client, alice, charlie):
    services.notify(alice, Kind.MENTOR_INVITED, {"actor": "bob"}, "/mentoring/")
    services.notify(charlie, Kind.MENTOR_INVITED, {"actor": "dave"}, "/mentoring/")
    client.force_login(alice)

    dashboard = client.get("/me/").content.decode()
    assert "bob invited you to be their mentor." in dashboard
    assert 'class="unread-count">1<' in dashboard

    page = client.get("/me/notifications/").content.decode()
    assert "bob invited you to be their mentor." in page
    assert "dave" not in page
    assert not Notification.objects.filter(recipient=alice, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=charlie, read_at__isnull=True).exists()
    assert "unread-count" not in client.get("/me/").content.decode()


def test_notification_pages_need_a_login_and_refuse_other_methods(client, alice):
    assert client.get("/me/notifications/").status_code == 302
    client.force_login(alice)
    assert client.post("/me/notifications/").status_code == 405


def test_header_count_is_one_query(client, alice):
    for _ in range(3):
        services.notify(alice, Kind.MENTOR_INVITED, {"actor": "bob"}, "/mentoring/")
    client.force_login(alice)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    counts = [q["sql"] for q in queries if "notifications_notification" in q["sql"]]
    assert len(counts) == 1 and "COUNT" in counts[0].upper()


def test_anonymous_pages_never_count_notifications(client, db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    assert not [q for q in queries if "notifications_notification" in q["sql"]]


def test_weekly_digest_lists_each_mentees_changes_once_per_week(
    alice, bob, track, mail_backend, django_capture_on_commit_callbacks
):
    speaks(bob, "pt-br")
    set_status(alice, topic(track, "python"), Status.DOING)
    set_status(alice, topic(track, "python"), Status.DONE)

    with django_capture_on_commit_callbacks(execute=True):
        first = send_digests()
    with django_capture_on_commit_callbacks(execute=True):
        again = send_digests()

    assert first == (1, 0)
    assert again == (0, 1)
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert mail.outbox[0].to == ["bob@example.com"]
    assert "alice:" in body
    assert "Python (Machine Learning): A fazer → Fazendo" in body
    assert "Python (Machine Learning): Fazendo → Concluído" in body
    assert DigestSent.objects.get(user=bob).week == iso_week(timezone.now())


def test_digest_skips_quiet_weeks_old_changes_and_muted_mentors(alice, bob, track, mail_backend):
    set_status(alice, topic(track, "python"), Status.DONE)
    later = timezone.now() + datetime.timedelta(days=8)

    assert send_digests(later) == (0, 0)
    Mute.objects.create(user=bob, kind=Kind.DIGEST)
    assert send_digests() == (0, 0)
    assert mail.outbox == []


def test_send_digests_command_reports_what_it_did(alice, bob, track, mail_backend, capsys):
    set_status(alice, topic(track, "python"), Status.DONE)
    call_command("send_digests")
    call_command("send_digests")
    out = capsys.readouterr().out
    assert "1 digest(s) sent, 0 already sent this week" in out
    assert "0 digest(s) sent, 1 already sent this week" in out
