"""Model instances read by a statement written out in SQL, with extra columns of its own.

The track page, the topic panel and a team's heatmap ask for a track (or a topic and its track)
together with a few facts about the viewer in one statement. `Model.objects.raw()` would work
out the columns and the model's field order on every call; here that is done once per model,
and each row becomes instances the way the ORM makes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models

from .models import Topic, Track


class Columns:
    """A model's columns in a statement, under a table alias, in the model's field order."""

    def __init__(self, model: type[models.Model], alias: str) -> None:
        self.model = model
        self.fields = model._meta.concrete_fields
        self.attnames = [field.attname for field in self.fields]
        self.sql = ", ".join(f"{alias}.{field.column}" for field in self.fields)
        self.converters = [
            (index, field.from_db_value)
            for index, field in enumerate(self.fields)
            if hasattr(field, "from_db_value")
        ]

    def __len__(self) -> int:
        return len(self.fields)

    def instance(self, values: Sequence[Any]) -> models.Model:
        values = list(values)
        for index, convert in self.converters:
            values[index] = convert(values[index], None, connection)
        return self.model.from_db(connection.alias, self.attnames, values)


TRACK = Columns(Track, "track")
TOPIC = Columns(Topic, "topic")
# The track's columns, first in the statements that `fetch_track` reads.
TRACK_COLUMNS = TRACK.sql


def track_version(alias: str = "track") -> str:
    """`Track.content_version` as SQL, for statements that fingerprint pages built from
    tracks (progress.viewerpages): it must change whenever that property does."""
    return f"concat_ws('.', {alias}.id, {alias}.updated_at, {alias}.diagram_id)"


# The column names of each statement `fetch` ran: reading them from the cursor makes an object
# per column on every call.
_names: dict[str, list[str]] = {}


def fetch(sql: str, params: Sequence[Any], *parts: Columns) -> list[Any] | None:
    """The first row of `sql`, whose columns start with those of `parts` in turn: an instance
    of each part's model, then a dict of the other columns by name. None when there is no row."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        if row is None:
            return None
        names = _names.get(sql)
        if names is None:
            names = _names[sql] = [column.name for column in cursor.description]
    found: list[Any] = []
    start = 0
    for part in parts:
        found.append(part.instance(row[start : start + len(part)]))
        start += len(part)
    found.append(dict(zip(names[start:], row[start:], strict=True)))
    return found


def fetch_track(sql: str, params: Sequence[Any]) -> Track | None:
    """The first row of `sql`, whose columns start with `TRACK_COLUMNS`, as a Track; each
    column after them becomes an attribute of that name. None when there is no row."""
    found = fetch(sql, params, TRACK)
    if found is None:
        return None
    track, extra = found
    for name, value in extra.items():
        setattr(track, name, value)
    return track
