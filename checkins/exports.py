"""A learner's check-ins in their data export: every check-in with its ratings, evidence and
the mentors' ratings and comments, drafts included (they are the learner's own)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser

from .models import CheckIn, MentorRating, Rating

CSV_RATING_HEADER = ["behaviour_key", "behaviour", "level", "evidence", "mentor", "mentor_level",
                     "mentor_comment"]  # fmt: skip


def _when(value) -> str:
    return value.isoformat() if value else ""


def _level(value: int | None) -> str:
    return str(value) if value else ""


def _cell(value: str) -> str:
    # A cell starting with = + - @ is run as a formula by spreadsheet programs.
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


def checkins_for_export(user: AbstractBaseUser) -> list[dict[str, Any]]:
    """The user's check-ins, oldest first, as plain data. Three queries."""
    checkins = list(
        CheckIn.objects.filter(user=user)
        .select_related("track", "completed_by")
        .order_by("created_at", "id")
    )
    ratings: dict[int, list[Rating]] = {}
    for rating in (
        Rating.objects.filter(checkin__user=user)
        .select_related("behaviour")
        .order_by("behaviour__order", "behaviour_id")
    ):
        ratings.setdefault(rating.checkin_id, []).append(rating)
    mentor_ratings: dict[tuple[int, int], list[MentorRating]] = {}
    # A mentor's ratings reach the learner once the check-in is completed.
    for mentor_rating in (
        MentorRating.objects.filter(checkin__user=user, checkin__state=CheckIn.State.COMPLETED)
        .select_related("mentor")
        .order_by("mentor__username", "id")
    ):
        key = (mentor_rating.checkin_id, mentor_rating.behaviour_id)
        mentor_ratings.setdefault(key, []).append(mentor_rating)
    return [
        {
            "track": checkin.track.slug,
            "state": checkin.state,
            "created_at": _when(checkin.created_at),
            "submitted_at": _when(checkin.submitted_at),
            "completed_at": _when(checkin.completed_at),
            "completed_by": checkin.completed_by.get_username() if checkin.completed_by else "",
            "ratings": [
                {
                    "behaviour": rating.behaviour.key,
                    "text": rating.behaviour.text,
                    "level": rating.level,
                    "evidence": rating.evidence,
                    "mentors": [
                        {
                            "mentor": m.mentor.get_username() if m.mentor else "",
                            "level": m.level,
                            "comment": m.comment,
                        }
                        for m in mentor_ratings.get((checkin.pk, rating.behaviour_id), [])
                    ],
                }
                for rating in ratings.get(checkin.pk, [])
            ],
        }
        for checkin in checkins
    ]


def write_checkins_csv(user: AbstractBaseUser, writer: Any) -> None:
    """After the topic rows: per check-in, a blank row, a row naming it, a header, then one row
    per behaviour and mentor rating."""
    for checkin in checkins_for_export(user):
        writer.writerow([])
        writer.writerow(
            ["checkin", checkin["track"], checkin["state"], checkin["created_at"],
             checkin["submitted_at"], checkin["completed_at"], checkin["completed_by"]]
        )  # fmt: skip
        writer.writerow(CSV_RATING_HEADER)
        for rating in checkin["ratings"]:
            own = [
                _cell(rating["behaviour"]),
                _cell(rating["text"]),
                _level(rating["level"]),
                _cell(rating["evidence"]),
            ]
            if not rating["mentors"]:
                writer.writerow([*own, "", "", ""])
            for mentor in rating["mentors"]:
                writer.writerow(
                    [*own, _cell(mentor["mentor"]), _level(mentor["level"]),
                     _cell(mentor["comment"])]
                )  # fmt: skip
