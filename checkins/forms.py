from __future__ import annotations

from collections.abc import Iterator

from django import forms
from django.forms.boundfield import BoundWidget
from django.utils.translation import gettext_lazy as _

from .models import LEVEL_MEANINGS, Level

EVIDENCE_MAX_LENGTH = 5000


class LevelForm(forms.Form):
    """A level on the four-step scale, each option with its one-line meaning."""

    level = forms.TypedChoiceField(
        label=_("Level"),
        choices=Level.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Pick a level.")},
    )

    def level_options(self) -> Iterator[tuple[BoundWidget, str]]:
        for radio in self["level"]:
            yield radio, LEVEL_MEANINGS[Level(int(radio.data["value"]))]

    def clean_text(self, name: str) -> str:
        return self.cleaned_data[name].replace("\r\n", "\n").strip()


class RatingForm(LevelForm):
    evidence = forms.CharField(
        label=_("Evidence"),
        required=False,
        max_length=EVIDENCE_MAX_LENGTH,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4, "data-topic-picker": ""}),
        help_text=_(
            "Markdown. What you did that shows it; write #topic-key to link one of the "
            "track's topics."
        ),
    )

    def clean_evidence(self) -> str:
        return self.clean_text("evidence")


class MentorRatingForm(LevelForm):
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=EVIDENCE_MAX_LENGTH,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Markdown. What you saw, and what would take it a step further."),
    )

    def clean_comment(self) -> str:
        return self.clean_text("comment")
