"""Log-in rules allauth leaves to the site: one failed-login limit per account, whatever
identifier was typed, and the admin's log-in through the same page and limits."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from allauth.account.adapter import DefaultAccountAdapter, get_adapter
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.account.internal.userkit import filter_users_by_email, filter_users_by_username
from allauth.account.models import EmailAddress
from allauth.account.views import EmailView
from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _


def held_elsewhere(email: str, user: AbstractBaseUser | None) -> bool:
    """Whether another account has `email` confirmed or as its own (primary or login) address."""
    others = EmailAddress.objects.filter(email__iexact=email)
    accounts = get_user_model().objects.filter(email__iexact=email)
    if user is not None and user.pk is not None:
        others = others.exclude(user=user)
        accounts = accounts.exclude(pk=user.pk)
    return others.filter(Q(verified=True) | Q(primary=True)).exists() or accounts.exists()


class AccountAdapter(DefaultAccountAdapter):
    def send_confirmation_mail(self, request: HttpRequest, emailconfirmation, signup: bool):
        """Never mail a confirmation link for an address another account holds: its owner
        could click it and hand the address to a stranger. The owner is told instead."""
        address = emailconfirmation.email_address
        if held_elsewhere(address.email, address.user):
            if not signup:  # the sign-up form has told the owner already
                self.send_account_already_exists_mail(address.email)
            return
        super().send_confirmation_mail(request, emailconfirmation, signup)

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        """The failed-login counter of the account the identifier names: guesses by username
        and by e-mail count together. An identifier nobody has keeps a counter of its own."""
        email = credentials.get("email")
        if email:
            users = filter_users_by_email(email, prefer_verified=True)
            # Other accounts can hold only unconfirmed copies of an address, never as their
            # own e-mail: the account whose e-mail it is comes first.
            users.sort(key=lambda user: (user.email.lower() != email.lower(), user.pk))
        else:
            username = credentials.get("username", "")
            users = list(filter_users_by_username(username).order_by("pk")[:1]) if username else []
        if users:
            return f"user:{users[0].pk}"
        return "login:" + (email or credentials.get("username", "")).lower()


def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin's log-in page sends people to the site's, which has the rate limits."""
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    next_url = next_url or reverse("admin:index")
    if request.user.is_authenticated:
        if request.user.is_active and request.user.is_staff:
            return redirect(next_url)
        # Signed in without admin rights: sending them to log in would loop back here.
        raise PermissionDenied
    return redirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")


class SignupForm(AllauthSignupForm):
    """Sign-up that answers the same whether the e-mail is registered or not.

    With a registered address the new account is made all the same, with the address
    unconfirmed and not its own (it cannot log in, invite or be invited with it), and the
    address's owner gets an e-mail saying someone tried; with a new address the account gets
    it as usual and a confirmation link. Either way the page goes on to the dashboard."""

    def validate_unique_email(self, value: str) -> str:
        self.address_taken = False
        try:
            return super().validate_unique_email(value)
        except forms.ValidationError:
            self.address_taken = True
            self.account_already_exists = False
            return value

    def save(self, request: HttpRequest) -> AbstractBaseUser:
        if not getattr(self, "address_taken", False):
            return super().save(request)
        email = self.cleaned_data["email"]
        self.cleaned_data["email"] = ""
        user = super().save(request)
        # Listed on the account's e-mail page like any address added there; confirming it
        # would need the owner's inbox, and no confirmation link is sent (see the adapter).
        EmailAddress.objects.create(user=user, email=email, primary=False, verified=False)
        self.cleaned_data["email"] = email
        get_adapter().send_account_already_exists_mail(email)
        return user


class AccountEmailView(EmailView):
    """The account's e-mail page, where only a confirmed address can become the primary one:
    an address is anyone's to add, and only its confirmation shows it is theirs."""

    def _action_primary(self, request: HttpRequest, *args: Any, **kwargs: Any):
        address = self._get_email_address(request)
        if address and not address.verified:
            messages.error(request, _("Confirm this address before making it your primary one."))
            return None
        return super()._action_primary(request, *args, **kwargs)


account_email = AccountEmailView.as_view()
