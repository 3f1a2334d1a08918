"""Mentor invitations mailed to an address no account has confirmed.

The invitation belongs to whoever opens its link while signed in: reading that inbox is what
confirms the address. Until then it names nobody, so an account that merely added the address
(without confirming it) can neither see nor accept anything.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.mail import send_mail
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from .models import MentorInvitation, Mentorship
from .templatetags.people import person


def invite_by_email(request: HttpRequest, mentee: AbstractBaseUser, email: str) -> None:
    """Mail `email` a link that makes its reader `mentee`'s mentor (after the commit)."""
    invitation = MentorInvitation.objects.create(mentee=mentee, email=email)
    link = request.build_absolute_uri(reverse("progress:invitation", args=[invitation.token]))
    context = {"mentee": person(mentee), "link": link, "days": MentorInvitation.VALID_FOR.days}
    subject = _("%(name)s invites you to be their mentor on Trilha") % {"name": context["mentee"]}
    body = render_to_string("progress/email/mentor_invitation.txt", context, request=request)
    transaction.on_commit(
        lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email], fail_silently=False)
    )


def _get_pending_or_404(token: str) -> MentorInvitation:
    return get_object_or_404(
        MentorInvitation.objects.pending().select_related("mentee__profile"), token=token
    )


def claim(invitation: MentorInvitation, user: AbstractBaseUser) -> Mentorship:
    """Make `user` the mentor and confirm the invitation's address on their account.

    The address stops counting anywhere else: unconfirmed copies on other accounts are
    removed and no other account keeps it as its e-mail, so it is primary on one account."""
    email = invitation.email
    with transaction.atomic():
        invitation = MentorInvitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.claimed_at is not None:
            raise Http404
        address = EmailAddress.objects.filter(user=user, email__iexact=email).first()
        if address is None:
            address = EmailAddress.objects.create(user=user, email=email)
        address.verified = True
        address.save(update_fields=["verified"])
        address.set_as_primary(conditional=True)
        EmailAddress.objects.filter(email__iexact=email).exclude(user=user).delete()
        get_user_model().objects.filter(email__iexact=email).exclude(pk=user.pk).update(email="")
        mentorship = (
            Mentorship.objects.filter(mentor=user, mentee=invitation.mentee)
            .exclude(state=Mentorship.State.ENDED)
            .first()
        )
        if mentorship is None:
            mentorship = Mentorship(mentor=user, mentee=invitation.mentee)
        mentorship.state = Mentorship.State.ACTIVE
        mentorship.save()
        invitation.claimed_by = user
        invitation.claimed_at = timezone.now()
        invitation.save(update_fields=["claimed_by", "claimed_at"])
    return mentorship


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link of a mailed invitation: sign up or log in, then accept it."""
    invitation = _get_pending_or_404(token)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    own = invitation.mentee_id == request.user.pk
    taken = (
        EmailAddress.objects.filter(email__iexact=invitation.email, verified=True)
        .exclude(user=request.user)
        .exists()
    )
    if request.method == "POST" and not own and not taken:
        claim(invitation, request.user)
        messages.success(
            request, _("You are now the mentor of %(name)s.") % {"name": person(invitation.mentee)}
        )
        return redirect("progress:mentoring")
    context = {"invitation": invitation, "own": own, "taken": taken}
    return render(request, "progress/invitation.html", context, status=400 if own or taken else 200)


@login_required
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """The learner takes back an invitation they mailed."""
    invitation = get_object_or_404(MentorInvitation.objects.pending(), pk=pk, mentee=request.user)
    invitation.delete()
    if request.htmx:
        return HttpResponse("")
    messages.success(
        request, _("Your invitation to %(email)s was cancelled.") % {"email": invitation.email}
    )
    return redirect("progress:mentors")
