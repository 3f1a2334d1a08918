from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Kind


class SettingsForm(forms.Form):
    """Which kinds of e-mail to receive: all ticked unless turned off."""

    email = forms.MultipleChoiceField(
        label=_("E-mail me when"),
        choices=Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
