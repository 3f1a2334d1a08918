from __future__ import annotations

from django import forms
from django.contrib.auth.base_user import AbstractBaseUser
from django.utils.translation import gettext_lazy as _

from tracks.models import Track

from .models import Team
from .services import find_person

# Paths under /teams/ that a team's slug must not take.
RESERVED_SLUGS = {"new", "join", "invitations"}

WHO_WIDGET = forms.TextInput(
    attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
)
UNKNOWN_PERSON = _("Nobody here has this username or a verified e-mail address.")


class PersonField(forms.CharField):
    """A username or a verified e-mail address, cleaned into the user."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 254)
        kwargs.setdefault("widget", WHO_WIDGET)
        super().__init__(**kwargs)

    def clean(self, value: str) -> AbstractBaseUser:
        value = super().clean(value)
        person = find_person(value)
        if person is None:
            raise forms.ValidationError(UNKNOWN_PERSON, code="unknown")
        return person


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    slug = forms.SlugField(
        label=_("Slug"),
        max_length=100,
        help_text=_("Lowercase letters, digits and hyphens; the team's address: /teams/<slug>/."),
    )
    lead = PersonField(label=_("First lead (username or verified e-mail)"))
    tracks = forms.ModelMultipleChoiceField(
        label=_("Tracks"),
        queryset=Track.objects.order_by("title"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"].lower()
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError(
                _("“%(slug)s” is reserved; choose another slug."), params={"slug": slug}
            )
        if Team.objects.filter(slug=slug).exists():
            raise forms.ValidationError(_("Another team already has this slug."))
        return slug


class InviteForm(forms.Form):
    who = PersonField(label=_("Username or verified e-mail"))


class JoinLinkForm(forms.Form):
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=90, initial=7)


class TeamTracksForm(forms.Form):
    tracks = forms.ModelMultipleChoiceField(
        label=_("Tracks"),
        queryset=Track.objects.order_by("title"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
