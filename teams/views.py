"""Team pages. Leads (and staff) see the members' progress; a member sees the team and can
leave; to anybody else a team does not exist (404)."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from checkins.models import LEVEL_MEANINGS, Level
from progress import trackpage
from tracks.fragments import Page
from tracks.models import Topic, Track
from tracks.rows import TRACK_COLUMNS, fetch_track

from . import services
from .forms import InviteForm, JoinLinkForm, TeamForm, TeamTracksForm
from .models import Invitation, JoinLink, Membership, Team
from .results import member_result, team_results
from .stats import SORTS, team_heatmap, team_overview, topic_people

# --- access helpers ----------------------------------------------------------------------


def _is_htmx(request: HttpRequest) -> bool:
    # A history restore asks for the whole page even though htmx sent it.
    return bool(request.htmx) and not request.htmx.history_restore_request


def _get_team_or_404(request: HttpRequest, slug: str) -> tuple[Team, Membership | None]:
    """A team the signed-in user is in (as lead or member), or any team for staff."""
    team = get_object_or_404(Team, slug=slug)
    membership = Membership.objects.filter(team=team, user=request.user).first()
    if membership is None and not request.user.is_staff:
        raise Http404
    return team, membership


def _get_led_team_or_404(request: HttpRequest, slug: str) -> Team:
    """A team the signed-in user leads, or any team for staff."""
    team = get_object_or_404(Team, slug=slug)
    if not request.user.is_staff and not (
        Membership.objects.leads().filter(team=team, user=request.user).exists()
    ):
        raise Http404
    return team


# Every view of a team's heatmap asks this; written out, it costs less to compose than to run.
_TEAM_TRACK_SQL = f"""
SELECT {TRACK_COLUMNS}, team.id AS team_pk, team.version AS team_version,
  EXISTS (SELECT 1 FROM {Membership._meta.db_table} membership
          WHERE membership.team_id = team.id AND membership.user_id = %s
            AND membership.role = %s) AS is_lead
FROM {Team._meta.db_table} team
JOIN {Team.tracks.through._meta.db_table} link ON link.team_id = team.id
JOIN {Track._meta.db_table} track ON track.id = link.track_id
WHERE team.slug = %s AND track.slug = %s
"""  # noqa: S608 (table names from the models; values are parameters)


def _led_team_track_or_404(request: HttpRequest, slug: str, track_slug: str) -> Track:
    """A track of a team the signed-in user leads (any team for staff), with `team_pk` and
    `team_version`, in one query: as `_get_led_team_or_404` then `_get_team_track_or_404`."""
    params = [request.user.pk, Membership.Role.LEAD.value, slug, track_slug]
    track = fetch_track(_TEAM_TRACK_SQL, params)
    if track is None or not (track.is_lead or request.user.is_staff):
        raise Http404
    return track


def _get_team_track_or_404(team: Team, track_slug: str) -> Track:
    return get_object_or_404(team.tracks.select_related("diagram"), slug=track_slug)


def _get_member_or_404(team: Team, username: str) -> Membership:
    """A member of the team right now (leads are not members: nobody sees their results)."""
    return get_object_or_404(
        team.memberships.members().select_related("user__profile"), user__username=username
    )


def _get_invitation_or_404(request: HttpRequest, pk: int) -> Invitation:
    """An invitation the signed-in user received and has not answered yet."""
    return get_object_or_404(
        Invitation.objects.select_related("team"),
        pk=pk,
        user=request.user,
        state=Invitation.State.PENDING,
    )


# --- list and creation -------------------------------------------------------------------


@login_required
@require_GET
def team_list(request: HttpRequest) -> HttpResponse:
    memberships = list(
        Membership.objects.filter(user=request.user).select_related("team").order_by("team__name")
    )
    mine = {m.team_id for m in memberships}
    others = list(Team.objects.exclude(pk__in=mine)) if request.user.is_staff else []
    return render(
        request,
        "teams/team_list.html",
        {
            "memberships": memberships,
            "others": others,
            "teams_nav": bool(memberships) or request.user.is_staff,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def team_new(request: HttpRequest) -> HttpResponse:
    if not request.user.is_staff:
        raise Http404
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        team = services.create_team(data["name"], data["slug"], data["lead"], data["tracks"])
        messages.success(
            request,
            _("Team %(team)s created; %(lead)s leads it.")
            % {"team": team.name, "lead": data["lead"].get_username()},
        )
        return redirect("teams:manage", slug=team.slug)
    return render(request, "teams/team_new.html", {"form": form})


# --- a team ------------------------------------------------------------------------------


def _sort_link(key: str, current: str) -> str:
    """A column's sort parameter: the column sorted already sorts the other way."""
    return f"-{key}" if current == key else key


def _direction(key: str, current: str) -> str:
    if current == key:
        return "ascending"
    return "descending" if current == f"-{key}" else ""


@login_required
@require_GET
def team_detail(request: HttpRequest, slug: str) -> HttpResponse:
    team, membership = _get_team_or_404(request, slug)
    is_lead = request.user.is_staff or (
        membership is not None and membership.role == Membership.Role.LEAD
    )
    leads = list(
        team.memberships.leads().select_related("user__profile").order_by("user__username")
    )
    # This page already knows that the header's "Teams" link applies.
    context = {
        "team": team,
        "membership": membership,
        "is_lead": is_lead,
        "leads": leads,
        "teams_nav": True,
    }
    if is_lead:
        sort = request.GET.get("sort", "member")
        overview = team_overview(team, sort)
        context.update(
            {
                "overview": overview,
                "sort": sort,
                "sort_links": {key: _sort_link(key, sort) for key in SORTS},
                "track_columns": [
                    (track, _sort_link(track.slug, sort), _direction(track.slug, sort))
                    for track in overview.tracks
                ],
            }
        )
    else:
        context["tracks"] = list(team.tracks.order_by("title"))
        context["member_count"] = team.memberships.members().count()
    return render(request, "teams/team_detail.html", context)


@login_required
@require_POST
def leave(request: HttpRequest, slug: str) -> HttpResponse:
    team, membership = _get_team_or_404(request, slug)
    if membership is None:
        raise Http404
    try:
        services.leave(team, request.user)
    except services.TeamError as error:
        messages.error(request, str(error))
        return redirect("teams:team", slug=team.slug)
    messages.success(request, _("You left the team %(team)s.") % {"team": team.name})
    return redirect("teams:list")


# --- managing a team (leads and staff) -----------------------------------------------------


def _manage_context(request: HttpRequest, team: Team, **forms) -> dict:
    tracks = Track.objects.order_by("title")
    if not request.user.is_staff:
        tracks = tracks.filter(published=True) | team.tracks.all()
    tracks_form = forms.get("tracks_form") or TeamTracksForm(
        initial={"tracks": list(team.tracks.all())}
    )
    tracks_form.fields["tracks"].queryset = tracks.distinct().order_by("title")
    return {
        "team": team,
        "memberships": list(
            team.memberships.select_related("user__profile").order_by("role", "user__username")
        ),
        "invitations": list(
            team.invitations.filter(state=Invitation.State.PENDING)
            .select_related("user__profile")
            .order_by("created_at")
        ),
        "links": list(team.join_links.usable().order_by("-created_at")),
        "invite_form": forms.get("invite_form") or InviteForm(),
        "link_form": forms.get("link_form") or JoinLinkForm(),
        "tracks_form": tracks_form,
    }


@login_required
@require_GET
def manage(request: HttpRequest, slug: str) -> HttpResponse:
    team = _get_led_team_or_404(request, slug)
    return render(request, "teams/manage.html", _manage_context(request, team))


def _manage_done(request: HttpRequest, team: Team, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("teams:manage", slug=team.slug)


@login_required
@require_POST
def invite(request: HttpRequest, slug: str) -> HttpResponse:
    team = _get_led_team_or_404(request, slug)
    form = InviteForm(request.POST)
    if form.is_valid():
        person = form.cleaned_data["who"]
        try:
            services.invite(team, request.user, person)
        except services.TeamError as error:
            form.add_error("who", str(error))
        else:
            return _manage_done(
                request,
                team,
                _("You invited %(name)s; they answer on their own page.")
                % {"name": person.get_username()},
            )
    context = _manage_context(request, team, invite_form=form)
    return render(request, "teams/manage.html", context, status=400)


@login_required
@require_POST
def cancel_invitation(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    team = _get_led_team_or_404(request, slug)
    invitation = get_object_or_404(
        team.invitations.select_related("user"), pk=pk, state=Invitation.State.PENDING
    )
    services.cancel(invitation)
    return _manage_done(
        request,
        team,
        _("You withdrew the invitation to %(name)s.") % {"name": invitation.user.get_username()},
    )


@login_required
@require_POST
def create_link(request: HttpRequest, slug: str) -> HttpResponse:
    team = _get_led_team_or_404(request, slug)
    form = JoinLinkForm(request.POST)
    if not form.is_valid():
        context = _manage_context(request, team, link_form=form)
        return render(request, "teams/manage.html", context, status=400)
    link = services.create_link(team, request.user, form.cleaned_data["days"])
    messages.success(
        request,
        _("New join link: %(url)s") % {"url": request.build_absolute_uri(link.get_absolute_url())},
    )
    return redirect("teams:manage", slug=team.slug)


@login_required
@require_POST
def revoke_link(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    team = _get_led_team_or_404(request, slug)
    link = get_object_or_404(team.join_links, pk=pk)
    services.revoke_link(link)
    return _manage_done(request, team, _("The join link was revoked; it no longer works."))


@login_required
@require_POST
def remove_member(request: HttpRequest, slug: str, username: str) -> HttpResponse:
    team = _get_led_team_or_404(request, slug)
    membership = get_object_or_404(
        team.memberships.members().select_related("user"), user__username=username
    )
    services.remove_member(team, membership.user)
    return _manage_done(request, team, _("%(name)s is no longer in the team.") % {"name": username})


@login_required
@require_POST
def make_lead(request: HttpRequest, slug: str, username: str) -> HttpResponse:
    team = _get_led_team_or_404(request, slug)
    membership = get_object_or_404(
        team.memberships.members().select_related("user"), user__username=username
    )
    services.make_lead(team, membership.user)
    return _manage_done(request, team, _("%(name)s is now a lead.") % {"name": username})


@login_required
@require_POST
def set_tracks(request: HttpRequest, slug: str) -> HttpResponse:
    team = _get_led_team_or_404(request, slug)
    form = TeamTracksForm(request.POST)
    context = _manage_context(request, team, tracks_form=form)
    if not form.is_valid():
        return render(request, "teams/manage.html", context, status=400)
    services.set_tracks(team, form.cleaned_data["tracks"])
    return _manage_done(request, team, _("The team's tracks were saved; members follow them."))


# --- invitations and join links (the invited side) -----------------------------------------


@login_required
@require_POST
def accept_invitation(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = _get_invitation_or_404(request, pk)
    services.accept(invitation)
    joined = _("You joined the team %(team)s.") % {"team": invitation.team.name}
    if _is_htmx(request):
        return render(
            request,
            "teams/_invitation_outcome.html",
            {"invitation": invitation, "message": joined, "link": True},
        )
    messages.success(request, joined)
    return redirect("teams:team", slug=invitation.team.slug)


@login_required
@require_POST
def decline_invitation(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = _get_invitation_or_404(request, pk)
    services.decline(invitation)
    declined = _("You declined to join %(team)s.") % {"team": invitation.team.name}
    if _is_htmx(request):
        return render(
            request,
            "teams/_invitation_outcome.html",
            {"invitation": invitation, "message": declined},
        )
    messages.success(request, declined)
    return redirect("progress:dashboard")


@login_required
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, token: str) -> HttpResponse:
    link = get_object_or_404(JoinLink.objects.select_related("team"), token=token)
    team = link.team
    membership = Membership.objects.filter(team=team, user=request.user).first()
    problem = services.link_problem(link)
    if membership is None and problem:
        return render(request, "teams/join.html", {"team": team, "problem": problem}, status=410)
    if request.method == "POST" and membership is None:
        try:
            services.join_by_link(link, request.user)
        except services.TeamError as error:
            return render(
                request, "teams/join.html", {"team": team, "problem": str(error)}, status=410
            )
        messages.success(request, _("You joined the team %(team)s.") % {"team": team.name})
        return redirect("teams:team", slug=team.slug)
    return render(
        request,
        "teams/join.html",
        {"team": team, "link": link, "membership": membership, "tracks": team.tracks.all()},
    )


# --- a track of the team: heatmap, sections, CSV, topic panel ------------------------------


@login_required
@require_GET
def team_track(request: HttpRequest, slug: str, track_slug: str) -> HttpResponse:
    track = _led_team_track_or_404(request, slug, track_slug)
    # The same for every lead until the team, its members' statuses or the track change: built
    # once per version, like the track page, with each request's header and tokens spliced in.
    audience = trackpage.audience_of(request.user)
    key = trackpage.cache_key(
        "trilha:team-track",
        str(track.team_pk),
        str(track.team_version),
        track.content_version,
        audience.name,
    )

    def build() -> Page:
        team = Team.objects.get(pk=track.team_pk)
        context = {
            "team": team,
            "track": track,
            "heatmap": team_heatmap(team, track),
            "topic_url_prefix": reverse("teams:track", args=[team.slug, track.slug]) + "t/",
        }
        return trackpage.build_page("teams/team_track.html", context, audience)

    page = trackpage.cached(key, build)
    return HttpResponse(trackpage.fill_page(page, request, get_token(request)))


@login_required
@require_GET
def team_track_csv(request: HttpRequest, slug: str, track_slug: str) -> HttpResponse:
    team = _get_led_team_or_404(request, slug)
    track = _get_team_track_or_404(team, track_slug)
    heatmap = team_heatmap(team, track)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{team.slug}-{track.slug}.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [_("username"), _("name")]
        + [
            _("%(section)s (done of %(total)s)") % {"section": node.topic.title, "total": total}
            for node, total in zip(heatmap.sections, heatmap.section_totals, strict=True)
        ]
        + [_("done"), _("skipped"), _("topics"), _("percent done")]
    )
    for row in heatmap.rows:
        name = getattr(getattr(row.user, "profile", None), "display_name", "")
        writer.writerow(
            [row.user.get_username(), name]
            + [cell.done for cell in row.cells]
            + [row.overall.done, row.skipped, row.overall.total, row.overall.percent]
        )
    return response


@login_required
@require_GET
def team_topic(request: HttpRequest, slug: str, track_slug: str, key: str) -> HttpResponse:
    team = _get_led_team_or_404(request, slug)
    track = _get_team_track_or_404(team, track_slug)
    topic = get_object_or_404(Topic.objects.for_track(track).live(), key=key)
    topic.track = track
    context = {
        "team": team,
        "track": track,
        "people": topic_people(team, topic),
        "teams_nav": True,
    }
    if _is_htmx(request):
        return render(request, "teams/team_topic.html#panel", context)
    return render(request, "teams/team_topic.html", context)


# --- a track of the team: the members' check-ins -----------------------------------------


def _levels() -> list[tuple[int, str]]:
    """The scale, numbered as the tables show it."""
    return [(level.value, level.label) for level in Level]


@login_required
@require_GET
def team_checkins(request: HttpRequest, slug: str, track_slug: str) -> HttpResponse:
    team = _get_led_team_or_404(request, slug)
    track = _get_team_track_or_404(team, track_slug)
    results = team_results(team, track)
    return render(
        request,
        "teams/team_checkins.html",
        {
            "team": team,
            "track": track,
            "results": results,
            "levels": _levels(),
            # The check-in column and a pair of columns (self, mentors) per behaviour.
            "empty_columns": 1 + 2 * len(results.behaviours),
            "checkin_url_prefix": reverse("teams:checkins", args=[team.slug, track.slug]),
            "teams_nav": True,
        },
    )


@login_required
@require_GET
def member_checkin(request: HttpRequest, slug: str, track_slug: str, username: str) -> HttpResponse:
    team = _get_led_team_or_404(request, slug)
    track = _get_team_track_or_404(team, track_slug)
    member = _get_member_or_404(team, username).user
    topic_base = reverse("teams:track", args=[team.slug, track.slug]) + "t/"
    checkin, items = member_result(track, member, topic_base)
    return render(
        request,
        "teams/member_checkin.html",
        {
            "team": team,
            "track": track,
            "member": member,
            "checkin": checkin,
            "items": items,
            "scale": [(level.label, LEVEL_MEANINGS[level]) for level in Level],
            "teams_nav": True,
        },
    )
