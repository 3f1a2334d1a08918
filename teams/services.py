"""Writes on teams as plain functions: who joins, who leaves, and what joining follows.

Access (who may invite, remove or revoke) is the views' business; these functions keep the
data consistent. Joining a team follows its tracks and never unfollows anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from progress.services import follow
from tracks.models import Track

from .models import Invitation, JoinLink, Membership, Team


class TeamError(ValueError):
    """A team action refused, with a message for the person who tried it."""


def find_person(identifier: str) -> AbstractBaseUser | None:
    """The active user with this username, or whose *verified* e-mail address this is.

    An unverified address proves nothing: anybody can type someone else's address at sign up,
    so only an address its owner confirmed leads to them.
    """
    value = identifier.strip()
    if not value:
        return None
    User = get_user_model()
    by_name = list(User.objects.filter(username__iexact=value, is_active=True)[:2])
    exact = next((user for user in by_name if user.username == value), None)
    if exact or by_name:
        return exact or by_name[0]
    if "@" not in value:
        return None
    address = (
        EmailAddress.objects.filter(email__iexact=value, verified=True, user__is_active=True)
        .select_related("user")
        .first()
    )
    return address.user if address else None


def create_team(name: str, slug: str, lead: AbstractBaseUser, tracks: Iterable[Track] = ()) -> Team:
    """A new team with its first lead."""
    with transaction.atomic():
        team = Team.objects.create(name=name.strip(), slug=slug)
        team.tracks.set(list(tracks))
        Membership.objects.create(team=team, user=lead, role=Membership.Role.LEAD)
    return team


def follow_team_tracks(team: Team, users: Iterable[AbstractBaseUser] | None = None) -> None:
    """Make the team's members (or the given users) follow each of its tracks."""
    if users is None:
        users = [m.user for m in team.memberships.members().select_related("user")]
    tracks = list(team.tracks.all())
    for user in users:
        for track in tracks:
            follow(user, track)


def set_tracks(team: Team, tracks: Iterable[Track]) -> None:
    """Change the team's tracks; members follow the new ones and keep following the others."""
    with transaction.atomic():
        team.tracks.set(list(tracks))
        follow_team_tracks(team)


def _join(team: Team, user: AbstractBaseUser) -> Membership:
    """Add `user` as a member and follow the team's tracks. A lead stays a lead."""
    membership, _created = Membership.objects.get_or_create(
        team=team, user=user, defaults={"role": Membership.Role.MEMBER}
    )
    if membership.role == Membership.Role.MEMBER:
        follow_team_tracks(team, [user])
    # Any invitation still open for this team is answered by joining.
    Invitation.objects.filter(team=team, user=user, state=Invitation.State.PENDING).update(
        state=Invitation.State.ACCEPTED, answered_at=timezone.now()
    )
    return membership


def invite(team: Team, lead: AbstractBaseUser, person: AbstractBaseUser) -> Invitation:
    """Invite a person to join as a member. Refuses people already in or already invited."""
    name = person.get_username()
    if Membership.objects.filter(team=team, user=person).exists():
        raise TeamError(_("%(name)s is already in this team.") % {"name": name})
    try:
        with transaction.atomic():
            return Invitation.objects.create(team=team, user=person, invited_by=lead)
    except IntegrityError:
        raise TeamError(
            _("%(name)s is already invited; they have not answered yet.") % {"name": name}
        ) from None


def accept(invitation: Invitation) -> Membership:
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.state != Invitation.State.PENDING:
            raise TeamError(_("This invitation was already answered or withdrawn."))
        membership = _join(invitation.team, invitation.user)
    invitation.state = Invitation.State.ACCEPTED
    return membership


def decline(invitation: Invitation) -> None:
    Invitation.objects.filter(pk=invitation.pk, state=Invitation.State.PENDING).update(
        state=Invitation.State.DECLINED, answered_at=timezone.now()
    )
    invitation.state = Invitation.State.DECLINED


def cancel(invitation: Invitation) -> None:
    Invitation.objects.filter(pk=invitation.pk, state=Invitation.State.PENDING).update(
        state=Invitation.State.CANCELLED, answered_at=timezone.now()
    )


LINK_DAYS = 7


def create_link(team: Team, lead: AbstractBaseUser, days: int = LINK_DAYS) -> JoinLink:
    return JoinLink.objects.create(
        team=team, created_by=lead, expires_at=timezone.now() + timedelta(days=days)
    )


def revoke_link(link: JoinLink) -> None:
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])


def link_problem(link: JoinLink) -> str:
    """Why a join link no longer works, or "" while it does."""
    if link.revoked:
        return str(_("This join link was revoked by a lead of the team. Ask them for a new one."))
    if link.expired:
        return str(_("This join link has expired. Ask a lead of the team for a new one."))
    return ""


def join_by_link(link: JoinLink, user: AbstractBaseUser) -> Membership:
    with transaction.atomic():
        locked = JoinLink.objects.select_for_update().get(pk=link.pk)
        problem = link_problem(locked)
        if problem:
            raise TeamError(problem)
        return _join(link.team, user)


def leave(team: Team, user: AbstractBaseUser) -> None:
    """The member leaves; the last lead cannot, so that a team is never left without one."""
    with transaction.atomic():
        membership = Membership.objects.select_for_update().filter(team=team, user=user).first()
        if membership is None:
            return
        if membership.role == Membership.Role.LEAD:
            leads = Membership.objects.select_for_update().filter(
                team=team, role=Membership.Role.LEAD
            )
            if leads.count() <= 1:
                raise TeamError(
                    _("You are the only lead of this team: name another lead before leaving.")
                )
        membership.delete()


def remove_member(team: Team, user: AbstractBaseUser) -> None:
    """A lead removes a member. Leads are not removed this way."""
    Membership.objects.filter(team=team, user=user, role=Membership.Role.MEMBER).delete()


def make_lead(team: Team, user: AbstractBaseUser) -> None:
    """A member becomes a lead: their progress no longer shows in the team views."""
    Membership.objects.filter(team=team, user=user).update(role=Membership.Role.LEAD)
