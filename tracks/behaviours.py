"""A track's expected behaviours keep their identity through re-imports and edits.

Ratings hang on `ExpectedBehaviour` rows, so a new list of behaviours never deletes and
recreates them. Each incoming behaviour finds its row:

1. by the key written after its text (`- Be curious {#curious}`), among all the track's
   behaviours, retired ones included;
2. else by its wording, where case, accents, punctuation and spacing do not count
   ("Be curious." is "be curious");
3. else it is a new behaviour, with the key its text gives.

There is no matching by position: a behaviour reworded beyond punctuation and case, without
a written key, is a new one and the old one is retired with its ratings. Writing the old key
after the new text (`- Stay curious {#be-curious}`) keeps it the same behaviour.

Behaviours that the list no longer names are retired, never deleted; a retired behaviour that
comes back is restored, with its ratings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from .models import ExpectedBehaviour, Track, free_key
from .trackfiles import KEY_PATTERN, behaviour_key, behaviour_normal, split_behaviour


@dataclass
class BehaviourCounts:
    created: int = 0
    updated: int = 0
    retired: int = 0
    restored: int = 0
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.retired or self.restored)


def sync_behaviours(
    track: Track, behaviours: Iterable[str | tuple[str, str | None]]
) -> BehaviourCounts:
    """Make the track's live behaviours the given ones, in this order.

    Each item is a README list item (`text` or `text {#key}`) or a (text, key) pair. Rows are
    matched as the module docstring says; the text and order of matched rows are updated, the
    rest retired. Writes nothing when nothing changed. Runs in one transaction.
    """
    incoming: list[tuple[str, str | None]] = []
    for item in behaviours:
        text, key = split_behaviour(item) if isinstance(item, str) else item
        if text:
            incoming.append((text, key if key and KEY_PATTERN.match(key) else None))

    counts = BehaviourCounts()
    with transaction.atomic():
        existing = list(
            ExpectedBehaviour.objects.select_for_update()
            .filter(track=track)
            .order_by("retired", "order", "id")
        )
        by_key = {row.key: row for row in existing}
        by_text: dict[str, list[ExpectedBehaviour]] = {}
        for row in existing:  # live ones first, so a live row wins over a retired twin
            by_text.setdefault(behaviour_normal(row.text), []).append(row)
        written_keys = {key for _text, key in incoming if key}
        taken = set(by_key) | written_keys
        used: set[int] = set()
        wanted: list[tuple[ExpectedBehaviour | None, str, str | None]] = []
        for text, key in incoming:
            row = by_key.get(key) if key else None
            if row is not None and row.pk in used:
                row = None
            if row is None:
                candidates = by_text.get(behaviour_normal(text), [])
                row = next((c for c in candidates if c.pk not in used), None)
            if row is not None:
                used.add(row.pk)
            wanted.append((row, text, key))

        # Retire first, so that a key given up by one row is free for another.
        retire = [row for row in existing if row.pk not in used and not row.retired]
        if retire:
            ExpectedBehaviour.objects.filter(pk__in=[row.pk for row in retire]).update(retired=True)
            counts.retired = len(retire)

        create: list[ExpectedBehaviour] = []
        created_keys: set[str] = set()
        for order, (row, text, key) in enumerate(wanted):
            if row is None:
                if key and key not in by_key and key not in created_keys:
                    new_key = key
                else:
                    new_key = free_key(behaviour_key(text), taken)
                taken.add(new_key)
                created_keys.add(new_key)
                create.append(ExpectedBehaviour(track=track, key=new_key, text=text, order=order))
                continue
            changed = []
            if row.text != text:
                row.text = text
                changed.append("text")
            if row.order != order:
                row.order = order
                changed.append("order")
            if key and row.key != key and key not in by_key:
                # A key written for a behaviour found by its wording: it takes that key.
                row.key = key
                changed.append("key")
            if row.retired:
                row.retired = False
                changed.append("retired")
                counts.restored += 1
            elif changed:
                counts.updated += 1
            else:
                counts.unchanged += 1
            if changed:
                row.save(update_fields=changed)
        if create:
            ExpectedBehaviour.objects.bulk_create(create)
            counts.created = len(create)
    return counts
