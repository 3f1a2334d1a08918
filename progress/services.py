"""Writes that touch several progress models, as plain functions."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from teams.models import Membership, Team
from tracks.models import Topic, Track
from tracks.rows import TOPIC, TRACK, Columns, fetch

from .models import Comment, Follow, Note, ProgressEvent, Status, TopicProgress
from .sessionuser import USER, User


def follow(user: AbstractBaseUser, track: Track) -> Follow:
    """Start (or resume) following a track; a resumed follow keeps all earlier progress."""
    follow, created = Follow.objects.get_or_create(user=user, track=track)
    if not created and not follow.active:
        follow.active = True
        follow.save(update_fields=["active"])
    return follow


def unfollow(user: AbstractBaseUser, track: Track) -> None:
    """Stop following a track. Statuses, events and notes stay: following again restores them."""
    Follow.objects.filter(user=user, track=track, active=True).update(active=False)


@dataclass
class StatusChange:
    progress: TopicProgress
    previous: str
    changed: bool


def set_status(
    user: AbstractBaseUser,
    topic: Topic,
    status: str,
    reason: str = "",
    actor: AbstractBaseUser | None = None,
) -> StatusChange:
    """Set the user's status on a topic and record the change.

    Two identical submissions racing each other leave one TopicProgress and one
    ProgressEvent: the second one finds the status already set and records nothing. Setting a
    status on a track also follows it, and gives the learner's teams a new version. On
    PostgreSQL all of it is one statement (see `_statement`), and the status counts behind
    curator insights move in it (triggers, see `progress.counts`).
    """
    status, reason = _cleaned(status, reason)
    actor_id = (actor or user).pk
    if connection.vendor == "postgresql":
        found = _write(_statement("id"), [topic.pk], user.pk, status, reason, actor_id)
        assert found is not None, f"topic {topic.pk} does not exist"  # noqa: S101
        return found[1]
    return _set_status_orm(user, topic, status, reason, actor)


def set_status_of(
    user: AbstractBaseUser,
    slug: str,
    key: str,
    status: str,
    reason: str,
    staff: bool,
    others: bool = False,
) -> tuple[Topic, StatusChange, dict[str, Any]] | None:
    """`set_status` on the live topic `key` of the track `slug`, if the user may see that track
    (published, or any to staff). Returns the topic with its track, the change and what the
    topic panel needs to know besides: `has_notes`, `has_comments`, and with `others`, `rows`:
    the user's other statuses on the track as (topic id, status, confirmed by). None if there
    is no such topic."""
    status, reason = _cleaned(status, reason)
    if connection.vendor == "postgresql":
        where = "by_key" if staff else "by_key_published"
        sql = _statement(where)
        return _write(sql, [slug, key], user.pk, status, reason, user.pk, others)
    topics = Topic.objects.live().select_related("track").filter(track__slug=slug, key=key)
    topic = topics.filter(**({} if staff else {"track__published": True})).first()
    if topic is None:
        return None
    change = _set_status_orm(user, topic, status, reason, None)
    rows = TopicProgress.objects.filter(user=user, topic__track=topic.track).exclude(topic=topic)
    facts = {
        "has_notes": Note.objects.filter(user=user, topic=topic).exists(),
        "has_comments": Comment.objects.filter(mentee=user, topic=topic).exists(),
        "rows": list(rows.values_list("topic_id", "status", "confirmed_by_id")) if others else [],
    }
    return topic, change, facts


def set_status_as(
    user_id: Any,
    password: str,
    slug: str,
    key: str,
    status: str,
    reason: str,
    others: bool = False,
) -> tuple[Topic, StatusChange, dict[str, Any]] | None:
    """`set_status_of` for the session's user before their row is read
    (`sessionuser.known_password`): the statement reads that row too, and writes only while it
    still holds `password` and may log in, on a track the user may see. The row comes back as
    `account` among the facts. None if nothing was written: no such topic, or a user's row that
    changed (read it as usual then). PostgreSQL only."""
    status, reason = _cleaned(status, reason)
    sql = _statement("by_key_session")
    return _write(sql, [password, slug, key], user_id, status, reason, user_id, others)


def _cleaned(status: str, reason: str) -> tuple[Status, str]:
    status = Status(status)
    return status, reason.strip() if status == Status.SKIPPED else ""


def _set_status_orm(
    user: AbstractBaseUser,
    topic: Topic,
    status: Status,
    reason: str,
    actor: AbstractBaseUser | None,
) -> StatusChange:
    """`set_status` for databases other than PostgreSQL, with the ORM: the row is locked while
    it is read and written."""
    with transaction.atomic():
        progress, _created = TopicProgress.objects.select_for_update().get_or_create(
            user=user, topic=topic
        )
        previous = progress.status
        follow(user, topic.track)
        if previous == status:
            if progress.reason != reason:
                progress.reason = reason
                progress.save(update_fields=["reason", "updated_at"])
            return StatusChange(progress, previous, changed=False)
        progress.status = status
        progress.reason = reason
        update_fields = ["status", "reason", "updated_at"]
        if status != Status.DONE and progress.confirmed_by_id is not None:
            # A mentor signed off a done topic; the sign-off no longer applies.
            progress.confirmed_by = None
            progress.confirmed_at = None
            update_fields += ["confirmed_by", "confirmed_at"]
        progress.save(update_fields=update_fields)
        ProgressEvent.objects.create(
            user=user,
            topic=topic,
            actor=actor or user,
            from_status=previous,
            to_status=status,
            reason=reason,
        )
    return StatusChange(progress, previous, changed=True)


# --- the status change as one statement (PostgreSQL) -----------------------------------------
# A status change writes up to five tables: the status, the event, the follow, the teams'
# versions and (by triggers) the counts. Sent as one statement of data-modifying CTEs, it is
# one round trip and one plan, where the ORM takes seven statements in a transaction. The
# statement also reads back what the answer to the change shows.

_WHERE = {
    "id": "topic.id = %s",
    "by_key": "track.slug = %s AND topic.key = %s AND NOT topic.retired",
    "by_key_published": (
        "track.slug = %s AND topic.key = %s AND NOT topic.retired AND track.published"
    ),
    # The session's user, not read yet (see `set_status_as` and `_ACCOUNT`).
    "by_key_session": (
        "track.slug = %s AND topic.key = %s AND NOT topic.retired"
        " AND (track.published OR account.is_staff)"
    ),
}
# The session's user row, only while it holds the password the session was verified against
# and may log in: without it there is no target, and nothing is written.
_ACCOUNT = f"""
account AS (
  SELECT account.* FROM {User._meta.db_table} account, input
  WHERE account.id = input.user_id AND account.password = %s AND account.is_active
),"""  # noqa: S608
_PROGRESS = Columns(TopicProgress, "progress")


@cache
def _statement(where: str) -> str:
    progress = TopicProgress._meta.db_table
    session = where == "by_key_session"
    account_cte = _ACCOUNT if session else ""
    account = "CROSS JOIN account" if session else ""
    user_columns = f" {USER.sql}," if session else ""
    # The row as it is once the statement is done: written by it, or as it was.
    final = ", ".join(
        f"CASE WHEN written.id IS NULL THEN old.{column} ELSE written.{column} END"
        for column in (field.column for field in _PROGRESS.fields)
    )
    return f"""
WITH input AS (
  SELECT %s::bigint AS user_id, %s::text AS status, %s::text AS reason,
         %s::timestamptz AS now, %s::bigint AS actor_id, %s::boolean AS others,
         -- for this transaction only, see `_asynchronous`
         set_config(
           'synchronous_commit',
           CASE WHEN %s::boolean THEN 'off' ELSE current_setting('synchronous_commit') END,
           true
         ) AS commit_mode
),{account_cte}
target AS (
  SELECT topic.id, topic.track_id
  FROM {Topic._meta.db_table} topic JOIN {Track._meta.db_table} track ON track.id = topic.track_id
  {account}
  WHERE {_WHERE[where]}
),
old AS (
  SELECT progress.* FROM {progress} progress, input, target
  WHERE progress.user_id = input.user_id AND progress.topic_id = target.id
  FOR UPDATE OF progress
),
inserted AS (
  INSERT INTO {progress} (user_id, topic_id, status, reason, updated_at)
  SELECT input.user_id, target.id, input.status, input.reason, input.now FROM input, target
  WHERE NOT EXISTS (SELECT 1 FROM old)
  ON CONFLICT (user_id, topic_id) DO NOTHING
  RETURNING *
),
updated AS (
  UPDATE {progress} progress SET
    status = input.status, reason = input.reason, updated_at = input.now,
    -- a mentor's sign-off holds for a done topic only
    confirmed_by_id = CASE WHEN input.status = '{Status.DONE}' THEN old.confirmed_by_id END,
    confirmed_at = CASE WHEN input.status = '{Status.DONE}' THEN old.confirmed_at END
  FROM old, input
  WHERE progress.id = old.id AND (old.status <> input.status OR old.reason <> input.reason)
  RETURNING progress.*
),
written AS (SELECT * FROM inserted UNION ALL SELECT * FROM updated),
event AS (
  INSERT INTO {ProgressEvent._meta.db_table}
    (user_id, topic_id, actor_id, from_status, to_status, reason, created_at)
  SELECT input.user_id, written.topic_id, input.actor_id,
         coalesce((SELECT status FROM old), '{Status.TODO}'), input.status, input.reason, input.now
  FROM written, input
  WHERE coalesce((SELECT status FROM old), '{Status.TODO}') <> input.status
  RETURNING id
),
follow AS (
  INSERT INTO {Follow._meta.db_table} AS follow (user_id, track_id, active, created_at)
  SELECT input.user_id, target.track_id, true, input.now FROM input, target
  WHERE NOT EXISTS (
    SELECT 1 FROM {Follow._meta.db_table} follow
    WHERE follow.user_id = input.user_id AND follow.track_id = target.track_id AND follow.active
  )
  ON CONFLICT (user_id, track_id) DO UPDATE SET active = true
  RETURNING id
),
teams AS (
  -- what teams.signals does for a status saved through the ORM
  UPDATE {Team._meta.db_table} SET version = version + 1
  WHERE id IN (SELECT team_id FROM {Membership._meta.db_table}, input
               WHERE {Membership._meta.db_table}.user_id = input.user_id)
    AND EXISTS (SELECT 1 FROM written)
  RETURNING id
)
SELECT {TOPIC.sql}, {TRACK.sql}, {final},{user_columns}
  coalesce(old.status, '{Status.TODO}') AS previous,
  written.id IS NOT NULL AND coalesce(old.status, '{Status.TODO}') <> input.status AS changed,
  EXISTS (SELECT 1 FROM {Note._meta.db_table} note
          WHERE note.user_id = input.user_id AND note.topic_id = topic.id) AS has_notes,
  EXISTS (SELECT 1 FROM {Comment._meta.db_table} comment
          WHERE comment.mentee_id = input.user_id AND comment.topic_id = topic.id)
    AS has_comments,
  others.topic_ids, others.statuses, others.confirmed_by
FROM target
JOIN {Topic._meta.db_table} topic ON topic.id = target.id
JOIN {Track._meta.db_table} track ON track.id = topic.track_id
CROSS JOIN input
{account}
LEFT JOIN old ON true
LEFT JOIN written ON true
LEFT JOIN LATERAL (
  -- the user's other statuses on the track, for the progress figures the answer redraws
  SELECT array_agg(other.topic_id) AS topic_ids, array_agg(other.status) AS statuses,
         array_agg(other.confirmed_by_id) AS confirmed_by
  FROM {progress} other JOIN {Topic._meta.db_table} other_topic ON other_topic.id = other.topic_id
  WHERE input.others AND other.user_id = input.user_id AND other_topic.track_id = topic.track_id
    AND other.topic_id <> topic.id AND other.status <> '{Status.TODO}'
) others ON true
"""  # noqa: S608 (table names from the models; values are parameters)


def _asynchronous() -> bool:
    """Whether the statement's transaction may commit without waiting for the disk.

    With STATUS_ASYNC_COMMIT (the default), a status change that is a transaction of its own
    does not wait for its WAL to be flushed: that wait is most of its time in PostgreSQL. A
    crash of the database server (not of the app) may then lose the changes of its last moments
    (up to three times `wal_writer_delay`, 0.6 s by default), each one whole: status, event and
    counts together, and the database stays consistent. Inside a larger transaction, the
    server's setting stands."""
    return settings.STATUS_ASYNC_COMMIT and not connection.in_atomic_block


def _write(
    sql: str,
    where: list[Any],
    user_id: int,
    status: str,
    reason: str,
    actor_id: int,
    others: bool = False,
) -> tuple[Topic, StatusChange, dict[str, Any]] | None:
    params = [user_id, str(status), reason, timezone.now(), actor_id, others, _asynchronous()]
    params += where
    parts = (TOPIC, TRACK, _PROGRESS, USER) if len(where) == 3 else (TOPIC, TRACK, _PROGRESS)
    for _attempt in range(2):
        found = fetch(sql, params, *parts)
        if found is None:
            return None
        topic, track, progress, *account, facts = found
        if account:
            facts["account"] = account[0]
        if progress.pk is not None:
            break
        # A first status on this topic raced another one, which inserted the row first: the
        # statement wrote nothing. Once more, it finds the row and changes it (or not).
    topic.track = track
    change = StatusChange(progress, facts["previous"], changed=bool(facts["changed"]))
    facts["rows"] = list(
        zip(
            facts["topic_ids"] or (),
            facts["statuses"] or (),
            facts["confirmed_by"] or (),
            strict=True,
        )
    )
    return topic, change, facts


# --- mentor feedback ---------------------------------------------------------------------
# Access is the views' business (an active mentorship); these functions only keep the data
# consistent. A sign-off is not written to ProgressEvent: that history is the learner's own
# status changes, which completions per week and streaks count.


class NotDone(ValueError):
    """Only a topic the learner marked done can be signed off."""

    message = _("Only a done topic can be confirmed.")


def confirm(mentor: AbstractBaseUser, mentee: AbstractBaseUser, topic: Topic) -> TopicProgress:
    """Sign off the mentee's done topic. A topic already signed off keeps its first sign-off."""
    with transaction.atomic():
        progress = (
            TopicProgress.objects.select_for_update().filter(user=mentee, topic=topic).first()
        )
        if progress is None or progress.status != Status.DONE:
            raise NotDone(NotDone.message)
        if progress.confirmed_by_id is None:
            progress.confirmed_by = mentor
            progress.confirmed_at = timezone.now()
            progress.save(update_fields=["confirmed_by", "confirmed_at"])
    return progress


def unconfirm(mentor: AbstractBaseUser, mentee: AbstractBaseUser, topic: Topic) -> bool:
    """Withdraw the mentor's own sign-off; another mentor's stays. True if one was withdrawn."""
    withdrawn = TopicProgress.objects.filter(user=mentee, topic=topic, confirmed_by=mentor).update(
        confirmed_by=None, confirmed_at=None
    )
    return withdrawn > 0


def add_comment(
    mentor: AbstractBaseUser, mentee: AbstractBaseUser, topic: Topic, body: str
) -> Comment:
    return Comment.objects.create(author=mentor, mentee=mentee, topic=topic, body=body.strip())
