from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .models import Track


@staff_member_required
@require_GET
def curate_index(request: HttpRequest) -> HttpResponse:
    tracks = Track.objects.order_by("title")
    return render(request, "tracks/curate.html", {"tracks": tracks})
