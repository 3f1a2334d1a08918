"""Writing plans to the database: one transaction for the whole import, idempotent.

Only a complete, valid set of plans gets here (see `plan.py`); this module decides what
changes, row by row, and changes nothing else.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from django.db import connection, transaction
from django.utils.translation import gettext as _

from ..behaviours import sync_behaviours
from ..models import ExpectedBehaviour, Resource, Topic, Track
from ..render_queue import enqueue
from ..trackfiles import normalize_text
from .plan import TopicPlan, TrackPlan, read_tracks

logger = logging.getLogger(__name__)


@dataclass
class TrackResult:
    slug: str
    title: str
    created: bool = False
    topics: int = 0
    topics_created: int = 0
    topics_updated: int = 0
    topics_retired: int = 0
    resources: int = 0
    behaviours: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.topics_created or self.topics_updated)

    def summary(self) -> str:
        return _(
            "%(slug)s: %(title)s — %(topics)d topics (%(created)d created, %(updated)d updated, "
            "%(retired)d retired), %(resources)d resources, %(behaviours)d behaviours, "
            "%(warnings)d warnings"
        ) % {
            "slug": self.slug,
            "title": self.title,
            "topics": self.topics,
            "created": self.topics_created,
            "updated": self.topics_updated,
            "retired": self.topics_retired,
            "resources": self.resources,
            "behaviours": self.behaviours,
            "warnings": len(self.warnings),
        }


def related_warnings(plans: list[TrackPlan]) -> dict[str, list[str]]:
    """Related tracks that neither exist nor come in this import, per track slug."""
    incoming = {plan.slug for plan in plans}
    wanted = {slug for plan in plans for slug, _where in plan.related or []}
    existing = set(Track.objects.filter(slug__in=wanted).values_list("slug", flat=True))
    warnings: dict[str, list[str]] = defaultdict(list)
    for plan in plans:
        for slug, where in plan.related or []:
            if slug not in incoming and slug not in existing:
                warnings[plan.slug].append(
                    _("%(where)s: the related track “%(slug)s” does not exist; not linked")
                    % {"where": where, "slug": slug}
                )
    return warnings


def _keep_text_warning(plan: TrackPlan) -> str:
    return _(
        "%(where)s: no trilha-texto.md; existing topics keep their descriptions and resources"
    ) % {"where": plan.label}


def dry_run_warnings(plans: list[TrackPlan]) -> dict[str, list[str]]:
    """What an import of the plans would report beyond the plans' own warnings, per track
    slug, found by reading the database only."""
    warnings = related_warnings(plans)
    without_text = [plan for plan in plans if not plan.has_text]
    existing = set(
        Track.objects.filter(slug__in=[plan.slug for plan in without_text]).values_list(
            "slug", flat=True
        )
    )
    for plan in without_text:
        if plan.slug in existing:
            warnings[plan.slug].append(_keep_text_warning(plan))
    return warnings


def apply_plans(plans: list[TrackPlan]) -> list[TrackResult]:
    """Write the tracks in one transaction, which also queues the diagrams of the tracks whose
    topics changed for the worker."""
    missing = related_warnings(plans)
    with transaction.atomic():
        _lock_tracks(plan.slug for plan in plans)
        results = []
        tracks: dict[str, Track] = {}
        for plan in plans:
            track, result = _apply_track(plan)
            tracks[plan.slug] = track
            result.warnings = plan.warnings + result.warnings + missing.get(plan.slug, [])
            results.append(result)
        _link_related(plans, tracks)
        # A track whose topics stay as they were keeps its diagram: importing a track's own
        # export changes no row. (`render_diagrams` draws the diagrams that are missing.)
        enqueue(
            tracks[result.slug].pk for result in results if result.changed or result.topics_retired
        )
    return results


def _lock_tracks(slugs: Iterable[str]) -> None:
    """Imports of the same track run one after the other: each takes a lock per slug (in slug
    order, so two imports never wait for each other crosswise), held until its transaction
    ends. The second then finds the track the first created and updates it."""
    if connection.vendor != "postgresql":
        return  # SQLite runs one writing transaction at a time anyway
    with connection.cursor() as cursor:
        for slug in sorted(set(slugs)):
            digest = hashlib.sha256(f"tracks.import:{slug}".encode()).digest()
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest[:8], signed=True)]
            )


def _link_related(plans: list[TrackPlan], tracks: dict[str, Track]) -> None:
    """ "See also" is mutual: a track is related to the tracks its README links and to the
    tracks of this import whose README links it. Its README is the truth for the rest."""
    links = {
        plan.slug: {slug for slug, _where in plan.related}
        for plan in plans
        if plan.related is not None
    }
    for slug, own in links.items():
        wanted = own | {other for other, theirs in links.items() if slug in theirs}
        related = set(Track.objects.filter(slug__in=wanted).values_list("pk", flat=True))
        track = tracks[slug]
        if set(track.related.values_list("pk", flat=True)) != related:
            track.related.set(related)


def _apply_track(plan: TrackPlan) -> tuple[Track, TrackResult]:
    result = TrackResult(slug=plan.slug, title=plan.title, topics=len(plan.topics))
    values: dict[str, object] = {"title": plan.title, "diagram_kind": plan.diagram_kind}
    if plan.description is not None:
        values["description"] = plan.description
    if plan.language:
        values["language"] = plan.language
    track = Track.objects.filter(slug=plan.slug).first()
    if track is None:
        track = Track.objects.create(slug=plan.slug, **values)
        result.created = True
    else:
        changed = [name for name, value in values.items() if getattr(track, name) != value]
        if changed:
            for name in changed:
                setattr(track, name, values[name])
            track.save(update_fields=[*changed, "updated_at"])

    if plan.behaviours is not None:
        _apply_behaviours(track, plan.behaviours, result)
    else:
        result.behaviours = ExpectedBehaviour.objects.filter(track=track).live().count()

    existing = {topic.key: topic for topic in Topic.objects.filter(track=track)}
    # Without trilha-texto.md the files say nothing about descriptions, resources or keys:
    # existing topics keep theirs (as the track keeps its description without a README.md).
    keep_text = not plan.has_text and not result.created
    topics = plan.topics
    if keep_text:
        topics = _keys_by_title(plan.topics, existing)
        result.warnings.append(_keep_text_warning(plan))
    kept: set[str] = set()  # keys of the topics whose resources stay as they are
    saved: dict[str, Topic] = {}
    orders = _sibling_orders(topics, existing)
    for plan_topic in topics:
        parent = saved[plan_topic.parent_key] if plan_topic.parent_key else None
        fields = {
            "title": plan_topic.title,
            "description": plan_topic.description,
            "order": orders[plan_topic.key],
            "side": plan_topic.side,
            "colour": plan_topic.colour,
            "boxless": plan_topic.boxless,
            "parent_id": parent.pk if parent else None,
            "retired": False,
        }
        topic = existing.get(plan_topic.key)
        if topic is None:
            topic = Topic.objects.create(track=track, key=plan_topic.key, **fields)
            result.topics_created += 1
        else:
            if keep_text:
                kept.add(plan_topic.key)
                if not plan_topic.description:  # a note on the diagram node still wins
                    del fields["description"]
            changed = [name for name, value in fields.items() if getattr(topic, name) != value]
            if changed:
                for name in changed:
                    setattr(topic, name, fields[name])
                topic.save(update_fields=changed)
                result.topics_updated += 1
        saved[plan_topic.key] = topic
    for key, topic in existing.items():
        if key not in saved and not topic.retired:
            topic.retired = True
            topic.save(update_fields=["retired"])
            result.topics_retired += 1

    current_resources: dict[int, list[tuple[str, str, str, str]]] = defaultdict(list)
    for resource in Resource.objects.filter(topic__track=track).order_by("topic_id", "order"):
        current_resources[resource.topic_id].append(
            (resource.title, resource.url, resource.kind, resource.language)
        )
    for plan_topic in topics:
        topic = saved[plan_topic.key]
        if plan_topic.key in kept:
            result.resources += len(current_resources.get(topic.pk, []))
            continue
        wanted = [resource.as_tuple() for resource in plan_topic.resources]
        result.resources += len(wanted)
        if current_resources.get(topic.pk, []) != wanted:
            Resource.objects.filter(topic=topic).delete()
            Resource.objects.bulk_create(
                Resource(topic=topic, title=title, url=url, kind=kind, language=lang, order=order)
                for order, (title, url, kind, lang) in enumerate(wanted)
            )
    return track, result


def _sibling_orders(topics: list[TopicPlan], existing: dict[str, Topic]) -> dict[str, int]:
    """Each planned topic's `order`. Only the order among siblings means anything (the tree is
    built by sorting siblings), so siblings whose current orders already run in the planned
    sequence keep them: importing an export, or the same files again, changes no row. Other
    groups of siblings take the plan's numbers, which run in file order."""
    groups: dict[str | None, list[TopicPlan]] = defaultdict(list)
    for topic in topics:
        groups[topic.parent_key].append(topic)
    orders: dict[str, int] = {}
    for siblings in groups.values():
        current = [existing[t.key].order if t.key in existing else None for t in siblings]
        keep = None not in current and all(
            before < after for before, after in zip(current, current[1:], strict=False)
        )
        for topic, order in zip(siblings, current, strict=True):
            orders[topic.key] = order if keep and order is not None else topic.order
    return orders


def _apply_behaviours(track: Track, behaviours: list[str], result: TrackResult) -> None:
    """The track's expected behaviours follow the README's list: matched by key or wording,
    reordered, and retired (never deleted, so check-in ratings stay) when they leave it."""
    result.behaviours = len(behaviours)
    sync_behaviours(track, behaviours)


def _keys_by_title(topics: list[TopicPlan], existing: dict[str, Topic]) -> list[TopicPlan]:
    """The planned topics, each whose key is new taking the key of the one existing topic
    (live or retired) with its title, unless another planned topic has that key.

    Without trilha-texto.md keys come from titles, and a topic renamed in the app keeps its
    old key; this keeps it (and its learners' progress) rather than retiring it."""
    by_title: dict[str, list[str]] = defaultdict(list)
    for topic in existing.values():
        by_title[normalize_text(topic.title)].append(topic.key)
    taken = {topic.key for topic in topics}
    renamed: dict[str, str] = {}
    for topic in topics:
        if topic.key in existing:
            continue
        candidates = by_title.get(normalize_text(topic.title), [])
        if len(candidates) == 1 and candidates[0] not in taken:
            renamed[topic.key] = candidates[0]
            taken.add(candidates[0])
    return [
        replace(
            topic,
            key=renamed.get(topic.key, topic.key),
            parent_key=renamed.get(topic.parent_key or "", topic.parent_key),
        )
        for topic in topics
    ]


def import_path(path: Path, *, strict: bool = False) -> list[TrackResult]:
    return apply_plans(read_tracks(path, strict=strict))
