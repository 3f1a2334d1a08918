from __future__ import annotations

from allauth.account.models import EmailAddress
from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.validators import validate_email
from django.db.models import Case, When
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from tracks.markdown import validate_markdown

from .models import Mentorship, Note, Profile, TopicProgress


class ProfileForm(forms.ModelForm):
    class Meta:
        model = Profile
        fields = ["display_name", "language", "public"]
        labels = {"public": _("Make my profile public")}
        help_texts = {
            "display_name": _("Shown instead of your username. Leave empty to use the username."),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Blank means "follow the browser": say so instead of Django's dashes. Languages are
        # named in themselves, as in the switcher in the page header.
        self.fields["language"].choices = [
            ("", _("Same as my browser")),
            *((code, get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES),
        ]


class DeleteAccountForm(forms.Form):
    confirmation = forms.CharField(
        label=_("Type your username or your password to confirm"),
        strip=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )

    def __init__(self, user: AbstractBaseUser, *args, **kwargs) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_confirmation(self) -> str:
        value = self.cleaned_data["confirmation"]
        if value.strip() == self.user.get_username() or self.user.check_password(value):
            return value
        raise forms.ValidationError(
            _("This is neither your username nor your password."), code="mismatch"
        )


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=TopicProgress.Status.choices)
    reason = forms.CharField(
        label=_("Why skip it? (optional)"), required=False, max_length=500, strip=True
    )


class NoteForm(forms.ModelForm):
    class Meta:
        model = Note
        fields = ["body", "shared"]
        widgets = {"body": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"body": _("Markdown. Private unless you share it with your mentors.")}

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        validate_markdown(body)
        return body


class InviteMentorForm(forms.Form):
    """Who the learner asks to be their mentor: a username or an e-mail address."""

    who = forms.CharField(
        label=_("Username or e-mail"),
        max_length=254,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )

    def __init__(self, mentee: AbstractBaseUser, *args, **kwargs) -> None:
        self.mentee = mentee
        super().__init__(*args, **kwargs)

    def clean_who(self) -> AbstractBaseUser | str:
        """The account invited, or an e-mail address no account has confirmed (the invitation
        then goes by e-mail). An address counts only once its owner confirmed it: anyone can
        add any address to their account."""
        value = self.cleaned_data["who"].strip()
        if "@" in value:
            try:
                validate_email(value)
            except forms.ValidationError:
                raise forms.ValidationError(
                    _("Enter a valid e-mail address or a username."), code="invalid"
                ) from None
            confirmed = EmailAddress.objects.filter(
                email__iexact=value, verified=True, user__is_active=True
            ).select_related("user")
            address = confirmed.first()
            if address is None:
                if self._is_my_address(value):
                    raise forms.ValidationError(_("You cannot be your own mentor."), code="self")
                return value.lower()
            mentor = address.user
        else:
            mentor = (
                get_user_model()
                .objects.filter(username__iexact=value, is_active=True)
                # An exact username wins over the same one in another case.
                .order_by(Case(When(username=value, then=0), default=1), "pk")
                .first()
            )
            if mentor is None:
                raise forms.ValidationError(
                    _("Nobody here has this username or e-mail."), code="unknown"
                )
        if mentor.pk == self.mentee.pk:
            raise forms.ValidationError(_("You cannot be your own mentor."), code="self")
        existing = (
            Mentorship.objects.filter(mentor=mentor, mentee=self.mentee)
            .exclude(state=Mentorship.State.ENDED)
            .first()
        )
        if existing and existing.state == Mentorship.State.ACTIVE:
            raise forms.ValidationError(
                _("%(name)s is already your mentor."),
                code="active",
                params={"name": mentor.get_username()},
            )
        if existing:
            raise forms.ValidationError(
                _("You already invited %(name)s; they have not answered yet."),
                code="invited",
                params={"name": mentor.get_username()},
            )
        return mentor

    def _is_my_address(self, email: str) -> bool:
        return self.mentee.email.lower() == email.lower() or (
            EmailAddress.objects.filter(user=self.mentee, email__iexact=email).exists()
        )


class CommentForm(forms.Form):
    """A mentor's comment on a mentee's topic."""

    body = forms.CharField(
        label=_("Comment"),
        max_length=5000,
        validators=[validate_markdown],
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Markdown."),
    )
