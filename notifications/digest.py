"""The weekly digest for mentors: each active mentee's status changes of the last seven days,
sent at most once per mentor and ISO week."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import ngettext

from progress.models import Mentorship, ProgressEvent, Status
from progress.templatetags.people import person

from .models import DigestSent, Kind, Mute
from .services import language_of, notify


def iso_week(moment: datetime.datetime) -> str:
    year, week, _day = timezone.localtime(moment).isocalendar()
    return f"{year}-W{week:02d}"


def send_digests(now: datetime.datetime | None = None) -> tuple[int, int]:
    """Send this week's digest to every mentor who has news and has not had it yet.

    Returns (sent, skipped because already sent this week). Safe to run again: the
    `DigestSent` row is written with the notification, in one transaction.
    """
    now = now or timezone.now()
    week = iso_week(now)
    since = now - datetime.timedelta(days=7)
    User = get_user_model()
    muted = Mute.objects.filter(kind=Kind.DIGEST).values("user")
    mentors = (
        User.objects.filter(is_active=True, mentorships_as_mentor__state=Mentorship.State.ACTIVE)
        .exclude(pk__in=muted)
        .select_related("profile")
        .distinct()
        .order_by("pk")
    )
    already = set(DigestSent.objects.filter(week=week).values_list("user_id", flat=True))
    sent = skipped = 0
    for mentor in mentors:
        if mentor.pk in already:
            skipped += 1
            continue
        lines, summary = _changes(mentor, since, now)
        if not lines:
            continue
        try:
            with transaction.atomic():
                DigestSent.objects.create(user=mentor, week=week)
                notify(
                    mentor,
                    Kind.DIGEST,
                    {"summary": summary, "week": week},
                    reverse("progress:mentoring"),
                    body="\n".join(lines),
                )
        except IntegrityError:
            skipped += 1  # another run got there first
            continue
        sent += 1
    return sent, skipped


def _changes(mentor, since: datetime.datetime, until: datetime.datetime) -> tuple[list[str], str]:
    """The digest's lines and one-line summary, in the mentor's language."""
    mentee_ids = Mentorship.objects.active().filter(mentor=mentor).values("mentee")
    events = (
        ProgressEvent.objects.filter(
            user__in=mentee_ids, created_at__gte=since, created_at__lt=until
        )
        .select_related("user__profile", "topic__track")
        .order_by("user_id", "created_at", "id")
    )
    per_mentee: dict[int, list[ProgressEvent]] = defaultdict(list)
    for event in events:
        per_mentee[event.user_id].append(event)
    if not per_mentee:
        return [], ""
    with translation.override(language_of(mentor)):
        labels = dict(Status.choices)
        lines: list[str] = []
        for changes in per_mentee.values():
            mentee = changes[0].user
            lines.append(f"{person(mentee)}:")
            for event in changes:
                lines.append(
                    f"  - {event.topic.title} ({event.topic.track.title}): "
                    f"{labels[event.from_status]} → {labels[event.to_status]}"
                )
            lines.append("")
        total = sum(len(changes) for changes in per_mentee.values())
        summary = ngettext(
            "%(count)d change by %(mentees)d mentee",
            "%(count)d changes by %(mentees)d mentees",
            total,
        ) % {"count": total, "mentees": len(per_mentee)}
    return lines, summary
