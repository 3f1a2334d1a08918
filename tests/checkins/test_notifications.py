"""Submitting a check-in tells the learner's mentors; completing it tells the learner."""

from __future__ import annotations

import pytest
from django.core import mail

from checkins.models import CheckIn
from notifications.models import Kind, Notification


@pytest.fixture(autouse=True)
def _mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_submitting_tells_each_active_mentor(alice, bob, charlie, submitted):
    notes = Notification.objects.filter(kind=Kind.CHECKIN_SUBMITTED)
    assert [note.recipient for note in notes] == [bob]
    assert not Notification.objects.filter(recipient__in=[alice, charlie]).exists()
    assert f"/mentoring/alice/ml/checkins/{submitted.pk}/" in notes[0].url


def test_submitting_mails_the_mentor_with_a_link_to_the_review(
    django_capture_on_commit_callbacks, alice, bob, track, behaviours, follows
):
    from checkins import services
    from tests.checkins.conftest import fill

    checkin = services.start_checkin(alice, track)
    fill(checkin, [1, 2, 3])
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_checkin(checkin)
    assert [message.to for message in mail.outbox] == [["bob@example.com"]]
    assert f"/mentoring/alice/ml/checkins/{checkin.pk}/" in mail.outbox[0].body


def test_completing_tells_the_learner(alice, completed):
    assert completed.state == CheckIn.State.COMPLETED
    note = Notification.objects.get(kind=Kind.CHECKIN_COMPLETED)
    assert note.recipient == alice
    assert f"/tracks/ml/behaviours/checkins/{completed.pk}/" in note.url
