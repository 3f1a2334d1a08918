"""The track page, built the way its diagram is: once per version, plus a thin per-viewer layer.

What depends only on the track's content version and the language (the topic order and
sections, the outline, the description, the behaviours and the SVG) is built once and cached
under `Track.content_version`, the language, who it is for (anonymous, signed in, staff) and
the templates' own version. A request adds its viewer's statuses to it: read with the track in
one statement (`viewed_track`), they become a `<style>` block and a few slots filled per topic
the viewer has touched (see tracks/fragments.py), with one CSRF token and the CSP nonce.

Templates rendered into a cached part see a stand-in `user` (is_authenticated, is_staff) and
a stand-in `request` (csp_nonce only): anything else about the viewer does not belong there.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any, TypeVar

from django.contrib.messages import get_messages
from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils.html import escape, format_html, strip_tags
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import get_language, gettext

from tracks.fragments import PAGE, PAGE_REGIONS, Fragment, Page, Slots, TopicSlots, slot
from tracks.models import Topic, Track, TrackWrites
from tracks.rows import TRACK, TRACK_COLUMNS, fetch, fetch_track
from tracks.templatetags.diagrams import diagram_highlight_css, topic_group_class
from tracks.templatetags.trilha import markdown_filter
from tracks.tree import Node, build_tree, walk

from . import sessionuser
from .context_processors import (
    HEADER_COLUMNS,
    header_params,
    header_params_of,
    header_state,
    remember_header,
)
from .models import Follow, Status, TopicProgress
from .stats import CONFIRMED, Tally, sections_of

# The templates whose output is cached; their source is part of every key, so that a changed
# template is never served from an old copy.
CACHED_TEMPLATES = (
    "progress/_track_body.html",
    "progress/_outline_node.html",
    "tracks/_diagram.html",
    "progress/_mentee_outline_node.html",
    "progress/dashboard.html",
    "progress/topic.html",
    "progress/track_detail.html",
    "progress/_progress_bars.html",
    "base.html",
    "teams/team_track.html",
    "teams/_outline_node.html",
)
# Keys change with every version, so old entries only need to expire.
TIMEOUT = 7 * 24 * 3600
LOCAL_SIZE = 64

T = TypeVar("T")


class LocalCache:
    """The latest `size` entries used in this process, built when missing."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: OrderedDict[str, Any] = OrderedDict()

    def get(self, key: str, build: Callable[[], T]) -> T:
        value = self.entries.get(key)
        if value is None:
            value = self.entries[key] = build()
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)
        else:
            self.entries.move_to_end(key)
        return value

    def clear(self) -> None:
        self.entries.clear()


# Entries never change under their key, so each process keeps the latest ones it used and
# asks the shared cache only for the others.
_local = LocalCache(LOCAL_SIZE)
# What viewers' statuses make of a page (`viewer_layer`) is cheap to rebuild and comes in many
# sets: kept in this process only, apart from the pages so that many viewers never push a page
# out.
_layers = LocalCache(1024)


def clear_local() -> None:
    _local.clear()
    _layers.clear()
    _visitor_tracks.clear()


def _shared(key: str, build: Callable[[], T]) -> T:
    pages = caches["pages"]
    value = pages.get(key)
    if value is None:
        value = build()
        pages.set(key, value, TIMEOUT)
    return value


def cached(key: str, build: Callable[[], T]) -> T:
    return _local.get(key, lambda: _shared(key, build))


def cache_key(*parts: str) -> str:
    """A cache key for a part built from `parts` in the active language by the current
    templates: a new language or template version never reads an old copy."""
    return ":".join([*parts, get_language() or "", template_version()])


@cache
def template_version() -> str:
    digest = hashlib.sha256()
    for name in CACHED_TEMPLATES:
        digest.update(get_template(name).template.source.encode())
    return digest.hexdigest()[:16]


# --- what depends on the track version only -------------------------------------------------


@dataclass(frozen=True)
class OutlineTopic:
    id: int
    key: str
    title: str


@dataclass
class SectionTally:
    key: str
    title: str
    tally: Tally


@dataclass
class Outline:
    """The live topics in reading order, and which of them count in which section."""

    topics: list[OutlineTopic]
    sections: list[tuple[str, str]]
    # Topic id -> index in `sections` (-1 when the track has none); the track's root topic,
    # the centre of the diagram, is not counted.
    counted: dict[int, int]
    # The page's meta description: the start of the track's description as plain text.
    description_meta: str = ""
    _index: dict[str, int] = field(default_factory=dict)
    _by_id: dict[int, OutlineTopic] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._index = {topic.key: index for index, topic in enumerate(self.topics)}
        self._by_id = {topic.id: topic for topic in self.topics}

    def get_by_id(self, topic_id: int) -> OutlineTopic | None:
        return self._by_id.get(topic_id)

    def get(self, key: str) -> OutlineTopic | None:
        index = self._index.get(key)
        return None if index is None else self.topics[index]

    def neighbours(self, key: str) -> tuple[OutlineTopic | None, OutlineTopic | None]:
        """The previous and next live topics in the outline's reading order."""
        index = self._index[key]
        previous = self.topics[index - 1] if index > 0 else None
        following = self.topics[index + 1] if index + 1 < len(self.topics) else None
        return previous, following

    def tally(self, statuses: dict[int, str]) -> tuple[Tally, list[SectionTally]]:
        """Overall and per-section counts, as `stats.tally_track` makes them."""
        totals = [0] * len(self.sections)
        for index in self.counted.values():
            if index >= 0:
                totals[index] += 1
        sections = [
            SectionTally(key, title, Tally(total=total))
            for (key, title), total in zip(self.sections, totals, strict=True)
        ]
        overall = Tally(total=len(self.counted))
        for topic_id, status in statuses.items():
            index = self.counted.get(topic_id)
            if index is None:
                continue
            _count(overall, status)
            if index >= 0:
                _count(sections[index].tally, status)
        return overall, sections


def _count(tally: Tally, status: str) -> None:
    if status == Status.DONE:
        tally.done += 1
    elif status == Status.DOING:
        tally.doing += 1
    elif status == Status.SKIPPED:
        tally.skipped += 1


def live_tree(track: Track) -> list[Node]:
    # The outline and the page body are built from the same tree, often in the same request.
    roots = getattr(track, "_live_tree", None)
    if roots is None:
        topics = list(Topic.objects.for_track(track).live())
        for topic in topics:
            topic.track = track
        roots = track._live_tree = build_tree(topics)
    return roots


def _build_outline(track: Track, roots: list[Node]) -> Outline:
    topics = [OutlineTopic(n.topic.id, n.topic.key, n.topic.title) for n in walk(roots)]
    section_roots = sections_of(roots)
    counted: dict[int, int] = {}
    for index, section in enumerate(section_roots):
        for node in section.walk():
            counted[node.topic.id] = index
    if not section_roots and len(roots) == 1:
        # A track made of a single topic: that topic is all there is to do.
        counted[roots[0].topic.id] = -1
    sections = [(section.topic.key, section.topic.title) for section in section_roots]
    plain = strip_tags(markdown_filter(track.description))
    return Outline(topics, sections, counted, Truncator(plain).words(30, truncate=" …"))


def track_outline(track: Track) -> Outline:
    key = f"trilha:outline:{track.content_version}"
    return cached(key, lambda: _build_outline(track, live_tree(track)))


class TopicUrls:
    """A topic's page and status URLs from one `reverse()` each, whatever the number of rows."""

    PLACEHOLDER = "__key__"

    def __init__(self, track: Track) -> None:
        self._topic = self._split("progress:topic", track)
        self._status = self._split("progress:set-status", track)

    def _split(self, name: str, track: Track) -> tuple[str, str]:
        before, _placeholder, after = reverse(name, args=[track.slug, self.PLACEHOLDER]).rpartition(
            self.PLACEHOLDER
        )
        return before, after

    def topic(self, key: str) -> str:
        return f"{self._topic[0]}{key}{self._topic[1]}"

    def status(self, key: str) -> str:
        return f"{self._status[0]}{key}{self._status[1]}"


def prepare_node(node: Node, urls: TopicUrls, row: Any) -> Node:
    """What `progress/_outline_node.html` reads from a node besides its topic."""
    node.row = row
    node.topic_url = urls.topic(node.topic.key)
    node.status_url = urls.status(node.topic.key)
    return node


@dataclass(frozen=True)
class Audience:
    """Who a cached part is for: the only things it may know about its viewer."""

    is_authenticated: bool
    is_staff: bool

    @property
    def is_anonymous(self) -> bool:
        return not self.is_authenticated

    @property
    def name(self) -> str:
        return "staff" if self.is_staff else "user" if self.is_authenticated else "anonymous"


@dataclass(frozen=True)
class _PageRequest:
    csp_nonce: str
    full_path: str = ""
    path: str = ""

    def get_full_path(self) -> str:
        return self.full_path


def audience_of(user: Any) -> Audience:
    return Audience(bool(user.is_authenticated), bool(user.is_authenticated and user.is_staff))


TODO_VALUES = {"cls": "status-todo", "keep": "todo", "checked": "", "badge": "", "svg": "topic"}


def _body_html(track: Track, audience: Audience) -> str:
    roots = live_tree(track)
    urls = TopicUrls(track)
    for node in walk(roots):
        prepare_node(node, urls, Slots(node.topic.key))
    context = {
        "track": track,
        "roots": roots,
        "behaviours": list(track.behaviours.live()),
        "highlights": TopicSlots(),
        "user": audience,
        "request": _PageRequest(slot(PAGE, "nonce")),
        "csrf_token": slot(PAGE, "csrf"),
    }
    return render_to_string("progress/_track_body.html", context)


def build_page(template: str, context: dict[str, Any], audience: Audience) -> Page:
    """A page that extends base.html, rendered for the cache: stand-ins for the viewer (the
    audience), the request (nonce and address as slots) and the CSRF token, and the header's
    per-user links kept as regions. Fill it with `fill_page`."""
    regions: dict[str, str] = {}
    context = {
        **context,
        "user": audience,
        "request": _PageRequest(slot(PAGE, "nonce"), slot(PAGE, "full_path")),
        "csrf_token": slot(PAGE, "csrf"),
        "mentoring_nav": True,
        "teams_nav": True,
        "unread_notifications": slot(PAGE, "unread_count"),
        PAGE_REGIONS: regions,
    }
    return Page.parse(render_to_string(template, context), regions, TODO_VALUES)


def _build_page(track: Track, audience: Audience) -> Page:
    """The whole track page with slots: the viewer's statuses in the body, the summary, the
    diagram's highlight rules, the header's per-user links, messages, CSRF token and nonce."""
    context = {
        "track": track,
        "description_meta": track_outline(track).description_meta,
        "body": mark_safe(_body_html(track, audience)),  # noqa: S308 (rendered just above)
        "related": list(track.related.published()),
    }
    return build_page("progress/track_detail.html", context, audience)


def track_page(track: Track, audience: Audience) -> Page:
    key = cache_key("trilha:track-page", track.content_version, audience.name)
    return cached(key, lambda: _build_page(track, audience))


# --- the viewer's layer ---------------------------------------------------------------------


def row_values(status: str) -> dict[str, SafeString]:
    """What differs per viewer in a topic's outline row and diagram node, for one status
    ("confirmed" is a done topic a mentor signed off). Shared between requests: read only."""
    return _row_values(str(status), get_language() or "")


@lru_cache(maxsize=64)
def _row_values(status: str, language: str) -> dict[str, SafeString]:
    if status == Status.TODO:
        return {name: mark_safe(value) for name, value in TODO_VALUES.items()}  # noqa: S308
    done = status in (Status.DONE, CONFIRMED)
    badge = ""
    if status == Status.DOING:
        badge = format_html('<span class="status-badge status-doing">{}</span>', gettext("Doing"))
    elif status == Status.SKIPPED:
        badge = format_html(
            '<span class="status-badge status-skipped">{}</span>', gettext("Skipped")
        )
    return {
        "cls": mark_safe(f"status-{Status.DONE if done else status}"),  # noqa: S308
        "keep": mark_safe(Status.TODO if done else status),  # noqa: S308
        "checked": mark_safe(" checked" if done else ""),
        "badge": mark_safe(badge),  # noqa: S308
        "svg": mark_safe(topic_group_class(status)),  # noqa: S308
    }


@dataclass
class Viewer:
    """One user's statuses on a track's live topics, and the figures made from them."""

    statuses: dict[int, str]
    highlights: dict[str, str]
    overall: Tally
    sections: list[SectionTally]

    def status_of(self, topic_id: int) -> str:
        return self.statuses.get(topic_id, Status.TODO)


# A track page asks the database once beyond the session and the user: the track, whether the
# viewer follows it, their statuses on it and the header's facts come in one statement. Built
# by the ORM, the parts would cost more to compose than to run.
_TRACK_SQL = f"""
SELECT {TRACK_COLUMNS}
FROM {Track._meta.db_table} track
WHERE track.slug = %s
"""  # noqa: S608 (table names from the models; values are parameters)
_VIEWER_TRACK_SQL = f"""
SELECT {TRACK_COLUMNS},
  EXISTS (SELECT 1 FROM {Follow._meta.db_table} follow
          WHERE follow.track_id = track.id AND follow.user_id = %s AND follow.active) AS following,
  statuses.topic_ids, statuses.statuses, statuses.confirmed_by,
  {HEADER_COLUMNS}
FROM {Track._meta.db_table} track
LEFT JOIN LATERAL (
  SELECT array_agg(progress.topic_id) AS topic_ids, array_agg(progress.status) AS statuses,
         array_agg(progress.confirmed_by_id) AS confirmed_by
  FROM {TopicProgress._meta.db_table} progress
  JOIN {Topic._meta.db_table} topic ON topic.id = progress.topic_id
  WHERE progress.user_id = %s AND topic.track_id = track.id AND progress.status <> %s
) statuses ON true
WHERE track.slug = %s
"""  # noqa: S608
_PUBLISHED = "AND track.published\n"
# Staff see every track, the others the published ones.
_TRACK_SQL_FOR = {True: _TRACK_SQL, False: _TRACK_SQL + _PUBLISHED}
_VIEWER_TRACK_SQL_FOR = {True: _VIEWER_TRACK_SQL, False: _VIEWER_TRACK_SQL + _PUBLISHED}


def with_session_user(sql: str, columns: str) -> str:
    """`sql` (a statement that starts `SELECT {columns},` and whose condition starts
    `WHERE track.slug = %s`) for a signed-in viewer whose user row has not been read yet: their
    row comes after `columns` (progress.sessionuser), joined on one more parameter just before
    the slug, and staff see unpublished tracks."""
    with_row = sql.replace(f"SELECT {columns},", f"SELECT {columns}, {sessionuser.USER.sql},", 1)
    return with_row.replace(
        "WHERE track.slug = %s",
        f"LEFT JOIN {sessionuser.User._meta.db_table} account ON account.id = %s\n"
        "WHERE track.slug = %s AND (track.published OR account.is_staff)",
        1,
    )


_SESSION_TRACK_SQL = with_session_user(_VIEWER_TRACK_SQL, TRACK_COLUMNS)
_STATUSES_SQL = f"""
SELECT progress.topic_id, progress.status, progress.confirmed_by_id
FROM {TopicProgress._meta.db_table} progress
JOIN {Topic._meta.db_table} topic ON topic.id = progress.topic_id
WHERE progress.user_id = %s AND topic.track_id = %s AND progress.status <> %s
"""  # noqa: S608


# A visitor's track lookup is the only query of their track page. Each process keeps the
# answer for a slug for a second, and drops it at once when the process itself writes to a
# track (TrackWrites): a change made by another process reaches visitors within a second.
VISITOR_FRESH_SECONDS = 1.0
_visitor_tracks: dict[str, tuple[float, int, Track | None]] = {}


def _visitor_track(slug: str) -> Track | None:
    now = time.monotonic()
    kept = _visitor_tracks.get(slug)
    if kept is not None and kept[0] > now and kept[1] == TrackWrites.count:
        return kept[2]
    writes = TrackWrites.count
    track = fetch_track(_TRACK_SQL_FOR[False], [slug])
    if track is not None:
        track.following = False
        track.rows = []
    if len(_visitor_tracks) >= 1024:
        _visitor_tracks.clear()  # slugs come from addresses: keep no more than a few
    _visitor_tracks[slug] = (now + VISITOR_FRESH_SECONDS, writes, track)
    return track


def viewed_track(request: HttpRequest, slug: str) -> Track | None:
    """The track of that slug if the viewer may see it (published, or any to staff). For a
    signed-in viewer, in the same statement: `following` (whether they follow it), `rows`
    (their statuses, as `viewer_state` takes them), the header's facts and, if it was not read
    yet, their user row."""
    user_id = sessionuser.unread_user_id(request)
    if user_id is not None:
        params = [user_id, *header_params_of(user_id), user_id, Status.TODO.value, user_id, slug]
        found = fetch(_SESSION_TRACK_SQL, params, TRACK, sessionuser.USER)
        if found is not None and sessionuser.adopt(request, found[1]):
            return _seen_by_user(request, found[0], found[2])
        # No such track, or a session Django has to look at: the usual way.
    user = request.user
    staff = bool(user.is_staff)
    if not user.is_authenticated:
        return _visitor_track(slug)
    params = [user.pk, *header_params(user), user.pk, Status.TODO.value, slug]
    found = fetch(_VIEWER_TRACK_SQL_FOR[staff], params, TRACK)
    return None if found is None else _seen_by_user(request, *found)


def _seen_by_user(request: HttpRequest, track: Track, facts: dict[str, Any]) -> Track:
    for name, value in facts.items():
        setattr(track, name, value)
    track.following = bool(track.following)
    track.rows = list(
        zip(track.topic_ids or (), track.statuses or (), track.confirmed_by or (), strict=True)
    )
    remember_header(request, track.header_mentoring, track.header_in_team, track.header_unread)
    return track


def viewer_state(
    user: Any, track: Track, outline: Outline, rows: Iterable[tuple[int, str, Any]] | None = None
) -> Viewer:
    """The user's statuses from one query (or from `rows` of (topic id, status, confirmed by))."""
    if rows is None:
        rows = []
        if user.is_authenticated:
            with connection.cursor() as cursor:
                cursor.execute(_STATUSES_SQL, [user.pk, track.pk, Status.TODO.value])
                rows = cursor.fetchall()
    statuses: dict[int, str] = {}
    highlights: dict[str, str] = {}
    for topic_id, status, confirmed_by in rows:
        topic = outline.get_by_id(topic_id)
        if topic is None or status == Status.TODO:
            continue  # retired since
        statuses[topic_id] = status
        confirmed = status == Status.DONE and confirmed_by is not None
        highlights[topic.key] = CONFIRMED if confirmed else str(status)
    overall, sections = outline.tally(statuses)
    return Viewer(statuses, highlights, overall, sections)


def summary(track: Track, audience: Audience, viewer: Viewer, following: bool) -> Fragment:
    """The one-line summary above the map, with per-section figures folded under it and a slot
    for the CSRF token (kept in the viewer's layer)."""
    context = {
        "track": track,
        "overall": viewer.overall,
        "sections": viewer.sections,
        "following": following,
        "user": audience,
        "request": _PageRequest(slot(PAGE, "nonce"), path=track.get_absolute_url()),
        "csrf_token": slot(PAGE, "csrf"),
    }
    return Fragment.parse(render_to_string("progress/track_detail.html#summary", context), {})


def csp_nonce(request: HttpRequest) -> str:
    # django-csp's lazy nonce is falsy until read: read it, so that the policy names it.
    lazy_nonce = getattr(request, "csp_nonce", None)
    return "" if lazy_nonce is None else str(lazy_nonce)


def fill_page(
    page: Page,
    request: HttpRequest,
    csrf_token: str,
    values: dict[str, dict[str, SafeString]] | None = None,
    page_values: dict[str, str | bytes] | None = None,
) -> bytes:
    """A page from `build_page` with this request in it (header links, messages, address,
    CSRF token, nonce), and the page's own `values` and `page_values`, encoded as it is sent."""
    page_values = {
        "csrf": csrf_token,
        "nonce": csp_nonce(request),
        "full_path": escape(request.get_full_path()),
        **(page_values or {}),
    }
    shown = []
    if request.user.is_authenticated:
        state = header_state(request)
        if state.mentoring:
            shown.append("nav_mentoring")
        if state.teams:
            shown.append("nav_teams")
        if state.unread:
            shown.append("unread")
            page_values["unread_count"] = str(state.unread)
    messages = get_messages(request)
    if messages:
        page_values["messages"] = render_to_string("base.html#messages", {"messages": messages})
    return page.fill(values or {}, page_values, shown)


@dataclass(frozen=True)
class ViewerLayer:
    """What a viewer's statuses make of the cached track page: each touched topic's row values,
    the diagram's highlight rules and the summary. Shared by viewers with the same statuses:
    read only."""

    values: dict[str, dict[str, SafeString]]
    css: str
    summary: Fragment


def viewer_layer(
    track: Track,
    outline: Outline,
    audience: Audience,
    following: bool,
    rows: Iterable[tuple[int, str, Any]],
) -> ViewerLayer:
    """The layer of the viewer whose statuses are `rows` (as `viewer_state` takes them)."""
    rows = sorted(rows)
    marks = ";".join(f"{topic}.{status}.{int(by is not None)}" for topic, status, by in rows)
    key = cache_key("trilha:layer", track.content_version, audience.name, str(following), marks)

    def build() -> ViewerLayer:
        viewer = viewer_state(None, track, outline, rows)
        values = {key: row_values(status) for key, status in viewer.highlights.items()}
        css = diagram_highlight_css(viewer.highlights)
        return ViewerLayer(values, css, summary(track, audience, viewer, following))

    return _layers.get(key, build)


def fill_track_page(page: Page, request: HttpRequest, layer: ViewerLayer, csrf_token: str) -> bytes:
    """The cached track page with this request's viewer in it, encoded as it is sent."""
    nonce = csp_nonce(request)
    page_values = {
        "summary": layer.summary.fill({}, {"csrf": csrf_token}),
        "highlights": mark_safe(  # noqa: S308 (rules made from checked topic keys)
            f'<style id="diagram-highlights" nonce="{nonce}">\n{layer.css}\n</style>\n'
        ),
    }
    return fill_page(page, request, csrf_token, layer.values, page_values)
