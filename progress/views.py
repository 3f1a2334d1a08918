from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from tracks.models import Topic, Track
from tracks.tree import build_tree, walk

from .models import TopicProgress
from .stats import tally_track


def _get_track_or_404(request: HttpRequest, slug: str) -> Track:
    tracks = Track.objects.all() if request.user.is_staff else Track.objects.published()
    return get_object_or_404(tracks, slug=slug)


def _statuses(user, topics: list[Topic]) -> dict[int, str]:
    if not user.is_authenticated:
        return {}
    rows = TopicProgress.objects.filter(user=user, topic__in=[t.id for t in topics])
    return dict(rows.values_list("topic_id", "status"))


@require_GET
def track_list(request: HttpRequest) -> HttpResponse:
    tracks = Track.objects.published().order_by("title")
    return render(request, "progress/track_list.html", {"tracks": tracks})


@require_GET
def track_detail(request: HttpRequest, slug: str) -> HttpResponse:
    track = _get_track_or_404(request, slug)
    topics = list(Topic.objects.for_track(track).live())
    roots = build_tree(topics)
    statuses = _statuses(request.user, topics)
    overall, sections = tally_track(roots, statuses)
    nodes = list(walk(roots))
    for node in nodes:
        node.status = statuses.get(node.topic.id, TopicProgress.Status.TODO)
    context = {
        "track": track,
        "roots": roots,
        "nodes": nodes,
        "statuses": statuses,
        "overall": overall,
        "sections": sections,
        "behaviours": track.behaviours.all(),
        "related": track.related.published(),
    }
    return render(request, "progress/track_detail.html", context)


@require_GET
def topic_detail(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    track = _get_track_or_404(request, slug)
    topic = get_object_or_404(Topic.objects.for_track(track).live(), key=key)
    status = _statuses(request.user, [topic]).get(topic.id, TopicProgress.Status.TODO)
    context = {
        "track": track,
        "topic": topic,
        "status": status,
        "resources": topic.resources.all(),
    }
    template = "progress/topic.html#panel" if request.htmx else "progress/topic.html"
    return render(request, template, context)


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    follows = request.user.follows.filter(active=True).select_related("track")
    return render(request, "progress/dashboard.html", {"follows": follows})
