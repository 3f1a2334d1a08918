"""The topic panel: a topic's content, the viewer's status, notes and comments.

As htmx loads it into the track page, the panel is built once per track version, topic,
language and audience, like the track page (progress.trackpage), and filled per request: the
status part (itself cached per status while it has no skip reason or sign-off), the viewer's
notes and comments when there are any, and the CSRF token. One statement reads the topic, its
track, the viewer's status and whether they have notes or comments on it.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import get_template, render_to_string
from django.utils.safestring import SafeString, mark_safe

from tracks.fragments import PAGE, PAGE_REGIONS, Fragment, slot
from tracks.models import Resource, Topic
from tracks.rows import TOPIC, TRACK, fetch

from . import sessionuser, trackpage
from .forms import NoteForm
from .models import Comment, Note, Status, TopicProgress
from .sessionuser import USER

# --- the parts, as any view of a topic shows them ------------------------------------------


def grouped_resources(topic: Topic) -> list[tuple[str, list[Resource]]]:
    """Resources grouped by kind, kinds in their declared order."""
    groups: dict[str, list[Resource]] = {}
    for resource in topic.resources.all():
        groups.setdefault(resource.kind, []).append(resource)
    return [(label, groups[kind]) for kind, label in Resource.Kind.choices if kind in groups]


def topic_content(topic: Topic, embedded: bool) -> SafeString:
    """The topic's description and suggested content, drawn once per track version."""
    where = "embedded" if embedded else "page"
    key = trackpage.cache_key("trilha:topic-content", topic.track.content_version, topic.key, where)

    def draw() -> SafeString:
        context = {
            "topic": topic,
            "resource_groups": grouped_resources(topic),
            "sub_level": 3 if embedded else 2,
        }
        html = get_template("progress/topic.html#content").render(context)
        return mark_safe(html)  # noqa: S308 (rendered by the template engine)

    return trackpage.cached(key, draw)


def progress_row(user: AbstractBaseUser | AnonymousUser, topic: Topic) -> TopicProgress | None:
    if not user.is_authenticated:
        return None
    rows = TopicProgress.objects.filter(user=user, topic=topic)
    return rows.select_related("confirmed_by__profile").first()


def status_context(topic: Topic, row: TopicProgress | None, embedded: bool) -> dict:
    """What the panel's status part shows."""
    confirmed = bool(row and row.confirmed_by_id and row.status == Status.DONE)
    return {
        "track": topic.track,
        "topic": topic,
        "status": row.status if row else Status.TODO,
        "reason": row.reason if row else "",
        "confirmed": confirmed,
        "confirmed_by": row.confirmed_by if confirmed else None,
        "confirmed_at": row.confirmed_at if confirmed else None,
        "status_choices": [
            (Status.TODO, Status.TODO.label, "t"),
            (Status.DOING, Status.DOING.label, "g"),
            (Status.DONE, Status.DONE.label, "d"),
        ],
        "embedded": embedded,
    }


def panel_context(
    request: HttpRequest,
    topic: Topic,
    embedded: bool,
    note_form: NoteForm | None = None,
    row: TopicProgress | None = None,
) -> dict:
    """The topic panel: the topic's content, the viewer's status, notes and comments, and the
    neighbouring topics from the cached outline."""
    if row is None:
        row = progress_row(request.user, topic)
    notes: list[Note] = []
    comments: list[Comment] = []
    if request.user.is_authenticated:
        notes = list(Note.objects.filter(user=request.user, topic=topic))
        comments = received_comments(request.user, topic)
    return {
        **status_context(topic, row, embedded),
        **_fixed_context(topic, embedded, note_form),
        "comments": comments,
        "notes": notes,
    }


def received_comments(user: AbstractBaseUser, topic: Topic) -> list[Comment]:
    # Former mentors' comments stay: they were written to this learner.
    received = Comment.objects.filter(mentee=user, topic=topic)
    return list(received.select_related("author__profile"))


def _fixed_context(topic: Topic, embedded: bool, note_form: NoteForm | None = None) -> dict:
    """What the panel shows everyone alike."""
    previous, following = trackpage.track_outline(topic.track).neighbours(topic.key)
    return {
        "content": topic_content(topic, embedded),
        "note_form": note_form or NoteForm(auto_id=f"note-new-{topic.key}-%s"),
        "previous_topic": previous,
        "next_topic": following,
        "heading_level": 2 if embedded else 1,
        "sub_level": 3 if embedded else 2,
    }


# --- the panel as htmx loads it, cached -------------------------------------------------------

_PANEL_SQL = f"""
SELECT {TOPIC.sql}, {TRACK.sql},
  progress.status, progress.reason, progress.confirmed_by_id,
  EXISTS (SELECT 1 FROM {Note._meta.db_table} note
          WHERE note.user_id = %s AND note.topic_id = topic.id) AS has_notes,
  EXISTS (SELECT 1 FROM {Comment._meta.db_table} comment
          WHERE comment.mentee_id = %s AND comment.topic_id = topic.id) AS has_comments
FROM {Topic._meta.db_table} topic
JOIN {TRACK.model._meta.db_table} track ON track.id = topic.track_id
LEFT JOIN {TopicProgress._meta.db_table} progress
  ON progress.topic_id = topic.id AND progress.user_id = %s
WHERE track.slug = %s AND topic.key = %s AND NOT topic.retired
"""  # noqa: S608 (table names from the models; values are parameters)
# Staff see every track, the others the published ones.
_PANEL_SQL_FOR = {True: _PANEL_SQL, False: _PANEL_SQL + "AND track.published\n"}
# The same with the signed-in viewer's user row, not read yet (progress.sessionuser).
_SESSION_PANEL_SQL = trackpage.with_session_user(_PANEL_SQL, f"{TOPIC.sql}, {TRACK.sql}")


def _panel(topic: Topic, audience: trackpage.Audience, embedded: bool) -> Fragment:
    """The panel (`embedded` in the track page, or on the topic's own page) with slots for the
    status part, the notes, the comments and the CSRF token."""

    def build() -> Fragment:
        context = {
            **_fixed_context(topic, embedded=embedded),
            "track": topic.track,
            "topic": topic,
            "embedded": embedded,
            "user": audience,
            "csrf_token": slot(PAGE, "csrf"),
            PAGE_REGIONS: {},
        }
        return Fragment.parse(render_to_string("progress/topic.html#panel", context), {})

    where = "embedded" if embedded else "page"
    version = topic.track.content_version
    key = trackpage.cache_key("trilha:panel", version, topic.key, where, audience.name)
    return trackpage.cached(key, build)


def _status_part(
    topic: Topic, status: str, audience: trackpage.Audience, embedded: bool
) -> Fragment:
    """The status part for a status without a skip reason or a sign-off, with a CSRF slot."""

    def build() -> Fragment:
        row = None if status == Status.TODO else TopicProgress(status=status)
        context = {
            **status_context(topic, row, embedded=embedded),
            "user": audience,
            "csrf_token": slot(PAGE, "csrf"),
        }
        return Fragment.parse(render_to_string("progress/topic.html#status", context), {})

    where = "embedded" if embedded else "page"
    version = topic.track.content_version
    key = trackpage.cache_key(
        "trilha:panel-status", version, topic.key, str(status), where, audience.name
    )
    return trackpage.cached(key, build)


def panel_html(
    request: HttpRequest,
    topic: Topic,
    embedded: bool,
    row: TopicProgress | None,
    has_notes: bool,
    has_comments: bool,
) -> bytes:
    """The panel for this viewer from the cached one: `row` is their status on the topic (None
    for none), `has_notes` and `has_comments` whether there are any of theirs to show."""
    user = request.user
    audience = trackpage.audience_of(user)
    token = get_token(request)
    status = row.status if row else Status.TODO
    confirmed = status == Status.DONE and row.confirmed_by_id is not None
    if not confirmed and not (row and row.reason):
        part = _status_part(topic, status, audience, embedded)
        status_html: str | bytes = part.fill({}, {"csrf": token})
    else:
        # A sign-off names the mentor: their name is read with the row.
        shown = progress_row(user, topic) if confirmed else row
        context = status_context(topic, shown, embedded=embedded)
        status_html = render_to_string("progress/topic.html#status", context, request)
    values: dict[str, Any] = {"csrf": token, "status": status_html}
    if has_notes:
        notes = list(Note.objects.filter(user=user, topic=topic))
        context = {"notes": notes, "topic": topic, "track": topic.track}
        values["notes"] = render_to_string("progress/topic.html#note-list", context, request)
    if has_comments:
        sub_level = 3 if embedded else 2
        context = {
            "comments": received_comments(user, topic),
            "topic": topic,
            "sub_level": sub_level,
        }
        values["comments"] = render_to_string("progress/topic.html#comments", context, request)
    return _panel(topic, audience, embedded).fill({}, values)


def panel_response(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    """The embedded topic panel for this viewer; 404 unless the topic is live on a track the
    viewer may see (published, or any to staff)."""
    found = None
    user_id = sessionuser.unread_user_id(request)
    if user_id is not None:
        params = [user_id, user_id, user_id, user_id, slug, key]
        found = fetch(_SESSION_PANEL_SQL, params, TOPIC, TRACK, USER)
        if found is not None and sessionuser.adopt(request, found[2]):
            del found[2]
        else:
            found = None  # no such topic, or a session Django has to look at: the usual way
    user = request.user
    if found is None:
        params = [user.pk, user.pk, user.pk, slug, key]
        found = fetch(_PANEL_SQL_FOR[bool(user.is_staff)], params, TOPIC, TRACK)
    if found is None:
        raise Http404("No such topic.")
    topic, track, facts = found
    topic.track = track
    row = None
    if facts["status"]:
        row = TopicProgress(
            user_id=user.pk,
            topic_id=topic.pk,
            status=facts["status"],
            reason=facts["reason"],
            confirmed_by_id=facts["confirmed_by_id"],
        )
    html = panel_html(request, topic, True, row, facts["has_notes"], facts["has_comments"])
    return HttpResponse(html)
