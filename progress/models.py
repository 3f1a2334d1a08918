from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from tracks.markdown import render_markdown
from tracks.models import Topic, Track


class RenderedBodyMixin(models.Model):
    """A Markdown `body` kept with its sanitised HTML, rendered once when saved: pages that
    list notes or comments never parse Markdown, so no stored text can slow or break them."""

    body_html = models.TextField(editable=False, blank=True, default="")

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "body" in update_fields:
            self.body_html = render_markdown(self.body)
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "body_html"}
        super().save(*args, **kwargs)

    @property
    def rendered_body(self) -> SafeString:
        if self.body_html or not self.body:
            return mark_safe(self.body_html)  # noqa: S308 - sanitised when saved
        return render_markdown(self.body)  # a row written around save(): bounded all the same


class Profile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True
    )
    public = models.BooleanField(
        _("public profile"),
        default=False,
        help_text=_("Anyone with the link can see your tracks and progress (never your notes)."),
    )

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return self.display_name or self.user.get_username()


class Follow(models.Model):
    """A learner following a track. Unfollowing sets `active` off and keeps all progress."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="follows")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "track"], name="follow_unique_user_track"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.track}"


class Status(models.TextChoices):
    TODO = "todo", _("To do")
    DOING = "doing", _("Doing")
    DONE = "done", _("Done")
    SKIPPED = "skipped", _("Skipped")


class TopicProgress(models.Model):
    Status = Status

    # No index of its own: the unique (user, topic) serves lookups by user, and every status
    # change would write one more index.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="topic_progress",
        db_index=False,
    )
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="progress")
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.TODO)
    reason = models.TextField(_("reason"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Mentor sign-off of a done topic; cleared when the status moves away from done.
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="confirmations",
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("topic progress")
        verbose_name_plural = _("topic progress")
        constraints = [
            models.UniqueConstraint(fields=["user", "topic"], name="progress_unique_user_topic"),
        ]
        indexes = [
            # Insights: who has been doing a topic since when (stuck learners), and the latest
            # skip reasons per topic.
            models.Index(
                fields=["updated_at", "topic"],
                condition=Q(status="doing"),
                name="progress_doing_since",
            ),
            models.Index(
                F("topic"),
                F("updated_at").desc(),
                F("id").desc(),
                condition=Q(status="skipped") & ~Q(reason=""),
                name="progress_skip_reasons",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.topic} · {self.status}"


class ProgressEvent(models.Model):
    """Append-only history of status changes."""

    # Looked up through event_user_created (below), which starts with it.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="progress_events",
        db_index=False,
    )
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_status = models.CharField(max_length=10, choices=Status)
    to_status = models.CharField(max_length=10, choices=Status)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # A learner's history, newest first (dashboard, mentee page, changes since a visit);
            # recent events, chart weeks and streak days are ranges of it, however long the
            # history is.
            models.Index(fields=["user", "created_at", "id"], name="event_user_created"),
        ]
        verbose_name = _("progress event")
        verbose_name_plural = _("progress events")

    def __str__(self) -> str:
        return f"{self.user} · {self.topic}: {self.from_status} → {self.to_status}"


class Note(RenderedBodyMixin):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notes"
    )
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="notes")
    body = models.TextField(_("note"), help_text=_("Markdown."))
    shared = models.BooleanField(_("shared with my mentors"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(RenderedBodyMixin.Meta):
        ordering = ["-created_at", "-id"]
        verbose_name = _("note")
        verbose_name_plural = _("notes")

    def __str__(self) -> str:
        return self.body[:60]


class MentorshipQuerySet(models.QuerySet):
    def active(self) -> MentorshipQuerySet:
        return self.filter(state=Mentorship.State.ACTIVE)


class Mentorship(models.Model):
    class State(models.TextChoices):
        INVITED = "invited", _("Invited")
        ACTIVE = "active", _("Active")
        ENDED = "ended", _("Ended")

    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentorships_as_mentor"
    )
    mentee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentorships_as_mentee"
    )
    state = models.CharField(max_length=10, choices=State, default=State.INVITED)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # When the mentor last opened one of the mentee's track pages: "what changed since".
    mentor_seen_at = models.DateTimeField(null=True, blank=True)

    objects = MentorshipQuerySet.as_manager()

    class Meta:
        verbose_name = _("mentorship")
        verbose_name_plural = _("mentorships")
        constraints = [
            models.UniqueConstraint(
                fields=["mentor", "mentee"],
                condition=~Q(state="ended"),
                name="mentorship_unique_open_pair",
            ),
            models.CheckConstraint(
                condition=~Q(mentor=models.F("mentee")), name="mentorship_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mentor} → {self.mentee} ({self.state})"


def _invitation_token() -> str:
    return secrets.token_urlsafe(32)


class MentorInvitationQuerySet(models.QuerySet):
    def pending(self) -> MentorInvitationQuerySet:
        return self.filter(
            claimed_at__isnull=True,
            created_at__gt=timezone.now() - MentorInvitation.VALID_FOR,
        )


class MentorInvitation(models.Model):
    """An invitation mailed to an address no account has confirmed. Whoever opens its link,
    signed in, proves they read that inbox: the address is confirmed on their account and
    they become the mentor. Until then the invitation shows nothing to anybody."""

    VALID_FOR = timedelta(days=14)

    mentee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentor_invitations"
    )
    email = models.EmailField(_("e-mail"))
    token = models.CharField(max_length=64, unique=True, default=_invitation_token)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)

    objects = MentorInvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("mentor invitation by e-mail")
        verbose_name_plural = _("mentor invitations by e-mail")

    def __str__(self) -> str:
        return f"{self.mentee} → {self.email}"


class Comment(RenderedBodyMixin):
    """A mentor's comment on a mentee's topic."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments_written"
    )
    mentee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments_received"
    )
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="comments")
    body = models.TextField(_("comment"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(RenderedBodyMixin.Meta):
        ordering = ["created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        return self.body[:60]


class TopicStatusCount(models.Model):
    """How many learners are doing, have done or skipped a topic, kept by database triggers on
    TopicProgress (see `progress.counts`) in the transaction that changes a status, so that
    curator insights need not count every progress row of a track."""

    topic = models.OneToOneField(
        Topic, on_delete=models.CASCADE, primary_key=True, related_name="status_count"
    )
    doing = models.IntegerField(default=0)
    done = models.IntegerField(default=0)
    skipped = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.topic_id}: {self.doing}/{self.done}/{self.skipped}"


class LearnerTrackTally(models.Model):
    """Per learner and track, the statuses other than to-do (`marked`) and the done ones on all
    the track's topics, retired or not; kept by the same triggers as TopicStatusCount."""

    # Indexed by the constraint and the indexes below, which start with them.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="+", db_index=False)
    marked = models.IntegerField(default=0)
    done = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "track"], name="tally_unique_user_track"),
        ]
        indexes = [
            models.Index(fields=["track", "done"], name="tally_track_done"),
            models.Index(fields=["track"], condition=Q(marked__gt=0), name="tally_track_marked"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.track_id}: {self.marked}/{self.done}"


class TrackCount(models.Model):
    """Per track, the active followers and the learners with a status other than to-do on any
    of its topics, retired or not; kept by database triggers like TopicStatusCount."""

    track = models.OneToOneField(
        Track, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    followers = models.IntegerField(default=0)
    learners = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.track_id}: {self.followers}/{self.learners}"
