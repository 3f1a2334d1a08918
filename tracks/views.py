"""Curator pages: the track list, importing track files (preview first), exporting a track."""

from __future__ import annotations

import functools
import re
import secrets
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from .diagrams import preview_track_diagram
from .exporter import export_zip
from .importer import (
    DIAGRAM_SUFFIXES,
    MAX_FILE_BYTES,
    MAX_ZIP_BYTES,
    README,
    TEXT_FILE,
    MemorySource,
    Source,
    TrackFileError,
    TrackPlan,
    TrackResult,
    apply_plans,
    plan_tracks,
    sources_from_uploads,
    sources_from_zip,
)
from .models import Track

# The files of a preview wait in the shared cache (app processes keep nothing on local disk)
# for the curator's "Import"; the form carries only a token.
UPLOAD_CACHE_PREFIX = "tracks:import-upload:"
UPLOAD_MAX_AGE = 60 * 60
UPLOAD_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Log in first; then curators only (403 for everyone else)."""

    @login_required
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not request.user.is_staff:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


class ImportForm(forms.Form):
    archive = forms.FileField(
        label=gettext_lazy("Track folder as a .zip"),
        required=False,
        help_text=gettext_lazy("One track folder, or a folder of track folders."),
    )
    diagram = forms.FileField(label=gettext_lazy("Or a .puml diagram"), required=False)
    readme = forms.FileField(label=gettext_lazy("README.md (optional)"), required=False)
    texto = forms.FileField(label=gettext_lazy("trilha-texto.md (optional)"), required=False)

    def clean(self) -> dict:
        data = super().clean()
        archive, diagram = data.get("archive"), data.get("diagram")
        if archive and diagram:
            raise forms.ValidationError(_("Choose a .zip or a .puml diagram, not both."))
        if not (archive or diagram):
            if not (self.has_error("archive") or self.has_error("diagram")):
                raise forms.ValidationError(_("Choose a .zip or a .puml diagram."))
            return data
        if archive and not archive.name.lower().endswith(".zip"):
            self.add_error("archive", _("This is not a .zip file."))
        if archive and archive.size > MAX_ZIP_BYTES:
            self.add_error("archive", _("The archive is too large."))
        if diagram and not diagram.name.lower().endswith(DIAGRAM_SUFFIXES):
            self.add_error("diagram", _("This is not a .puml file."))
        for name in ("diagram", "readme", "texto"):
            upload = data.get(name)
            if upload and upload.size > MAX_FILE_BYTES:
                self.add_error(
                    name,
                    _("The file is larger than %(limit)d MB.")
                    % {"limit": MAX_FILE_BYTES // (1024 * 1024)},
                )
        return data

    def sources(self) -> list[Source]:
        data = self.cleaned_data
        if data.get("archive"):
            return sources_from_zip(data["archive"].read(), data["archive"].name)
        diagram = data["diagram"]
        files = {PurePosixPath(diagram.name).name: diagram.read()}
        if data.get("readme"):
            files[README] = data["readme"].read()
        if data.get("texto"):
            files[TEXT_FILE] = data["texto"].read()
        return sources_from_uploads(files)


@dataclass
class OutlineNode:
    title: str
    children: list[OutlineNode] = field(default_factory=list)


def outline(plan: TrackPlan) -> list[OutlineNode]:
    roots: list[OutlineNode] = []
    path: list[OutlineNode] = []
    for topic in plan.topics:
        node = OutlineNode(topic.title)
        del path[topic.depth :]
        (path[-1].children if path else roots).append(node)
        path.append(node)
    return roots


def _keep_upload(
    request: HttpRequest, sources: list[Source], diagram_errors: dict[str, tuple[str, bool]]
) -> str:
    """Keep the files the import needs for an hour, for this curator only, with why the preview
    could not draw a diagram (slug: reason, whether later may work); return the token that
    names them, so that "Import" takes exactly what the preview read, however large."""
    files = {}
    for source in sources:
        prefix = f"{source.name}/" if source.name else ""
        for name in source.files():
            base = PurePosixPath(name).name
            wanted = base in (README, TEXT_FILE) or base.lower().endswith(DIAGRAM_SUFFIXES)
            if wanted and source.size(name) <= MAX_FILE_BYTES:
                files[prefix + name] = zlib.compress(source.read_bytes(name))
    folders = sorted({source.name for source in sources})
    token = secrets.token_urlsafe(24)
    upload = {
        "user": request.user.pk,
        "files": files,
        "folders": folders,
        "diagram_errors": diagram_errors,
    }
    cache.set(UPLOAD_CACHE_PREFIX + token, upload, UPLOAD_MAX_AGE)
    return token


def _kept_upload(
    request: HttpRequest, token: str
) -> tuple[list[Source], dict[str, tuple[str, bool]]] | None:
    """The sources a preview kept under `token` for this curator, and its diagram errors;
    None once expired."""
    upload = cache.get(UPLOAD_CACHE_PREFIX + token) if UPLOAD_TOKEN.fullmatch(token) else None
    if not upload or upload["user"] != request.user.pk:
        return None
    files = {name: zlib.decompress(content) for name, content in upload["files"].items()}
    root = MemorySource(files)
    diagram_errors = upload.get("diagram_errors", {})
    if upload["folders"] == [""]:
        return [root], diagram_errors
    by_name = {source.name: source for source in root.subfolders()}
    return [by_name[name] for name in upload["folders"] if name in by_name], diagram_errors


def _preview_results(
    plans: list[TrackPlan],
) -> list[tuple[TrackResult, tuple[str, str, bool]]]:
    """What the import would do and the diagram each track would get, (SVG, why not, whether
    later may work), found by doing it and rolling it back."""
    with transaction.atomic():
        results = apply_plans(plans)
        tracks = Track.objects.in_bulk([result.slug for result in results], field_name="slug")
        diagrams = [preview_track_diagram(tracks[result.slug]) for result in results]
        transaction.set_rollback(True)
    return list(zip(results, diagrams, strict=True))


def _diagram_report(slug: str, reason: str, later: bool) -> str:
    values = {"slug": slug, "reason": _(reason)}
    if later:
        return (
            _(
                "%(slug)s: the diagram could not be drawn (%(reason)s); it will be drawn when "
                "PlantUML answers, and the track page says so meanwhile."
            )
            % values
        )
    return _("%(slug)s: the diagram cannot be drawn: %(reason)s") % values


@require_GET
@staff_required
def curate_index(request: HttpRequest) -> HttpResponse:
    tracks = Track.objects.order_by("title")
    return render(request, "tracks/curate.html", {"tracks": tracks, "form": ImportForm()})


@require_POST
@staff_required
def import_preview(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST, request.FILES)
    context: dict[str, object] = {"form": form}
    if form.is_valid():
        try:
            sources = form.sources()
            plans = plan_tracks(sources)
        except TrackFileError as error:
            context["error"] = str(error)
        else:
            previews = list(zip(plans, _preview_results(plans), strict=True))
            context["previews"] = [
                {
                    "plan": plan,
                    "result": result,
                    "outline": outline(plan),
                    "svg": svg,
                    "diagram_error": _(reason) if reason else "",
                }
                for plan, (result, (svg, reason, _later)) in previews
            ]
            diagram_errors = {
                plan.slug: (reason, later)
                for plan, (_result, (_svg, reason, later)) in previews
                if reason
            }
            context["token"] = _keep_upload(request, sources, diagram_errors)
    template = "tracks/curate_preview.html"
    if request.htmx:
        template += "#preview"
    # htmx swaps only successful responses; a full page says "bad request" properly.
    status = 200 if "previews" in context or request.htmx else 400
    return render(request, template, context, status=status)


@require_POST
@staff_required
def import_tracks(request: HttpRequest) -> HttpResponse:
    token = request.POST.get("token", "")
    kept = _kept_upload(request, token)
    try:
        if kept is None:
            messages.error(request, _("The preview has expired; upload the files again."))
        else:
            # The files stay until they expire: a second click imports them again, which
            # changes nothing and gives the same report.
            sources, diagram_errors = kept
            results = apply_plans(plan_tracks(sources))
            for result in results:
                messages.success(request, result.summary())
                for warning in result.warnings:
                    messages.warning(request, warning)
                if result.slug in diagram_errors:
                    messages.warning(
                        request, _diagram_report(result.slug, *diagram_errors[result.slug])
                    )
    except TrackFileError as error:
        messages.error(request, str(error))
    url = redirect("tracks:curate").url
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


@require_GET
@staff_required
def export_track(request: HttpRequest, slug: str) -> HttpResponse:
    track = get_object_or_404(Track, slug=slug)
    response = HttpResponse(export_zip(track), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{track.slug}.zip"'
    return response
