"""The queue of diagrams to draw, worked by `render_diagrams --worker` in its own process.

Requests never wait for PlantUML: an edit or an import only queues its track (`redraw_later`),
in the same transaction as the change. A worker takes the next due job with
`SELECT … FOR UPDATE SKIP LOCKED`, so that several workers never take the same one, leases it
and commits before it calls PlantUML (no lock is held while drawing, and a request that
queues the track again never waits for a worker). Each render is bounded in total time
(PLANTUML_TIMEOUT). A render that may pass (PlantUML down or too slow) is tried again later,
each time waiting longer; after MAX_ATTEMPTS the job gives up and the track shows the error.
Meanwhile the track page shows its previous diagram and says that it is being redrawn.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import Q
from django.utils import timezone

from .diagrams import Outcome, record_failure, render_track_diagram
from .models import RenderJob, Track, mark_track_changed
from .plantuml.renderer import RenderError

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
FIRST_RETRY_DELAY = timedelta(seconds=15)
LONGEST_RETRY_DELAY = timedelta(minutes=10)


def redraw_later(track_id: int) -> None:
    """Queue the track's diagram for the worker, as part of the current transaction: a change
    that rolls back queues nothing, and the worker sees the job once the change commits."""
    enqueue([track_id])


def enqueue(track_ids: Iterable[int]) -> int:
    """Queue these tracks (again): due now, with all their attempts ahead, and mark them as
    being redrawn. Locks each track row before its job row, as the worker does."""
    now = timezone.now()
    ids = sorted(set(Track.objects.filter(pk__in=list(track_ids)).values_list("pk", flat=True)))
    # A new updated_at is a new content version: cached pages learn of the redrawing.
    Track.objects.filter(pk__in=ids).update(diagram_redrawing=True, updated_at=now)
    RenderJob.objects.bulk_create(
        [RenderJob(track_id=track_id, requested_at=now, run_after=now) for track_id in ids],
        update_conflicts=True,
        unique_fields=["track"],
        # leased_until stays: a worker drawing the track now keeps it, and when it finishes it
        # sees the newer request_at and leaves the job for another round.
        update_fields=["requested_at", "run_after", "attempts", "last_error", "gave_up"],
    )
    return len(ids)


def lease_length() -> timedelta:
    # A job asks PlantUML at most twice (its version, then the drawing), each bounded.
    return timedelta(seconds=2 * settings.PLANTUML_TIMEOUT + 60)


def retry_delay(attempts: int) -> timedelta:
    """15 s after the first failure, then 30 s, 1 min, 2 min…, at most 10 min."""
    return min(FIRST_RETRY_DELAY * 2 ** max(attempts - 1, 0), LONGEST_RETRY_DELAY)


def claim() -> RenderJob | None:
    """Lease the next due job, skipping those another worker has locked, or return None."""
    now = timezone.now()
    with transaction.atomic():
        job = (
            RenderJob.objects.select_for_update(skip_locked=True)
            .filter(gave_up=False, run_after__lte=now)
            .filter(Q(leased_until__isnull=True) | Q(leased_until__lt=now))
            .order_by("run_after", "pk")
            .first()
        )
        if job is None:
            return None
        job.leased_until = now + lease_length()
        job.attempts += 1
        job.save(update_fields=["leased_until", "attempts"])
    return job


def work_one() -> tuple[RenderJob, str] | None:
    """Draw the next due track: (its job, what happened), or None when nothing is due."""
    job = claim()
    if job is None:
        return None
    track = Track.objects.filter(pk=job.track_id).first()
    if track is None:  # deleted since: its job went with it
        return job, "the track is gone"
    try:
        outcome = render_track_diagram(track, raise_transient=True)
    except RenderError as error:
        return job, _failed(job, track, str(error))
    except Exception as error:  # the worker goes on with the next job
        logger.exception("Drawing the diagram of %s failed", track.slug)
        return job, _failed(job, track, str(error) or type(error).__name__)
    _finished(job)
    if outcome == Outcome.FAILED:
        return job, f"not drawn: {Track.objects.get(pk=track.pk).diagram_error}"
    return job, str(outcome)


def _finished(job: RenderJob) -> None:
    # Cached pages said "being redrawn": a new version makes them say what happened.
    mark_track_changed(job.track_id)
    with transaction.atomic():
        _lock_track(job)
        deleted, _ = RenderJob.objects.filter(pk=job.pk, requested_at=job.requested_at).delete()
        if deleted:
            Track.objects.filter(pk=job.track_id).update(diagram_redrawing=False)
        else:
            # Queued again while it was drawn: free it for a round with the newer topics.
            RenderJob.objects.filter(pk=job.pk).update(leased_until=None)


def _lock_track(job: RenderJob) -> None:
    # Track row first, then the job's: the order enqueue() takes them in, so neither waits
    # for the other in a circle.
    list(Track.objects.select_for_update().filter(pk=job.track_id).values_list("pk"))


def _failed(job: RenderJob, track: Track, reason: str) -> str:
    with transaction.atomic():
        _lock_track(job)
        current = RenderJob.objects.select_for_update().filter(pk=job.pk).first()
        if current is None:
            return f"failed ({reason}); the job is gone"
        current.leased_until = None
        if current.requested_at != job.requested_at:
            current.save(update_fields=["leased_until"])
            return f"failed ({reason}); queued again meanwhile"
        current.last_error = reason
        if job.attempts >= MAX_ATTEMPTS:
            current.gave_up = True
            current.save(update_fields=["leased_until", "last_error", "gave_up"])
            Track.objects.filter(pk=track.pk).update(diagram_redrawing=False)
            track.diagram_redrawing = False
            record_failure(track, reason)
            mark_track_changed(track.pk)
            return f"failed ({reason}); gave up after {job.attempts} attempts"
        current.run_after = timezone.now() + retry_delay(job.attempts)
        current.save(update_fields=["leased_until", "last_error", "run_after"])
    delay = retry_delay(job.attempts).total_seconds()
    return f"failed ({reason}); attempt {job.attempts} of {MAX_ATTEMPTS}, again in {delay:g} s"


def run_worker(
    poll: float, should_stop: Callable[[], bool], wait: Callable[[float], None], report
) -> None:
    """Draw due jobs until should_stop(); wait(poll) between empty polls. report(track, what)
    hears about each job."""
    while not should_stop():
        # A long-lived process: drop connections the database closed or that grew too old.
        close_old_connections()
        try:
            done = work_one()
        except Exception:  # the database went away: wait and try again
            logger.exception("The diagram worker could not reach the queue")
            done = None
        if done is None:
            wait(poll)
        else:
            job, what = done
            report(job.track_id, what)
