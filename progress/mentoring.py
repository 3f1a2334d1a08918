"""Mentors: a learner invites mentors, a mentor accepts and follows the mentee's tracks, either
side ends it. A mentor sees statuses, history and shared notes only while the mentorship is
active; to anybody else the mentee's pages do not exist."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from checkins.models import CheckIn
from notifications.services import (
    notify_comment_added,
    notify_invitation_accepted,
    notify_mentor_invited,
    notify_topic_confirmed,
)
from tracks.models import Topic, Track
from tracks.rows import track_version
from tracks.tree import Node, walk

from . import invitations, services, trackpage, viewerpages
from .forms import CommentForm, InviteMentorForm
from .models import (
    Comment,
    Follow,
    MentorInvitation,
    Mentorship,
    Note,
    Profile,
    ProgressEvent,
    Status,
    TopicProgress,
)
from .stats import FollowedTrack, Tally, tally_follows
from .templatetags.people import person
from .views import _get_topic_or_404, _get_track_or_404, _is_htmx

OPEN = [Mentorship.State.INVITED, Mentorship.State.ACTIVE]
HISTORY_LENGTH = 20

# --- access helpers ----------------------------------------------------------------------


def _get_invitation_or_404(request: HttpRequest, pk: int) -> Mentorship:
    """An invitation the signed-in user received and has not answered yet."""
    return get_object_or_404(
        Mentorship.objects.select_related("mentee__profile"),
        pk=pk,
        mentor=request.user,
        state=Mentorship.State.INVITED,
    )


def _get_open_mentorship_or_404(request: HttpRequest, pk: int) -> Mentorship:
    """An invited or active mentorship the signed-in user is part of, on either side."""
    mine = Q(mentor=request.user) | Q(mentee=request.user)
    return get_object_or_404(
        Mentorship.objects.filter(mine).select_related("mentor__profile", "mentee__profile"),
        pk=pk,
        state__in=OPEN,
    )


def _get_active_mentorship_or_404(request: HttpRequest, username: str) -> Mentorship:
    """The signed-in user's mentorship of a learner right now; invited or ended is not enough."""
    return get_object_or_404(
        Mentorship.objects.active().select_related("mentee__profile"),
        mentor=request.user,
        mentee__username=username,
    )


def _get_own_comment_or_404(request: HttpRequest, pk: int) -> Comment:
    """A comment the signed-in user wrote to a learner they still mentor."""
    mentoring_now = Mentorship.objects.active().filter(
        mentor=request.user, mentee=OuterRef("mentee")
    )
    return get_object_or_404(
        Comment.objects.filter(author=request.user)
        .filter(Exists(mentoring_now))
        .select_related("mentee__profile", "topic__track"),
        pk=pk,
    )


# --- learner side: my mentors ------------------------------------------------------------


def _mentors_context(request: HttpRequest, form: InviteMentorForm | None = None) -> dict:
    mentorships = list(
        Mentorship.objects.filter(mentee=request.user, state__in=OPEN)
        .select_related("mentor__profile")
        .order_by("mentor__username")
    )
    return {
        "mentors": [m for m in mentorships if m.state == Mentorship.State.ACTIVE],
        "invited": [m for m in mentorships if m.state == Mentorship.State.INVITED],
        "emailed": list(
            MentorInvitation.objects.pending().filter(mentee=request.user).order_by("email")
        ),
        "form": form or InviteMentorForm(request.user),
    }


@login_required
@require_GET
def mentors(request: HttpRequest) -> HttpResponse:
    return render(request, "progress/mentors.html", _mentors_context(request))


@login_required
@require_POST
def invite_mentor(request: HttpRequest) -> HttpResponse:
    form = InviteMentorForm(request.user, request.POST)
    if form.is_valid() and isinstance(form.cleaned_data["who"], str):
        email = form.cleaned_data["who"]
        invitations.invite_by_email(request, request.user, email)
        invited = _(
            "We e-mailed an invitation to %(email)s. It is theirs once they open it signed "
            "in; nothing is shared before."
        ) % {"email": email}
        if not _is_htmx(request):
            messages.success(request, invited)
            return redirect("progress:mentors")
        context = _mentors_context(request)
        context["invited_message"] = invited
        return render(request, "progress/mentors.html#invite-changed", context)
    if form.is_valid():
        mentor = form.cleaned_data["who"]
        try:
            with transaction.atomic():
                notify_mentor_invited(Mentorship.objects.create(mentor=mentor, mentee=request.user))
        except IntegrityError:
            # The same invitation sent twice at once: the first one stands.
            form.add_error("who", _("You already invited %(name)s.") % {"name": mentor})
        else:
            invited = _("You invited %(name)s to be your mentor.") % {"name": mentor}
            if not _is_htmx(request):
                messages.success(request, invited)
                return redirect("progress:mentors")
            context = _mentors_context(request)
            context["invited_message"] = invited
            return render(request, "progress/mentors.html#invite-changed", context)
    context = _mentors_context(request, form)
    template = "progress/mentors.html#invite" if _is_htmx(request) else "progress/mentors.html"
    return render(request, template, context)


# --- mentor side: mentoring --------------------------------------------------------------


@dataclass
class MenteeTrack:
    """One followed track on a mentee's card, with its link made once per page."""

    followed: FollowedTrack
    url: str
    label_id: str

    @property
    def track(self) -> Track:
        return self.followed.track

    @property
    def overall(self) -> Tally:
        return self.followed.overall


@dataclass
class Mentee:
    mentorship: Mentorship
    tracks: list[MenteeTrack] = field(default_factory=list)
    name: str = ""
    end_url: str = ""

    @property
    def changes(self) -> int:
        """Status changes on the mentee's followed tracks since the mentor last looked."""
        return self.mentorship.changes

    @property
    def user(self) -> AbstractBaseUser:
        return self.mentorship.mentee


def _changes_since_last_visit(visible: models.QuerySet[Track]) -> Subquery:
    """Per mentorship: the mentee's status changes on live topics of the visible tracks they
    follow, since the mentor last opened one of their track pages (or since the mentorship
    began, for a mentor who never did)."""
    # The follow is looked up by (user, track) for each event: a join through the track's
    # follows would let the plan read every follower of the track.
    following = Follow.objects.filter(
        user=OuterRef("user"), track=OuterRef("topic__track"), active=True
    )
    events = (
        ProgressEvent.objects.filter(
            user=OuterRef("mentee"),
            created_at__gt=Coalesce(OuterRef("mentor_seen_at"), OuterRef("updated_at")),
            topic__retired=False,
            topic__track__in=visible,
        )
        .filter(Exists(following))
        .order_by()
        .values("user")
        .annotate(count=Count("id"))
        .values("count")
    )
    return Coalesce(Subquery(events), 0)


def _username_segment(mentee: AbstractBaseUser) -> str:
    """The username as reverse() quotes it in a path."""
    return quote(mentee.get_username(), safe=RFC3986_SUBDELIMS + "~:@")


def _mentoring_context(request: HttpRequest) -> dict:
    visible = Track.objects.all() if request.user.is_staff else Track.objects.published()
    mentorships = list(
        Mentorship.objects.filter(mentor=request.user, state__in=OPEN)
        .select_related("mentee__profile")
        .annotate(changes=_changes_since_last_visit(visible))
        .order_by("mentee__username")
    )
    # URLs from one reverse() each, whatever the number of mentees and tracks.
    track_url = reverse("progress:mentee-track", args=["__who__", "__slug__"])
    end_url = reverse("progress:mentorship-end", args=[0]).rpartition("0")
    mentees = {}
    for m in mentorships:
        if m.state == Mentorship.State.ACTIVE:
            mentees[m.mentee_id] = Mentee(
                m, name=person(m.mentee), end_url=f"{m.pk}".join(end_url[::2])
            )
    follows = (
        Follow.objects.filter(user__in=mentees, active=True, track__in=visible)
        .select_related("track")
        .order_by("track__title")
    )
    for followed in tally_follows(list(follows)):
        mentee = mentees[followed.user_id]
        username = mentee.user.get_username()
        who = _username_segment(mentee.user)
        url = track_url.replace("__who__", who, 1).replace("__slug__", followed.track.slug, 1)
        label_id = f"mentee-{slugify(username)}-{followed.track.slug}"
        mentee.tracks.append(MenteeTrack(followed, url, label_id))
    return {
        "invitations": [m for m in mentorships if m.state == Mentorship.State.INVITED],
        "mentees": list(mentees.values()),
        # This page already knows whether the header's "Mentoring" link applies.
        "mentoring_nav": bool(mentorships),
    }


# What /mentoring/ shows, as a fingerprint (progress.viewerpages): the open mentorships as they
# stand, and of the active mentees their names, latest status change, follows with their
# tracks' versions and the check-ins they submitted.
_MENTEES = f"""
  SELECT mentee_id FROM {Mentorship._meta.db_table}
  WHERE mentor_id = %s AND state = '{Mentorship.State.ACTIVE.value}'
"""  # noqa: S608 (table names and a state from the models)
_MENTORING_FINGERPRINT = f"""
  (SELECT string_agg(concat_ws('.', id, state, mentee_id, created_at, updated_at,
                               mentor_seen_at), ',' ORDER BY id)
   FROM {Mentorship._meta.db_table}
   WHERE mentor_id = %s AND state IN ('{OPEN[0].value}', '{OPEN[1].value}')),
  (SELECT string_agg(concat_ws('.', profile.user_id, profile.display_name, person.username), ',')
   FROM {Profile._meta.db_table} profile
   JOIN {Mentorship.mentee.field.related_model._meta.db_table} person
     ON person.id = profile.user_id
   WHERE profile.user_id IN (SELECT mentee_id FROM {Mentorship._meta.db_table}
                             WHERE mentor_id = %s)),
  (SELECT string_agg(concat_ws('.', mentee.mentee_id, latest.created_at, latest.id), ',')
   FROM ({_MENTEES}) mentee
   CROSS JOIN LATERAL (
     SELECT created_at, id FROM {ProgressEvent._meta.db_table}
     WHERE user_id = mentee.mentee_id ORDER BY created_at DESC, id DESC LIMIT 1
   ) latest),
  (SELECT string_agg(concat_ws('.', follow.user_id, follow.active, track.published,
                               {track_version()}), ',' ORDER BY follow.id)
   FROM {Follow._meta.db_table} follow
   JOIN {Track._meta.db_table} track ON track.id = follow.track_id
   WHERE follow.user_id IN ({_MENTEES})),
  (SELECT concat_ws('.', count(*), max(checkin.id), max(checkin.submitted_at))
   FROM {CheckIn._meta.db_table} checkin
   WHERE checkin.state = '{CheckIn.State.SUBMITTED.value}'
     AND checkin.user_id IN ({_MENTEES}))
"""  # noqa: S608


@login_required
@require_GET
def mentoring(request: HttpRequest) -> HttpResponse:
    return viewerpages.render_own_page(
        request,
        "progress/mentoring.html",
        _MENTORING_FINGERPRINT,
        [request.user.pk] * 5,
        lambda: _mentoring_context(request),
    )


@login_required
@require_POST
def accept_invitation(request: HttpRequest, pk: int) -> HttpResponse:
    mentorship = _get_invitation_or_404(request, pk)
    mentorship.state = Mentorship.State.ACTIVE
    mentorship.save(update_fields=["state", "updated_at"])
    notify_invitation_accepted(mentorship)
    if not _is_htmx(request):
        messages.success(
            request, _("You are now the mentor of %(name)s.") % {"name": mentorship.mentee}
        )
        return redirect("progress:mentoring")
    # The invitation's row says what happened; the mentee joins the list below it.
    context = _mentoring_context(request)
    context.update({"mentorship": mentorship, "outcome": "accepted"})
    return render(request, "progress/mentoring.html#accepted", context)


def _ended_response(request: HttpRequest, mentorship: Mentorship, outcome: str) -> HttpResponse:
    as_mentee = mentorship.mentee_id == request.user.pk
    if not _is_htmx(request):
        return redirect("progress:mentors" if as_mentee else "progress:mentoring")
    context = {"mentorship": mentorship, "outcome": outcome}
    return render(request, "progress/_mentorship_outcome.html", context)


@login_required
@require_POST
def decline_invitation(request: HttpRequest, pk: int) -> HttpResponse:
    mentorship = _get_invitation_or_404(request, pk)
    mentorship.state = Mentorship.State.ENDED
    mentorship.save(update_fields=["state", "updated_at"])
    if not _is_htmx(request):
        declined = _("You declined the invitation of %(name)s.") % {"name": mentorship.mentee}
        messages.success(request, declined)
    return _ended_response(request, mentorship, "declined")


@login_required
@require_POST
def end_mentorship(request: HttpRequest, pk: int) -> HttpResponse:
    mentorship = _get_open_mentorship_or_404(request, pk)
    was_invited = mentorship.state == Mentorship.State.INVITED
    mentorship.state = Mentorship.State.ENDED
    mentorship.save(update_fields=["state", "updated_at"])
    if mentorship.mentee_id == request.user.pk:
        outcome = "cancelled" if was_invited else "ended-by-mentee"
    else:
        outcome = "ended-by-mentor"
    if not _is_htmx(request):
        texts = {
            "cancelled": _("You cancelled the invitation to %(name)s."),
            "ended-by-mentee": _("%(name)s is no longer your mentor."),
            "ended-by-mentor": _("You are no longer the mentor of %(name)s."),
        }
        other = mentorship.mentor if outcome != "ended-by-mentor" else mentorship.mentee
        messages.success(request, texts[outcome] % {"name": other})
    return _ended_response(request, mentorship, outcome)


# --- mentor side: a mentee's track -------------------------------------------------------


@dataclass
class MenteeTopic:
    """A topic of the outline as the mentor reads it: status, skip reason, shared notes and
    the mentors' comments, plus a refused form to show again after a failed action."""

    node: Node
    progress: TopicProgress | None
    notes: list[Note]
    comments: list[Comment]
    children: list[MenteeTopic]
    comment_form: CommentForm | None = None
    error: str = ""

    @property
    def confirmed(self) -> bool:
        return bool(self.progress and self.progress.confirmed_by_id and self.node.status == "done")

    def find(self, topic_id: int) -> MenteeTopic | None:
        if self.node.topic.id == topic_id:
            return self
        return next((found for child in self.children if (found := child.find(topic_id))), None)


def _mentee_outline(
    nodes: list[Node],
    rows: dict[int, TopicProgress],
    notes: dict[int, list[Note]],
    comments: dict[int, list[Comment]],
) -> list[MenteeTopic]:
    return [
        MenteeTopic(
            node,
            rows.get(node.topic.id),
            notes.get(node.topic.id, []),
            comments.get(node.topic.id, []),
            _mentee_outline(node.children, rows, notes, comments),
        )
        for node in nodes
    ]


@dataclass
class MenteeProgress:
    """The mentee's statuses on the track's live topic tree, with their tallies."""

    roots: list[Node]
    nodes: list[Node]
    rows: dict[int, TopicProgress]
    overall: Tally
    sections: list
    highlights: dict[str, str]


def _mentee_progress(mentee: AbstractBaseUser, track: Track) -> MenteeProgress:
    """One query for the mentee's rows; the tree and the sections come from the track's
    cached outline, as on the learner's own page."""
    outline = trackpage.track_outline(track)
    rows = {
        row.topic_id: row
        for row in TopicProgress.objects.filter(user=mentee, topic__track=track).select_related(
            "confirmed_by__profile"
        )
    }
    viewer = trackpage.viewer_state(
        mentee,
        track,
        outline,
        rows=[(row.topic_id, row.status, row.confirmed_by_id) for row in rows.values()],
    )
    roots = trackpage.live_tree(track)
    nodes = list(walk(roots))
    for node in nodes:
        node.status = viewer.statuses.get(node.topic.id, Status.TODO)
    return MenteeProgress(roots, nodes, rows, viewer.overall, viewer.sections, viewer.highlights)


def _outline_context(mentee: AbstractBaseUser, track: Track) -> dict:
    """What the mentee's outline shows: statuses, shared notes and comments, oldest first."""
    state = _mentee_progress(mentee, track)
    # Shared notes only: under their topic in the outline, or, for topics retired since, in a
    # list of their own so that they stay readable.
    shared = Note.objects.filter(user=mentee, topic__track=track, shared=True)
    notes: dict[int, list[Note]] = {}
    retired: dict[int, tuple[Topic, list[Note]]] = {}
    for note in shared.select_related("topic").order_by("created_at", "id"):
        if note.topic.retired:
            retired.setdefault(note.topic_id, (note.topic, []))[1].append(note)
        else:
            notes.setdefault(note.topic_id, []).append(note)
    # Every mentor's comments, also those of former mentors: they were written to the learner.
    received = Comment.objects.filter(mentee=mentee, topic__track=track, topic__retired=False)
    comments: dict[int, list[Comment]] = {}
    for comment in received.select_related("author__profile").order_by("created_at", "id"):
        comments.setdefault(comment.topic_id, []).append(comment)
    return {
        "mentee": mentee,
        "track": track,
        "state": state,
        "outline": _mentee_outline(state.roots, state.rows, notes, comments),
        "shared_count": sum(len(topic_notes) for topic_notes in notes.values()),
        "retired_notes": list(retired.values()),
        "highlights": state.highlights,
        "mentoring_nav": True,
        # Each row links to its topic's panel: this URL + "t/<key>/".
        "mentee_url": reverse("progress:mentee-track", args=[mentee.get_username(), track.slug]),
    }


def _mentee_track_context(mentee: AbstractBaseUser, track: Track) -> dict:
    context = _outline_context(mentee, track)
    state = context["state"]
    topics = {node.topic.id: node.topic for node in state.nodes}
    history = list(
        ProgressEvent.objects.filter(user=mentee, topic__track=track, topic__retired=False)
        .select_related("actor__profile")
        .order_by("-created_at", "-id")[:HISTORY_LENGTH]
    )
    for event in history:
        # The topics are already loaded with their track; no query per event.
        event.topic = topics[event.topic_id]
    following = Follow.objects.filter(user=mentee, track=track, active=True).exists()
    context.update(
        {
            "overall": state.overall,
            "sections": state.sections,
            "history": history,
            "following": following,
        }
    )
    return context


# What a mentee's track page shows, as a fingerprint (progress.viewerpages), with the access
# check: no row unless the viewer mentors that learner now and may see the track. Then the
# mentorship, when the mentor last looked and the mentee's latest status change (which decide
# whether this visit moves that time), the track's version, and of the mentee on the track:
# statuses and sign-offs, notes, comments, check-ins, the follow and their name.
_MENTEE_TRACK_FINGERPRINT = f"""
  mentorship.id, mentorship.mentor_seen_at,
  (SELECT created_at FROM {ProgressEvent._meta.db_table}
   WHERE user_id = mentorship.mentee_id ORDER BY created_at DESC, id DESC LIMIT 1),
  {track_version()},
  (SELECT concat_ws('.', count(*), max(progress.updated_at), max(progress.confirmed_at),
                    count(progress.confirmed_by_id))
   FROM {TopicProgress._meta.db_table} progress
   JOIN {Topic._meta.db_table} topic ON topic.id = progress.topic_id
   WHERE progress.user_id = mentorship.mentee_id AND topic.track_id = track.id),
  (SELECT concat_ws('.', count(*), max(note.updated_at))
   FROM {Note._meta.db_table} note
   JOIN {Topic._meta.db_table} topic ON topic.id = note.topic_id
   WHERE note.user_id = mentorship.mentee_id AND topic.track_id = track.id),
  (SELECT concat_ws('.', count(*), max(comment.id))
   FROM {Comment._meta.db_table} comment
   JOIN {Topic._meta.db_table} topic ON topic.id = comment.topic_id
   WHERE comment.mentee_id = mentorship.mentee_id AND topic.track_id = track.id),
  (SELECT concat_ws('.', count(*), max(id), max(submitted_at), max(completed_at))
   FROM {CheckIn._meta.db_table}
   WHERE user_id = mentorship.mentee_id AND track_id = track.id),
  (SELECT concat_ws('.', active, created_at) FROM {Follow._meta.db_table}
   WHERE user_id = mentorship.mentee_id AND track_id = track.id),
  (SELECT display_name FROM {Profile._meta.db_table} WHERE user_id = mentorship.mentee_id)
FROM {Mentorship._meta.db_table} mentorship
JOIN {Mentorship.mentee.field.related_model._meta.db_table} mentee
  ON mentee.id = mentorship.mentee_id
CROSS JOIN {Track._meta.db_table} track
WHERE mentorship.mentor_id = %s AND mentorship.state = '{Mentorship.State.ACTIVE.value}'
  AND mentee.username = %s AND track.slug = %s
"""  # noqa: S608
# Staff see every track, the others the published ones.
_MENTEE_TRACK_FINGERPRINT_FOR = {
    True: _MENTEE_TRACK_FINGERPRINT,
    False: _MENTEE_TRACK_FINGERPRINT + "AND track.published\n",
}


@login_required
@require_GET
def mentee_track(request: HttpRequest, username: str, slug: str) -> HttpResponse:
    if username == request.user.get_username():
        # A learner looking at their own mentee page wants their own track page.
        return redirect("progress:track", slug=slug)
    sql = _MENTEE_TRACK_FINGERPRINT_FOR[bool(request.user.is_staff)]
    row = viewerpages.fingerprint(request, sql, [request.user.pk, username, slug])
    if row is None:
        raise Http404("No such mentee or track.")
    mentorship_id, seen_at, latest_event = row[3:6]
    # The mentoring page counts the changes made after the mentor's last visit: a visit moves
    # that time when there is a change after it (or on the first visit), and otherwise the
    # count is the same. A plain update: it must not move `updated_at`, which says since when
    # the mentorship is active.
    if seen_at is None or (latest_event is not None and latest_event >= seen_at):
        Mentorship.objects.filter(pk=mentorship_id).update(mentor_seen_at=timezone.now())

    def context() -> dict:
        mentorship = _get_active_mentorship_or_404(request, username)
        track = _get_track_or_404(request, slug)
        return _mentee_track_context(mentorship.mentee, track)

    # When the mentor last looked is not on the page: a visit that moves it reuses the copy.
    page_row = row[:4] + row[5:]
    return viewerpages.own_page(request, "progress/mentee_track.html", page_row, context)


# --- mentor side: comments and sign-off ----------------------------------------------------


def _topic_response(
    request: HttpRequest,
    mentee: AbstractBaseUser,
    topic: Topic,
    comment_form: CommentForm | None = None,
    error: str = "",
    *,
    opened: bool = False,
) -> HttpResponse:
    """The mentor's panel of one of the mentee's topics: status, shared notes, comments and
    the comment and sign-off forms. After an action htmx gets the panel again, with the
    topic's outline row and the diagram's colours out of band; a plain form post goes to the
    panel's page, or sees it again with the refused form."""
    refused = error or (comment_form is not None and comment_form.errors)
    if not _is_htmx(request) and not refused and not opened:
        args = [mentee.get_username(), topic.track.slug, topic.key]
        return redirect("progress:mentee-topic", *args)
    context = _outline_context(mentee, topic.track)
    entry = next((found for root in context["outline"] if (found := root.find(topic.id))), None)
    if entry is None:
        # A comment on a topic retired since: nothing of it is on the page any more.
        return HttpResponse("") if _is_htmx(request) else redirect("progress:mentoring")
    entry.comment_form = comment_form
    entry.error = error
    context.update({"entry": entry, "oob_highlights": _is_htmx(request) and not opened})
    template = (
        "progress/mentee_topic.html#panel" if _is_htmx(request) else "progress/mentee_topic.html"
    )
    # The state changed under the mentor's feet (a stale page): say so on the page itself.
    return render(request, template, context, status=409 if error else 200)


@login_required
@require_GET
def mentee_topic(request: HttpRequest, username: str, slug: str, key: str) -> HttpResponse:
    mentee = _get_active_mentorship_or_404(request, username).mentee
    topic = _get_topic_or_404(request, slug, key)
    return _topic_response(request, mentee, topic, opened=True)


@login_required
@require_POST
def comment_add(request: HttpRequest, username: str, slug: str, key: str) -> HttpResponse:
    mentee = _get_active_mentorship_or_404(request, username).mentee
    topic = _get_topic_or_404(request, slug, key)
    form = CommentForm(request.POST, auto_id=f"comment-{topic.key}-%s")
    if not form.is_valid():
        return _topic_response(request, mentee, topic, comment_form=form)
    notify_comment_added(
        services.add_comment(request.user, mentee, topic, form.cleaned_data["body"])
    )
    return _topic_response(request, mentee, topic)


@login_required
@require_POST
def comment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _get_own_comment_or_404(request, pk)
    comment.delete()
    return _topic_response(request, comment.mentee, comment.topic)


@login_required
@require_POST
def confirm_topic(request: HttpRequest, username: str, slug: str, key: str) -> HttpResponse:
    mentee = _get_active_mentorship_or_404(request, username).mentee
    topic = _get_topic_or_404(request, slug, key)
    try:
        progress = services.confirm(request.user, mentee, topic)
    except services.NotDone:
        error = _("%(name)s has not marked this topic done; only a done topic can be confirmed.")
        return _topic_response(request, mentee, topic, error=error % {"name": mentee})
    if progress.confirmed_by_id == request.user.pk:
        notify_topic_confirmed(request.user, mentee, topic)
    return _topic_response(request, mentee, topic)


@login_required
@require_POST
def unconfirm_topic(request: HttpRequest, username: str, slug: str, key: str) -> HttpResponse:
    mentee = _get_active_mentorship_or_404(request, username).mentee
    topic = _get_topic_or_404(request, slug, key)
    services.unconfirm(request.user, mentee, topic)
    return _topic_response(request, mentee, topic)
