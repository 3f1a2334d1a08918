from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from .models import Note, Profile, TopicProgress


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
