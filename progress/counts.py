"""Counts of statuses kept by the database for curator insights.

On PostgreSQL, triggers on progress_topicprogress (migration 0005_scale_indexes) add and take
away one per row inserted, deleted or moved to another status, in the transaction that does it:
`set_status`, an account deleted with its progress, a topic or track deleted, a bulk insert or
update. Counting this way keeps insights at a few index reads however many learners there are.
Other databases have no triggers here; insights counts the progress rows there.
"""

from __future__ import annotations

from django.db import connection, transaction


def kept_by_database() -> bool:
    return connection.vendor == "postgresql"


REBUILD_SQL = [
    "DELETE FROM progress_topicstatuscount",
    "DELETE FROM progress_learnertracktally",
    """
    INSERT INTO progress_topicstatuscount (topic_id, doing, done, skipped)
    SELECT topic_id,
           count(*) FILTER (WHERE status = 'doing'),
           count(*) FILTER (WHERE status = 'done'),
           count(*) FILTER (WHERE status = 'skipped')
    FROM progress_topicprogress
    WHERE status <> 'todo'
    GROUP BY topic_id
    """,
    """
    INSERT INTO progress_learnertracktally (user_id, track_id, marked, done)
    SELECT p.user_id, t.track_id, count(*), count(*) FILTER (WHERE p.status = 'done')
    FROM progress_topicprogress p JOIN tracks_topic t ON t.id = p.topic_id
    WHERE p.status <> 'todo'
    GROUP BY p.user_id, t.track_id
    """,
    "DELETE FROM progress_trackcount",
    """
    INSERT INTO progress_trackcount (track_id, followers, learners)
    SELECT t.id,
           (SELECT count(*) FROM progress_follow f WHERE f.track_id = t.id AND f.active),
           (SELECT count(*) FROM progress_learnertracktally l
            WHERE l.track_id = t.id AND l.marked > 0)
    FROM tracks_track t
    """,
]


def rebuild() -> None:
    """Count everything again from the progress rows: after a bulk load made with the
    triggers off (`seed_load`), or to repair counts by hand. Locks out status changes while it
    runs."""
    if not kept_by_database():
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE progress_topicprogress, progress_follow IN SHARE MODE")
        for statement in REBUILD_SQL:
            cursor.execute(statement)
