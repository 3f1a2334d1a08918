"""Forms of the curators' in-app editor (tracks/editing.py)."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from .markdown import validate_markdown
from .models import ExpectedBehaviour, Resource, Topic, Track
from .plantuml.colours import plantuml_colour
from .trackfiles import one_line
from .tree import MAX_DEPTH, Node, walk

LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")


class EditorForm(forms.ModelForm):
    """Lines end in \n as in the track files (browsers send \r\n), and a language, where
    there is one, is a language code."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "description" in self.fields:
            # Markdown as typed: leading spaces make a code block.
            self.fields["description"].strip = False

    def clean(self) -> dict:
        data = super().clean()
        if isinstance(data.get("description"), str) and not data["description"].strip():
            data["description"] = ""
        for name, value in data.items():
            if isinstance(value, str):
                data[name] = value.replace("\r\n", "\n")
        return data

    def clean_description(self) -> str:
        description = self.cleaned_data["description"]
        validate_markdown(description)
        return description

    def clean_language(self) -> str:
        value = self.cleaned_data["language"].strip().lower()
        if value and not LANGUAGE_CODE.match(value):
            raise forms.ValidationError(
                _("Use a language code, such as pt-br or en."), code="language"
            )
        return value


class TrackForm(EditorForm):
    class Meta:
        model = Track
        fields = ["title", "description", "language", "published", "related"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 8}),
            "related": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "language": _("A language code, such as pt-br or en."),
            "published": _("Unpublished tracks are seen by curators only."),
            "related": _("“See also” links, shown on both tracks."),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["related"].queryset = Track.objects.exclude(pk=self.instance.pk).order_by(
            "title"
        )


class BehaviourForm(EditorForm):
    retire = forms.BooleanField(
        label=_("Retire"),
        required=False,
        help_text=_("Hidden from the track and from new check-ins; its ratings are kept."),
    )

    class Meta:
        model = ExpectedBehaviour
        fields = ["text", "order"]
        widgets = {"text": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"order": _("Lower comes first.")}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            del self.fields["retire"]

    def clean_text(self) -> str:
        # One line, as the README lists it.
        return one_line(self.cleaned_data["text"])


class BaseBehaviourFormSet(forms.BaseInlineFormSet):
    """The track's live behaviours; a row ticked Retire is retired (never deleted, so its
    ratings stay); a new row gets the key its text gives when saved."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("queryset", ExpectedBehaviour.objects.live())
        super().__init__(*args, **kwargs)

    def save_existing(
        self, form: forms.ModelForm, obj: ExpectedBehaviour, commit: bool = True
    ) -> ExpectedBehaviour:
        if form.cleaned_data.get("retire"):
            obj.retired = True
        return super().save_existing(form, obj, commit=commit)


BehaviourFormSet = forms.inlineformset_factory(
    Track,
    ExpectedBehaviour,
    form=BehaviourForm,
    formset=BaseBehaviourFormSet,
    extra=1,
    can_delete=False,
)


class ResourceForm(EditorForm):
    # Typed without a scheme ("docs.python.org"), a URL is taken as https, as in the admin. A
    # text box, not type="url", which browsers refuse to submit without a scheme.
    url = forms.URLField(
        label=_("URL"),
        max_length=1000,
        assume_scheme="https",
        widget=forms.TextInput(attrs={"inputmode": "url", "autocomplete": "url"}),
    )

    class Meta:
        model = Resource
        fields = ["title", "url", "kind", "language", "order"]
        help_texts = {"language": _("Optional: pt-br, en...")}


ResourceFormSet = forms.inlineformset_factory(
    Topic, Resource, form=ResourceForm, extra=1, can_delete=True
)


def subtree_ids(roots: list[Node], topic: Topic) -> set[int]:
    """The ids of `topic` and of all its descendants in the tree `roots`."""
    for node in walk(roots):
        if node.topic.pk == topic.pk:
            return {descendant.topic.pk for descendant in node.walk()}
    return {topic.pk} if topic.pk else set()


def subtree_height(roots: list[Node], topic: Topic) -> int:
    """How many levels hang below `topic` (0 for a leaf or a new topic)."""
    for node in walk(roots):
        if node.topic.pk == topic.pk:
            return max(descendant.depth for descendant in node.walk()) - node.depth
    return 0


def limit_parents(field: forms.ModelChoiceField, topic: Topic, roots: list[Node]) -> set[int]:
    """Offer the live topics of the track, in tree order, never the topic or its descendants,
    nor a topic under which the topic's subtree would go deeper than MAX_DEPTH levels.

    The queryset decides what a POST may choose; the choices only show the same topics
    indented, without a query per topic. Returns the ids of the topics too deep to offer."""
    excluded = subtree_ids(roots, topic)
    height = subtree_height(roots, topic) if topic.pk else 0
    # A parent at depth d puts the topic at d + 1 and its deepest descendant at d + 1 + height.
    too_deep = {node.topic.pk for node in walk(roots) if node.depth + 1 + height >= MAX_DEPTH}
    field.queryset = (
        Topic.objects.for_track(topic.track).live().exclude(pk__in=excluded).order_by("order")
    )
    field.choices = [("", field.empty_label)] + [
        (node.topic.pk, "— " * node.depth + node.topic.title)
        for node in walk(roots)
        if not node.topic.retired and node.topic.pk not in excluded | too_deep
    ]
    return too_deep


def check_depth(parent: Topic | None, too_deep: set[int]) -> Topic | None:
    if parent is not None and parent.pk in too_deep:
        raise forms.ValidationError(
            _(
                "Under “%(parent)s” this topic and its subtopics would go deeper than "
                "%(max)d levels."
            ),
            code="depth",
            params={"parent": parent.title, "max": MAX_DEPTH},
        )
    return parent


def clean_colour(value: str) -> str:
    value = value.strip()
    if value and not plantuml_colour(value):
        raise forms.ValidationError(
            _("Use a colour name (Orange) or a hex code (#61DAFB)."), code="colour"
        )
    return value


class TopicForm(EditorForm):
    class Meta:
        model = Topic
        fields = ["title", "description", "parent", "order", "side", "colour"]
        widgets = {
            "title": forms.TextInput,
            "description": forms.Textarea(attrs={"rows": 8}),
        }
        labels = {"parent": _("Parent topic")}
        help_texts = {
            "order": _("Among topics with the same parent, lower comes first."),
            "side": _("Where a branch grows on the diagram, left or right of the root."),
            "colour": _("Optional: a colour name (Orange) or a hex code (#61DAFB)."),
        }

    def __init__(self, *args, roots: list[Node], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.parent_id is None:
            # The root of the track stays the root.
            del self.fields["parent"]
        else:
            self.fields["parent"].required = True
            self.too_deep = limit_parents(self.fields["parent"], self.instance, roots)

    def clean_parent(self) -> Topic | None:
        return check_depth(self.cleaned_data["parent"], self.too_deep)

    def clean_colour(self) -> str:
        return clean_colour(self.cleaned_data["colour"])


class NewTopicForm(EditorForm):
    class Meta:
        model = Topic
        fields = ["title", "parent", "side", "description"]
        widgets = {
            "title": forms.TextInput,
            "description": forms.Textarea(attrs={"rows": 6}),
        }
        labels = {"parent": _("Parent topic")}
        help_texts = {
            "title": _("The topic's key is made from the title and never changes."),
            "side": _("Where a branch grows on the diagram, left or right of the root."),
        }

    def __init__(self, *args, roots: list[Node], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].required = True
        self.too_deep = limit_parents(self.fields["parent"], self.instance, roots)

    def clean_parent(self) -> Topic | None:
        return check_depth(self.cleaned_data["parent"], self.too_deep)


def focus_first_error(*items: forms.BaseForm | forms.BaseFormSet) -> None:
    """Give the first field with an error `autofocus`, so that after a failed save the keyboard
    and screen reader land on it rather than at the top of the page."""
    for item in items:
        for form in item.forms if isinstance(item, forms.BaseFormSet) else [item]:
            for name in form.errors:
                if name in form.fields:
                    form.fields[name].widget.attrs["autofocus"] = True
                    return
