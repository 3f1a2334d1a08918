"""Curators edit tracks in the app: track settings and behaviours, topics and their resources,
new topics, retiring and restoring topics. Everything here is for staff only."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from .forms import (
    BehaviourFormSet,
    NewTopicForm,
    ResourceFormSet,
    TopicForm,
    TrackForm,
    focus_first_error,
)
from .importer import free_key, key_from_title
from .models import ExpectedBehaviour, Topic, Track, mark_track_changed
from .render_queue import redraw_later
from .tree import Node, build_tree, walk
from .views import staff_required

# What the diagram draws of a topic: a change to any of these renders it again.
DIAGRAM_FIELDS = {"title", "parent", "order", "side", "colour"}


def _get_topic_or_404(slug: str, key: str) -> Topic:
    topic = get_object_or_404(Topic.objects.select_related("track"), track__slug=slug, key=key)
    return topic


def _tree(track: Track) -> list[Node]:
    """All the track's topics, live and retired, from one query."""
    return build_tree(Topic.objects.for_track(track))


def _subtree(roots: list[Node], topic: Topic) -> list[Topic]:
    """The topic and its descendants, in tree order."""
    for node in walk(roots):
        if node.topic.pk == topic.pk:
            return [descendant.topic for descendant in node.walk()]
    return [topic]


def _next_order(queryset) -> int:
    highest = queryset.aggregate(highest=Max("order"))["highest"]
    return 0 if highest is None else highest + 1


def unique_key(track: Track, title: str) -> str:
    """A key made from the title as the importer makes it, numbered when the track has it."""
    taken = set(Topic.objects.for_track(track).values_list("key", flat=True))
    return free_key(key_from_title(title), taken)


@staff_required
@require_http_methods(["GET", "POST"])
def track_edit(request: HttpRequest, slug: str) -> HttpResponse:
    track = get_object_or_404(Track, slug=slug)
    data = request.POST if request.method == "POST" else None
    form = TrackForm(data, instance=track)
    behaviours = BehaviourFormSet(
        data,
        instance=track,
        prefix="behaviours",
        initial=[{"order": _next_order(track.behaviours.live())}],
    )
    if data is not None and all([form.is_valid(), behaviours.is_valid()]):
        with transaction.atomic():
            form.save()
            behaviours.save()
        messages.success(request, _("Track saved."))
        return redirect("tracks:track-edit", track.slug)
    focus_first_error(form, behaviours)
    context = {
        "track": track,
        "form": form,
        "behaviours": behaviours,
        "retired_behaviours": track.behaviours.filter(retired=True).order_by("order", "id"),
        "roots": _tree(track),
    }
    return render(request, "tracks/edit/track.html", context)


@staff_required
@require_POST
def behaviour_restore(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    behaviour = get_object_or_404(ExpectedBehaviour, track__slug=slug, key=key, retired=True)
    with transaction.atomic():
        behaviour.retired = False
        # Back at the end of the list; the curator can move it.
        behaviour.order = _next_order(behaviour.track.behaviours.live())
        behaviour.save(update_fields=["retired", "order"])
    messages.success(
        request, _("Restored “%(text)s”, with its ratings.") % {"text": behaviour.text}
    )
    return redirect("tracks:track-edit", slug)


@staff_required
@require_http_methods(["GET", "POST"])
def topic_edit(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    topic = _get_topic_or_404(slug, key)
    track = topic.track
    roots = _tree(track)
    data = request.POST if request.method == "POST" else None
    form = TopicForm(data, instance=topic, roots=roots)
    resources = ResourceFormSet(
        data,
        instance=topic,
        prefix="resources",
        initial=[{"order": _next_order(topic.resources.all())}],
    )
    if data is not None and all([form.is_valid(), resources.is_valid()]):
        with transaction.atomic():
            form.save()
            resources.save()
            if DIAGRAM_FIELDS.intersection(form.changed_data):
                redraw_later(track.pk)
        messages.success(request, _("Topic saved."))
        return redirect("tracks:topic-edit", track.slug, topic.key)
    focus_first_error(form, resources)
    subtree = _subtree(roots, topic)
    parent = next((node.topic for node in walk(roots) if node.topic.pk == topic.parent_id), None)
    context = {
        "track": track,
        "topic": topic,
        "form": form,
        "resources": resources,
        "parent": parent,
        "live_descendants": [t for t in subtree[1:] if not t.retired],
        "retired_descendants": [t for t in subtree[1:] if t.retired],
    }
    return render(request, "tracks/edit/topic.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def topic_new(request: HttpRequest, slug: str) -> HttpResponse:
    track = get_object_or_404(Track, slug=slug)
    roots = _tree(track)
    topic = Topic(track=track)
    if request.method == "POST":
        form = NewTopicForm(request.POST, instance=topic, roots=roots)
    else:
        by_key = {node.topic.key: node.topic for node in walk(roots) if not node.topic.retired}
        parent = by_key.get(request.GET.get("parent", ""))
        initial = {"parent": parent.pk, "side": parent.side} if parent else {}
        form = NewTopicForm(instance=topic, roots=roots, initial=initial)
    if form.is_bound and form.is_valid():
        with transaction.atomic():
            # One new topic per track at a time: curators adding the same title at once get
            # keys "x", "x-2"… instead of a clash on the unique key.
            Track.objects.select_for_update().filter(pk=track.pk).first()
            topic = form.save(commit=False)
            topic.key = unique_key(track, topic.title)
            # Last among its siblings: orders compare across the track.
            topic.order = _next_order(Topic.objects.for_track(track))
            topic.save()
            redraw_later(track.pk)
        messages.success(request, _("Topic added."))
        return redirect("tracks:topic-edit", track.slug, topic.key)
    focus_first_error(form)
    return render(request, "tracks/edit/topic_new.html", {"track": track, "form": form})


@staff_required
@require_POST
def topic_retire(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    topic = _get_topic_or_404(slug, key)
    if topic.parent_id is None:
        messages.error(request, _("The root of a track cannot be retired."))
        return redirect("tracks:topic-edit", slug, key)
    with transaction.atomic():
        live = [t.pk for t in _subtree(_tree(topic.track), topic) if not t.retired]
        Topic.objects.filter(pk__in=live).update(retired=True)
        mark_track_changed(topic.track_id)
        redraw_later(topic.track_id)
    others = len(live) - 1 if topic.pk in live else len(live)
    if others:
        done = ngettext(
            "Retired “%(title)s” and %(count)d subtopic; everyone's progress is kept.",
            "Retired “%(title)s” and %(count)d subtopics; everyone's progress is kept.",
            others,
        )
    else:
        done = _("Retired “%(title)s”; everyone's progress is kept.")
    messages.success(request, done % {"title": topic.title, "count": others})
    return redirect("tracks:topic-edit", slug, key)


@staff_required
@require_POST
def topic_restore(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    topic = _get_topic_or_404(slug, key)
    roots = _tree(topic.track)
    parent = next((node.topic for node in walk(roots) if node.topic.pk == topic.parent_id), None)
    if parent is not None and parent.retired:
        messages.error(
            request,
            _("“%(parent)s” is retired: restore it first, or move this topic under a live one.")
            % {"parent": parent.title},
        )
        return redirect("tracks:topic-edit", slug, key)
    with transaction.atomic():
        retired = [t.pk for t in _subtree(roots, topic) if t.retired]
        Topic.objects.filter(pk__in=retired).update(retired=False)
        mark_track_changed(topic.track_id)
        redraw_later(topic.track_id)
    messages.success(request, _("Restored “%(title)s”.") % {"title": topic.title})
    return redirect("tracks:topic-edit", slug, key)
