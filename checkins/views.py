"""Check-in pages. The learner rates a track's behaviours in a draft, submits it, and reads
their history; a mentor rates a submitted check-in of an active mentee and completes it.
A draft is the learner's alone; to anyone who is not the learner or one of their active
mentors a check-in does not exist (404)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from progress.mentoring import _get_active_mentorship_or_404
from progress.models import Follow
from progress.views import _get_track_or_404, _is_htmx
from tracks.models import ExpectedBehaviour, Track

from . import services
from .charts import ratings_chart_svg
from .evidence import render_evidence, topic_keys
from .forms import MentorRatingForm, RatingForm
from .history import find_gaps, learner_history
from .models import LEVEL_MEANINGS, CheckIn, Level, MentorRating, Rating


def scale() -> list[tuple[str, str]]:
    return [(Level(value).label, LEVEL_MEANINGS[Level(value)]) for value in Level.values]


# --- access helpers ----------------------------------------------------------------------


def _get_own_checkin_or_404(request: HttpRequest, track: Track, pk: int) -> CheckIn:
    return get_object_or_404(CheckIn, pk=pk, user=request.user, track=track)


def _get_mentee_checkin_or_404(request: HttpRequest, username: str, slug: str, pk: int) -> CheckIn:
    """A submitted or completed check-in of a learner the signed-in user mentors right now."""
    mentee = _get_active_mentorship_or_404(request, username).mentee
    track = _get_track_or_404(request, slug)
    checkin = get_object_or_404(CheckIn.objects.shared(), pk=pk, user=mentee, track=track)
    checkin.user = mentee
    checkin.track = track
    return checkin


# --- learner: the draft --------------------------------------------------------------------


@dataclass
class Row:
    """One behaviour of the learner's draft: the saved rating and the form that edits it."""

    behaviour: ExpectedBehaviour
    rating: Rating | None
    form: RatingForm
    evidence_html: SafeString = field(default_factory=SafeString)
    saved: bool = False
    error: str = ""


def _row(
    track: Track,
    behaviour: ExpectedBehaviour,
    rating: Rating | None,
    keys: dict[str, str],
    form: RatingForm | None = None,
) -> Row:
    if form is None:
        initial = {"level": rating.level, "evidence": rating.evidence} if rating else {}
        form = RatingForm(initial=initial, auto_id=f"rating-{behaviour.key}-%s")
    evidence = render_evidence(rating.evidence, track, keys) if rating else SafeString("")
    return Row(behaviour, rating, form, evidence)


def _behaviours_context(request: HttpRequest, track: Track) -> dict:
    draft = services.draft_of(request.user, track)
    keys = topic_keys(track)
    behaviours = list(track.behaviours.live().order_by("order", "id"))
    rows = []
    if draft is not None:
        ratings = {r.behaviour_id: r for r in draft.ratings.all()}
        rows = [_row(track, b, ratings.get(b.pk), keys) for b in behaviours]
    history = learner_history(request.user, track)
    return {
        "track": track,
        "behaviours": behaviours,
        "following": Follow.objects.filter(user=request.user, track=track, active=True).exists(),
        "draft": draft,
        "rows": rows,
        "rated": sum(1 for row in rows if row.rating and row.rating.level),
        "history": history,
        "latest": history.checkins[-1] if history.checkins else None,
        "scale": scale(),
        "topics": keys,
    }


@login_required
@require_GET
def behaviours(request: HttpRequest, slug: str) -> HttpResponse:
    track = _get_track_or_404(request, slug)
    return render(request, "checkins/behaviours.html", _behaviours_context(request, track))


@login_required
@require_POST
def start(request: HttpRequest, slug: str) -> HttpResponse:
    track = _get_track_or_404(request, slug)
    try:
        services.start_checkin(request.user, track)
    except services.CheckInError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Check-in started: rate each behaviour, then submit it."))
    return redirect("checkins:behaviours", track.slug)


@login_required
@require_POST
def rate(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    track = _get_track_or_404(request, slug)
    behaviour = get_object_or_404(track.behaviours.live(), key=key)
    form = RatingForm(request.POST, auto_id=f"rating-{behaviour.key}-%s")
    draft = services.draft_of(request.user, track)
    error = ""
    rating = None
    if draft is None:
        error = _("You have no check-in in progress on this track: start one, then save again.")
    elif form.is_valid():
        try:
            rating = services.save_rating(
                draft, behaviour, form.cleaned_data["level"], form.cleaned_data["evidence"]
            )
        except services.CheckInError as refused:
            error = str(refused)
    if rating is not None and not _is_htmx(request):
        messages.success(request, _("Saved: “%(text)s”.") % {"text": behaviour.text})
        url = reverse("checkins:behaviours", args=[track.slug])
        return redirect(f"{url}#behaviour-{behaviour.key}")
    keys = topic_keys(track)
    if rating is not None:
        row = _row(track, behaviour, rating, keys)
        row.saved = True
    else:
        # Refused: the form as typed, with the reason, so that no text is lost.
        saved = draft.ratings.filter(behaviour=behaviour).first() if draft else None
        row = _row(track, behaviour, saved, keys, form=form)
        row.error = error
    if _is_htmx(request):
        context = {"track": track, "draft": draft, "row": row, "scale": scale()}
        return render(request, "checkins/behaviours.html#behaviour", context)
    context = _behaviours_context(request, track)
    context["rows"] = [row if r.behaviour.pk == behaviour.pk else r for r in context["rows"]]
    if not context["rows"]:
        context["rows"] = [row]
    return render(request, "checkins/behaviours.html", context, status=400)


@login_required
@require_POST
def submit(request: HttpRequest, slug: str) -> HttpResponse:
    track = _get_track_or_404(request, slug)
    draft = get_object_or_404(CheckIn, user=request.user, track=track, state=CheckIn.State.DRAFT)
    try:
        services.submit_checkin(draft)
    except services.CheckInError as error:
        messages.error(request, str(error))
        return redirect("checkins:behaviours", track.slug)
    messages.success(request, _("Check-in submitted to your mentors."))
    return redirect("checkins:checkin", track.slug, draft.pk)


# --- learner: history --------------------------------------------------------------------


@login_required
@require_GET
def history(request: HttpRequest, slug: str) -> HttpResponse:
    track = _get_track_or_404(request, slug)
    learner = learner_history(request.user, track)
    context = {
        "track": track,
        "history": learner,
        "chart": ratings_chart_svg(learner),
        "scale": scale(),
    }
    return render(request, "checkins/history.html", context)


@dataclass
class Reviewed:
    """One behaviour of a shared check-in: the learner's rating and the mentors'."""

    rating: Rating
    evidence_html: SafeString
    mentor_ratings: list[MentorRating]
    completed: bool = False
    form: MentorRatingForm | None = None
    saved: bool = False
    error: str = ""

    @property
    def behaviour(self) -> ExpectedBehaviour:
        return self.rating.behaviour

    @property
    def gap_reasons(self) -> list[str]:
        levels = [m.level for m in self.mentor_ratings if m.level]
        if not self.completed or not levels:
            return []
        return find_gaps(self.rating.level, levels)


def _reviewed(checkin: CheckIn, viewer_is_mentor: bool) -> list[Reviewed]:
    """The check-in's behaviours in order, with the learner's evidence as HTML and the mentors'
    ratings: all of them once completed; before that, only to mentors. Four queries."""
    keys = topic_keys(checkin.track)
    ratings = list(
        checkin.ratings.select_related("behaviour").order_by("behaviour__order", "behaviour_id")
    )
    mentor_ratings: dict[int, list[MentorRating]] = {}
    if viewer_is_mentor or checkin.state == CheckIn.State.COMPLETED:
        for mentor_rating in checkin.mentor_ratings.select_related("mentor__profile").order_by(
            "mentor__username", "id"
        ):
            mentor_ratings.setdefault(mentor_rating.behaviour_id, []).append(mentor_rating)
    return [
        Reviewed(
            rating,
            render_evidence(
                rating.evidence,
                checkin.track,
                keys,
                mentee=checkin.user.get_username() if viewer_is_mentor else None,
            ),
            mentor_ratings.get(rating.behaviour_id, []),
            completed=checkin.state == CheckIn.State.COMPLETED,
        )
        for rating in ratings
    ]


@login_required
@require_GET
def checkin_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    track = _get_track_or_404(request, slug)
    checkin = _get_own_checkin_or_404(request, track, pk)
    if checkin.state == CheckIn.State.DRAFT:
        return redirect("checkins:behaviours", track.slug)
    checkin.track = track
    context = {
        "track": track,
        "checkin": checkin,
        "reviewed": _reviewed(checkin, viewer_is_mentor=False),
        "scale": scale(),
    }
    return render(request, "checkins/checkin.html", context)


# --- mentor --------------------------------------------------------------------------------


def _mentor_forms(request: HttpRequest, checkin: CheckIn, reviewed: list[Reviewed]) -> None:
    for item in reviewed:
        mine = next((m for m in item.mentor_ratings if m.mentor_id == request.user.pk), None)
        initial = {"level": mine.level, "comment": mine.comment} if mine else {}
        item.form = MentorRatingForm(initial=initial, auto_id=f"review-{item.behaviour.key}-%s")


def _review_context(request: HttpRequest, checkin: CheckIn) -> dict:
    reviewed = _reviewed(checkin, viewer_is_mentor=True)
    if checkin.state == CheckIn.State.SUBMITTED:
        _mentor_forms(request, checkin, reviewed)
    return {
        "track": checkin.track,
        "mentee": checkin.user,
        "checkin": checkin,
        "reviewed": reviewed,
        "scale": scale(),
        "mentoring_nav": True,
    }


@login_required
@require_GET
def review(request: HttpRequest, username: str, slug: str, pk: int) -> HttpResponse:
    checkin = _get_mentee_checkin_or_404(request, username, slug, pk)
    return render(request, "checkins/review.html", _review_context(request, checkin))


@login_required
@require_POST
def review_rate(request: HttpRequest, username: str, slug: str, pk: int, key: str) -> HttpResponse:
    checkin = _get_mentee_checkin_or_404(request, username, slug, pk)
    rating = get_object_or_404(checkin.ratings.select_related("behaviour"), behaviour__key=key)
    form = MentorRatingForm(request.POST, auto_id=f"review-{key}-%s")
    error = ""
    saved = False
    if form.is_valid():
        try:
            services.save_mentor_rating(
                request.user,
                checkin,
                rating.behaviour,
                form.cleaned_data["level"],
                form.cleaned_data["comment"],
            )
            saved = True
        except services.CheckInError as refused:
            error = str(refused)
    url = reverse("checkins:review", args=[username, slug, pk])
    if saved and not _is_htmx(request):
        messages.success(request, _("Saved: “%(text)s”.") % {"text": rating.behaviour.text})
        return redirect(f"{url}#review-{key}")
    context = _review_context(request, checkin)
    item = next(i for i in context["reviewed"] if i.rating.pk == rating.pk)
    if not saved:
        item.form = form
        item.error = error
    item.saved = saved
    if _is_htmx(request):
        context["item"] = item
        return render(request, "checkins/review.html#review-item", context)
    return render(request, "checkins/review.html", context, status=400)


@login_required
@require_POST
def review_complete(request: HttpRequest, username: str, slug: str, pk: int) -> HttpResponse:
    checkin = _get_mentee_checkin_or_404(request, username, slug, pk)
    url = reverse("checkins:review", args=[username, slug, pk])
    try:
        services.complete_checkin(request.user, checkin)
    except services.CheckInError as error:
        messages.error(request, str(error))
        return redirect(url)
    messages.success(
        request,
        _("Check-in completed: %(name)s now sees your ratings.")
        % {"name": checkin.user.get_username()},
    )
    return redirect(url)
