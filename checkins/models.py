"""Check-ins: a learner's dated self-rating of a track's expected behaviours, with evidence,
then their mentors' ratings and comments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tracks.models import ExpectedBehaviour, Track


class Level(models.IntegerChoices):
    NOT_YET = 1, _("Not yet")
    SOMETIMES = 2, _("Sometimes")
    CONSISTENTLY = 3, _("Consistently")
    ROLE_MODEL = 4, _("Role model")


# One line beside each level, so that learners and mentors read the scale the same way.
LEVEL_MEANINGS = {
    Level.NOT_YET: _("Not shown yet, or only with help."),
    Level.SOMETIMES: _("Shown now and then, not yet a habit."),
    Level.CONSISTENTLY: _("Shown as a habit, without being reminded."),
    Level.ROLE_MODEL: _("Others learn it by watching; helps them show it too."),
}


class CheckInQuerySet(models.QuerySet):
    def shared(self) -> CheckInQuerySet:
        """Submitted or completed: what mentors may see. Drafts are the learner's alone."""
        return self.exclude(state=CheckIn.State.DRAFT)


class CheckIn(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Waiting for a mentor")
        COMPLETED = "completed", _("Completed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="checkins"
    )
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="checkins")
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="checkins_completed",
    )

    objects = CheckInQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "track"],
                condition=Q(state="draft"),
                name="checkin_one_draft_per_track",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.track} · {self.created_at:%Y-%m-%d} ({self.state})"

    @property
    def date(self):
        """The date the check-in stands for: when it was submitted, else when it was begun."""
        return self.submitted_at or self.created_at


class Rating(models.Model):
    """The learner's level and evidence for one behaviour in one check-in."""

    checkin = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="ratings")
    behaviour = models.ForeignKey(
        ExpectedBehaviour, on_delete=models.CASCADE, related_name="ratings"
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=Level, null=True, blank=True)
    evidence = models.TextField(_("evidence"), blank=True, help_text=_("Markdown."))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.UniqueConstraint(
                fields=["checkin", "behaviour"], name="rating_unique_checkin_behaviour"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.checkin_id} · {self.behaviour_id}: {self.level}"


class MentorRating(models.Model):
    """A mentor's level and comment for one behaviour of a submitted check-in."""

    checkin = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="mentor_ratings")
    behaviour = models.ForeignKey(
        ExpectedBehaviour, on_delete=models.CASCADE, related_name="mentor_ratings"
    )
    # Kept when the mentor's account goes: the feedback was written to the learner.
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="mentor_ratings_given",
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=Level, null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("mentor rating")
        verbose_name_plural = _("mentor ratings")
        constraints = [
            models.UniqueConstraint(
                fields=["checkin", "behaviour", "mentor"],
                name="mentor_rating_unique_checkin_behaviour_mentor",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.checkin_id} · {self.behaviour_id} by {self.mentor_id}: {self.level}"
