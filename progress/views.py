from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.db import connection
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    StreamingHttpResponse,
)
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import get_template
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from notifications.models import Notification
from teams.models import Invitation
from tracks.models import Topic, Track
from tracks.rows import track_version
from tracks.tree import Node, build_tree, walk

from . import services, sessionuser, topicpanel, trackpage, viewerpages
from .charts import weekly_chart_svg
from .exports import export_csv_chunks, export_json_chunks
from .forms import NoteForm, StatusForm
from .models import Follow, Note, Profile, ProgressEvent, Status, TopicProgress
from .stats import (
    WeekCount,
    streak_of,
    tally_follows,
    weekly_completions,
)

# --- access helpers ----------------------------------------------------------------------


def _get_track_or_404(request: HttpRequest, slug: str) -> Track:
    tracks = Track.objects.all() if request.user.is_staff else Track.objects.published()
    return get_object_or_404(tracks, slug=slug)


def _get_topic_or_404(request: HttpRequest, slug: str, key: str) -> Topic:
    """A live topic of a track the viewer may see, with its track, in one query."""
    topics = Topic.objects.live().select_related("track")
    if not request.user.is_staff:
        topics = topics.filter(track__published=True)
    return get_object_or_404(topics, track__slug=slug, key=key)


def _get_own_note_or_404(request: HttpRequest, pk: int) -> Note:
    """A note of the signed-in user; anybody else's note does not exist for them."""
    return get_object_or_404(Note.objects.select_related("topic__track"), pk=pk, user=request.user)


def _is_htmx(request: HttpRequest) -> bool:
    # A history restore asks for the whole page even though htmx sent it.
    return bool(request.htmx) and not request.htmx.history_restore_request


def _next_url(request: HttpRequest, fallback: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback


def _login_redirect(request: HttpRequest, next_url: str) -> HttpResponse:
    """Ask an anonymous visitor to sign in, then come back to `next_url`."""
    response = redirect_to_login(next_url, settings.LOGIN_URL)
    if request.htmx:
        return HttpResponseClientRedirect(response.url)
    return response


# --- the topic panel ----------------------------------------------------------------------


# --- pages -------------------------------------------------------------------------------


@require_GET
def track_list(request: HttpRequest) -> HttpResponse:
    tracks = Track.objects.published().order_by("title")
    return render(request, "progress/track_list.html", {"tracks": tracks})


@require_GET
def track_detail(request: HttpRequest, slug: str) -> HttpResponse:
    # The viewer's statuses, follow and header come with the track, in the same query.
    track = trackpage.viewed_track(request, slug)
    if track is None:
        raise Http404("No such track.")
    audience = trackpage.audience_of(request.user)
    outline = trackpage.track_outline(track)
    layer = trackpage.viewer_layer(track, outline, audience, track.following, track.rows)
    # One token for every form of the page, the cached outline's included.
    token = get_token(request)
    page = trackpage.track_page(track, audience)
    return HttpResponse(trackpage.fill_track_page(page, request, layer, token))


@require_GET
def topic_detail(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    # Loaded by htmx, the panel sits inside the track page next to the diagram and outline.
    if _is_htmx(request):
        return topicpanel.panel_response(request, slug, key)
    topic = _get_topic_or_404(request, slug, key)
    return render(request, "progress/topic.html", topicpanel.panel_context(request, topic, False))


# --- following and statuses --------------------------------------------------------------


def _summary_response(request: HttpRequest, track: Track) -> HttpResponse:
    viewer = trackpage.viewer_state(request.user, track, trackpage.track_outline(track))
    following = Follow.objects.filter(user=request.user, track=track, active=True).exists()
    context = {
        "track": track,
        "overall": viewer.overall,
        "sections": viewer.sections,
        "following": following,
    }
    return render(request, "progress/track_detail.html#summary", context)


def _change_follow(request: HttpRequest, slug: str, change) -> HttpResponse:
    track = _get_track_or_404(request, slug)
    if not request.user.is_authenticated:
        return _login_redirect(request, track.get_absolute_url())
    change(request.user, track)
    if _is_htmx(request):
        return _summary_response(request, track)
    return redirect(_next_url(request, track.get_absolute_url()))


@require_POST
def follow_track(request: HttpRequest, slug: str) -> HttpResponse:
    return _change_follow(request, slug, services.follow)


@require_POST
def unfollow_track(request: HttpRequest, slug: str) -> HttpResponse:
    return _change_follow(request, slug, services.unfollow)


def _back_url(request: HttpRequest, topic: Topic) -> str:
    """Where a status form goes back to without JavaScript: an outline row to that row."""
    if request.POST.get("source") == "outline":
        return f"{topic.track.get_absolute_url()}#outline-{topic.key}"
    return topic.get_absolute_url()


def _set_status_as_session_user(
    request: HttpRequest, form: StatusForm, slug: str, key: str, others: bool
) -> tuple[Topic, services.StatusChange, dict[str, Any]] | None:
    """The status written by the statement that also reads the session's user, when this
    process knows the password their session was verified against (the row becomes
    `request.user`); None to go the usual way: read the user, then write."""
    if connection.vendor != "postgresql" or not form.is_valid():
        return None
    user_id = sessionuser.unread_user_id(request)
    password = None if user_id is None else sessionuser.known_password(request, user_id)
    if password is None:
        return None
    data = form.cleaned_data
    found = services.set_status_as(
        user_id, password, slug, key, data["status"], data["reason"], others=others
    )
    if found is not None:
        # The statement wrote only for a row that Django would return for this session.
        adopted = sessionuser.adopt(request, found[2].pop("account"))
        assert adopted, "a status written for a user the session does not name"  # noqa: S101
    return found


@require_POST
def set_status(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    # One response redraws what shows this status on the page the request came from: the
    # main target, plus out-of-band swaps for the rest (on the track page, the progress
    # figures, made from the viewer's other statuses).
    htmx = _is_htmx(request)
    from_outline = request.POST.get("source") == "outline"
    embedded = htmx and (from_outline or request.POST.get("embedded") == "1")
    form = StatusForm(request.POST)
    # The user is read, the topic found and the status written in one statement...
    found = _set_status_as_session_user(request, form, slug, key, others=embedded)
    user = request.user
    if found is None:
        # ...or, the first time this process sees the session, the user is read first.
        if not user.is_authenticated:
            topic = _get_topic_or_404(request, slug, key)
            return _login_redirect(request, _next_url(request, _back_url(request, topic)))
        if not form.is_valid():
            _get_topic_or_404(request, slug, key)  # no such topic is a 404 whatever the form says
            return HttpResponseBadRequest(form.errors.as_text())
        data = form.cleaned_data
        staff = bool(user.is_staff)
        found = services.set_status_of(
            user, slug, key, data["status"], data["reason"], staff, others=embedded
        )
    if found is None:
        raise Http404("No such topic.")
    topic, change, facts = found
    if not htmx:
        return redirect(_next_url(request, _back_url(request, topic)))
    progress = change.progress
    if not embedded:
        # The topic's own page: the panel is all that shows the status.
        html = topicpanel.panel_html(
            request, topic, False, progress, facts["has_notes"], facts["has_comments"]
        )
        return HttpResponse(html)
    track = topic.track
    rows = [*facts["rows"], (topic.pk, progress.status, progress.confirmed_by_id)]
    viewer = trackpage.viewer_state(user, track, trackpage.track_outline(track), rows)
    context: dict[str, Any] = {"track": track, "topic": topic, "embedded": True}
    if from_outline:
        context.update(topicpanel.status_context(topic, progress, embedded=True))
    else:
        context["panel_html"] = mark_safe(  # noqa: S308 (filled from the rendered panel)
            topicpanel.panel_html(
                request, topic, True, progress, facts["has_notes"], facts["has_comments"]
            ).decode()
        )
    node = Node(topic, 0)
    row = trackpage.row_values(viewer.highlights.get(topic.key, Status.TODO))
    trackpage.prepare_node(node, trackpage.TopicUrls(track), row)
    context.update(
        {
            "from_outline": from_outline,
            "node": node,
            "overall": viewer.overall,
            "sections": viewer.sections,
            "highlights": viewer.highlights,
            # Setting a status follows the track.
            "following": True,
            # From the outline, the panel is redrawn only when it shows this very topic.
            "panel_open": request.POST.get("open") == topic.key,
        }
    )
    return render(request, "progress/topic.html#status-changed", context)


# --- notes -------------------------------------------------------------------------------


def _notes_response(
    request: HttpRequest, topic: Topic, note_form: NoteForm | None = None
) -> HttpResponse:
    embedded = _is_htmx(request) and request.POST.get("embedded") == "1"
    context = topicpanel.panel_context(request, topic, embedded, note_form=note_form)
    template = "progress/topic.html#notes" if _is_htmx(request) else "progress/topic.html"
    return render(request, template, context)


@require_POST
def note_create(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    topic = _get_topic_or_404(request, slug, key)
    if not request.user.is_authenticated:
        return _login_redirect(request, topic.get_absolute_url())
    form = NoteForm(request.POST, auto_id=f"note-new-{topic.key}-%s")
    if not form.is_valid():
        return _notes_response(request, topic, note_form=form)
    note = form.save(commit=False)
    note.user = request.user
    note.topic = topic
    note.save()
    if _is_htmx(request):
        return _notes_response(request, topic)
    return redirect(_next_url(request, topic.get_absolute_url()) + f"#note-{note.pk}")


@login_required
@require_GET
def note_detail(request: HttpRequest, pk: int) -> HttpResponse:
    note = _get_own_note_or_404(request, pk)
    if _is_htmx(request):
        return render(request, "progress/_note.html#content", {"note": note})
    return redirect(note.topic.get_absolute_url() + f"#note-{note.pk}")


@login_required
@require_http_methods(["GET", "POST"])
def note_edit(request: HttpRequest, pk: int) -> HttpResponse:
    note = _get_own_note_or_404(request, pk)
    form = NoteForm(request.POST or None, instance=note, auto_id=f"note-{note.pk}-%s")
    if request.method == "POST" and form.is_valid():
        form.save()
        if _is_htmx(request):
            return render(request, "progress/_note.html#content", {"note": note})
        fallback = note.topic.get_absolute_url()
        return redirect(_next_url(request, fallback) + f"#note-{note.pk}")
    context = {
        "note": note,
        "topic": note.topic,
        "track": note.topic.track,
        "form": form,
        "next": _next_url(request, note.topic.get_absolute_url()),
        "inline": _is_htmx(request),
    }
    template = "progress/note_edit.html#form" if _is_htmx(request) else "progress/note_edit.html"
    return render(request, template, context)


@login_required
@require_POST
def note_delete(request: HttpRequest, pk: int) -> HttpResponse:
    note = _get_own_note_or_404(request, pk)
    topic = note.topic
    note.delete()
    if _is_htmx(request):
        return HttpResponse("")
    return redirect(_next_url(request, topic.get_absolute_url()))


@login_required
@require_GET
def track_notes(request: HttpRequest, slug: str) -> HttpResponse:
    """All my notes of a track in topic order, on one printable page."""
    track = _get_track_or_404(request, slug)
    notes_by_topic: dict[int, list[Note]] = {}
    for note in Note.objects.filter(user=request.user, topic__track=track):
        notes_by_topic.setdefault(note.topic_id, []).append(note)
    # Retired topics keep their notes; they are listed in their old place in the tree.
    topics = list(Topic.objects.for_track(track))
    for topic in topics:
        topic.track = track
    groups = []
    for node in walk(build_tree(topics)):
        if node.topic.id in notes_by_topic:
            for note in notes_by_topic[node.topic.id]:
                note.topic = node.topic
            groups.append((node.topic, notes_by_topic[node.topic.id]))
    context = {
        "track": track,
        "groups": groups,
        "note_count": sum(len(notes) for _topic, notes in groups),
    }
    return render(request, "progress/track_notes.html", context)


# --- dashboard and export ----------------------------------------------------------------


# What /me/ shows, as a fingerprint (progress.viewerpages): the follows with their tracks'
# versions, the count and latest change of the statuses, the latest event, the five latest
# notifications as they stand, the pending team invitations and the viewer's own profile.
_DASHBOARD_FINGERPRINT = f"""
  (SELECT string_agg(concat_ws('.', follow.active, track.published, {track_version()}),
                     ',' ORDER BY follow.id)
   FROM {Follow._meta.db_table} follow
   JOIN {Track._meta.db_table} track ON track.id = follow.track_id
   WHERE follow.user_id = %s),
  (SELECT concat_ws('.', count(*), max(updated_at))
   FROM {TopicProgress._meta.db_table} WHERE user_id = %s),
  (SELECT concat_ws('.', created_at, id) FROM {ProgressEvent._meta.db_table}
   WHERE user_id = %s ORDER BY created_at DESC, id DESC LIMIT 1),
  (SELECT string_agg(concat_ws('.', recent.id, recent.read_at), ',')
   FROM (SELECT id, read_at FROM {Notification._meta.db_table}
         WHERE recipient_id = %s ORDER BY created_at DESC LIMIT 5) recent),
  (SELECT concat_ws('.', count(*), max(id)) FROM {Invitation._meta.db_table}
   WHERE user_id = %s AND state = %s),
  (SELECT concat_ws('.', display_name, language) FROM {Profile._meta.db_table}
   WHERE user_id = %s)
"""  # noqa: S608 (table names from the models; values are parameters)


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request.user
    params = [*[user.pk] * 5, Invitation.State.PENDING.value, user.pk]
    return viewerpages.render_own_page(
        request,
        "progress/dashboard.html",
        _DASHBOARD_FINGERPRINT,
        params,
        lambda: _dashboard_context(user),
    )


def _dashboard_context(user) -> dict:
    visible = Track.objects.all() if user.is_staff else Track.objects.published()
    follows = list(
        Follow.objects.filter(user=user, track__in=visible)
        .select_related("track")
        .order_by("track__title")
    )
    followed = tally_follows([f for f in follows if f.active])
    stopped = [f.track for f in follows if not f.active]

    in_progress = (
        TopicProgress.objects.filter(
            user=user, status=Status.DOING, topic__retired=False, topic__track__in=visible
        )
        .select_related("topic__track")
        .order_by("-updated_at")[:10]
    )
    recent = (
        # Topics retired since have no page to link to.
        ProgressEvent.objects.filter(user=user, topic__retired=False, topic__track__in=visible)
        .select_related("topic__track", "actor__profile")
        .order_by("-created_at", "-id")[:10]
    )
    weeks = weekly_completions(user)
    today = timezone.localdate()
    return {
        "followed": followed,
        "stopped": stopped,
        "in_progress": in_progress,
        "recent": recent,
        "completions": _completions(weeks),
        "streak": streak_of(user, today),
    }


def _completions(weeks: list[WeekCount]) -> SafeString:
    """The chart of completions per week with its table: the same for every learner with the
    same counts, so it is drawn once per counts and language."""
    counts = ",".join(str(week.count) for week in weeks)
    first_week = weeks[0].start.isoformat() if weeks else ""
    key = trackpage.cache_key("trilha:completions", first_week, counts)

    def draw() -> SafeString:
        context = {
            "weeks": weeks,
            "weeks_total": sum(week.count for week in weeks),
            "chart": weekly_chart_svg(weeks),
        }
        html = get_template("progress/dashboard.html#completions").render(context)
        return mark_safe(html)  # noqa: S308 (rendered by the template engine)

    return trackpage.cached(key, draw)


def _export_filename(request: HttpRequest, extension: str) -> str:
    username = "".join(c for c in request.user.get_username() if c.isalnum() or c in "-_.")
    return f"trilha-{username or 'export'}-{timezone.localdate().isoformat()}.{extension}"


@login_required
@require_GET
def export_data_json(request: HttpRequest) -> HttpResponse:
    # Streamed: a long history is sent as it is read, never held whole in memory.
    response = StreamingHttpResponse(
        export_json_chunks(request.user), content_type="application/json; charset=utf-8"
    )
    filename = _export_filename(request, "json")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def export_data_csv(request: HttpRequest) -> HttpResponse:
    response = StreamingHttpResponse(
        export_csv_chunks(request.user), content_type="text/csv; charset=utf-8"
    )
    filename = _export_filename(request, "csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
