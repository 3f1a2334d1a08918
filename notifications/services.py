"""Telling people about what concerns them: one function per event, e-mail sent once the
transaction commits, in the recipient's language, unless they turned that kind off.

Every event is also kept as a `Notification` for the in-app list, whatever the e-mail
settings say. New events (check-ins) call `notify` or one of the functions below.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ObjectDoesNotExist
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from progress.templatetags.people import person

from .models import Kind, Mute, Notification

logger = logging.getLogger(__name__)

# One line per kind, filled from the notification's context (all strings).
MESSAGES = {
    Kind.MENTOR_INVITED: _("%(actor)s invited you to be their mentor."),
    Kind.INVITATION_ACCEPTED: _("%(actor)s accepted your invitation and is now your mentor."),
    Kind.COMMENT_ADDED: _("%(actor)s commented on “%(topic)s” (%(track)s): %(excerpt)s"),
    Kind.TOPIC_CONFIRMED: _("%(actor)s confirmed “%(topic)s” (%(track)s)."),
    Kind.CHECKIN_SUBMITTED: _("%(actor)s submitted the check-in “%(title)s”."),
    Kind.CHECKIN_COMPLETED: _("%(actor)s completed your check-in “%(title)s”."),
    Kind.DIGEST: _("Your mentees' progress this week: %(summary)s"),
}


def language_of(user: AbstractBaseUser) -> str:
    """The language the user chose on their profile, or the site's."""
    try:
        language = user.profile.language
    except ObjectDoesNotExist:
        language = ""
    return language or settings.LANGUAGE_CODE


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path if path.startswith("/") else path


def message(kind: str, context: dict[str, Any]) -> str:
    """The event in one line, in the active language."""
    template = MESSAGES.get(kind)
    if template is None:
        return gettext("Something happened on Trilha.")
    try:
        return str(template) % context
    except (KeyError, TypeError, ValueError):
        logger.warning("Notification %s lacks some of its context: %r", kind, context)
        return gettext("Something happened on Trilha.")


def is_muted(user: AbstractBaseUser, kind: str) -> bool:
    return Mute.objects.filter(user=user, kind=kind).exists()


def notify(
    recipient: AbstractBaseUser,
    kind: str,
    context: dict[str, Any],
    url: str = "",
    *,
    body: str = "",
) -> Notification:
    """Record the event for `recipient` and e-mail it once the transaction commits.

    `context` fills the kind's line (strings only: it is stored as JSON); `url` is the page
    the event is about; `body` adds text under the line in the e-mail (the digest's list).
    Nothing is mailed when the recipient has no address or turned this kind off.
    """
    notification = Notification.objects.create(
        recipient=recipient, kind=kind, context=context, url=url
    )
    if recipient.email and not is_muted(recipient, kind):
        transaction.on_commit(lambda: _send(notification, body))
    return notification


def _send(notification: Notification, body: str) -> None:
    recipient = notification.recipient
    with translation.override(language_of(recipient)):
        line = message(notification.kind, notification.context)
        context = {
            "line": line,
            "body": body,
            "url": absolute(notification.url) if notification.url else "",
            "settings_url": absolute(reverse("notifications:settings")),
            "name": person(recipient),
        }
        subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + _subject(line)
        text = render_to_string("notifications/email.txt", context)
    try:
        send_mail(subject, text, None, [recipient.email])
    except OSError:
        # A mail server that is down must not undo what the user just did.
        logger.exception("Could not send %s to %s", notification.kind, recipient.pk)


def _subject(line: str) -> str:
    first = line.split(": ", 1)[0] if len(line) > 78 else line
    return first if len(first) <= 78 else first[:77] + "…"


# --- events ---------------------------------------------------------------------------------


def notify_mentor_invited(mentorship) -> None:
    notify(
        mentorship.mentor,
        Kind.MENTOR_INVITED,
        {"actor": person(mentorship.mentee)},
        reverse("progress:mentoring"),
    )


def notify_invitation_accepted(mentorship) -> None:
    notify(
        mentorship.mentee,
        Kind.INVITATION_ACCEPTED,
        {"actor": person(mentorship.mentor)},
        reverse("progress:mentors"),
    )


def notify_comment_added(comment) -> None:
    topic = comment.topic
    excerpt = " ".join(comment.body.split())
    notify(
        comment.mentee,
        Kind.COMMENT_ADDED,
        {
            "actor": person(comment.author),
            "topic": topic.title,
            "track": topic.track.title,
            "excerpt": excerpt if len(excerpt) <= 140 else excerpt[:139] + "…",
        },
        reverse("progress:topic", args=[topic.track.slug, topic.key]),
    )


def notify_topic_confirmed(mentor, mentee, topic) -> None:
    notify(
        mentee,
        Kind.TOPIC_CONFIRMED,
        {"actor": person(mentor), "topic": topic.title, "track": topic.track.title},
        reverse("progress:topic", args=[topic.track.slug, topic.key]),
    )


def notify_checkin_submitted(*, learner, mentor, title: str, url: str) -> None:
    """A learner submitted a check-in for `mentor` to rate."""
    notify(mentor, Kind.CHECKIN_SUBMITTED, {"actor": person(learner), "title": title}, url)


def notify_checkin_completed(*, mentor, learner, title: str, url: str) -> None:
    """A mentor finished rating a learner's check-in."""
    notify(learner, Kind.CHECKIN_COMPLETED, {"actor": person(mentor), "title": title}, url)
