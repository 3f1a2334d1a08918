"""HTML rendered once with placeholders ("slots") and filled per request by string joins.

A page part that depends only on a track version is rendered by the template engine once, with
`slot(key, name)` wherever a value differs between viewers (a topic's status class, a checked
box, the CSRF token). `Fragment` keeps the text, encoded as it is sent, with every slot at its
default and where each slot sits; `fill` splices each viewer's values in, at a cost that grows
with the slots that differ from their defaults, not with the template.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.utils.safestring import SafeString, mark_safe

# NUL never occurs in text stored by PostgreSQL, and autoescaping leaves it alone.
MARK = "\x00"
PAGE = ""  # the key of slots that belong to the page, not to a topic


def slot(key: str, name: str) -> SafeString:
    return mark_safe(f"{MARK}{key}|{name}{MARK}")  # noqa: S308 (a placeholder, no markup)


class Slots:
    """Stands in for a topic's per-viewer values while a fragment is rendered:
    `{{ node.row.badge }}` renders as a placeholder for `badge` of that topic."""

    def __init__(self, key: str) -> None:
        self.key = key

    def __getitem__(self, name: str) -> SafeString:
        return slot(self.key, name)

    def __getattr__(self, name: str) -> SafeString:
        if name.startswith("__"):
            raise AttributeError(name)
        return slot(self.key, name)


@dataclass
class Fragment:
    # The HTML, UTF-8 encoded as it is sent, cut at its slots: text, slot, text, ... text, with
    # every slot at its default value.
    pieces: list[bytes]
    # key -> slot name -> the indexes in `pieces` of that slot (the CSRF token fills one in
    # every row of an outline).
    slots: dict[str, dict[str, list[int]]] = field(default_factory=dict)

    @classmethod
    def parse(cls, html: str, defaults: Mapping[str, str]) -> Fragment:
        """Split rendered HTML at its placeholders; each starts out with `defaults[name]`."""
        pieces = html.split(MARK)
        if len(pieces) % 2 == 0:
            raise ValueError("unbalanced placeholder in a fragment")
        slots: dict[str, dict[str, list[int]]] = {}
        out: list[bytes] = []
        for index, piece in enumerate(pieces):
            if index % 2 == 0:
                out.append(piece.encode())
            else:
                key, _bar, name = piece.rpartition("|")
                out.append(defaults.get(name, "").encode())
                slots.setdefault(key, {}).setdefault(name, []).append(index)
        return cls(out, slots)

    @property
    def text(self) -> bytes:
        """The HTML with every slot at its default."""
        return b"".join(self.pieces)

    def fill(
        self,
        values: Mapping[str, Mapping[str, str | bytes]],
        page: Mapping[str, str | bytes] | None = None,
    ) -> bytes:
        """The HTML, UTF-8 encoded, with `values[key][name]` in the slots of each key given
        (where given), `page[name]` in the page's own slots, and defaults everywhere else. The
        cost grows with the slots filled, not with the size of the HTML."""
        parts = self.pieces.copy()
        # Each distinct value is encoded once: viewers share a few row values.
        encoded: dict[str | bytes, bytes] = {}

        def put(positions: list[int], value: str | bytes) -> None:
            data = encoded.get(value)
            if data is None:
                data = encoded[value] = value if isinstance(value, bytes) else value.encode()
            for position in positions:
                parts[position] = data

        for key, named in values.items():
            slots = self.slots.get(key)
            if slots:
                for name, value in named.items():
                    positions = slots.get(name)
                    if positions:
                        put(positions, value)
        page = page or {}
        for name, positions in self.slots.get(PAGE, {}).items():
            put(positions, page.get(name, ""))
        return b"".join(parts)


class TopicSlots:
    """Given as a diagram's `highlights` while a fragment is rendered: each topic's group gets
    a placeholder (`svg`) for its classes instead of one viewer's statuses."""


# The context variable that puts `{% pageslot %}` in cache mode: a dict that collects regions.
PAGE_REGIONS = "page_regions"


@dataclass
class Page:
    """A whole page rendered once with slots, and its optional regions (`{% pageslot "name" if
    condition %}`), each kept as a fragment of its own and shown per request."""

    fragment: Fragment
    regions: dict[str, Fragment] = field(default_factory=dict)

    @classmethod
    def parse(cls, html: str, regions: Mapping[str, str], defaults: Mapping[str, str]) -> Page:
        return cls(
            Fragment.parse(html, defaults),
            {name: Fragment.parse(text, defaults) for name, text in regions.items()},
        )

    def fill(
        self,
        values: Mapping[str, Mapping[str, str | bytes]],
        page: Mapping[str, str | bytes],
        shown: Iterable[str] = (),
    ) -> bytes:
        """The page with `values` and `page` as in `Fragment.fill`, the regions named in
        `shown` in their place (filled with `page` too) and the other regions left out."""
        page = dict(page)
        for name in shown:
            region = self.regions.get(name)
            if region is not None:
                page[name] = region.fill({}, page)
        return self.fragment.fill(values, page)
