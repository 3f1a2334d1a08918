"""Site-wide views that belong to no app."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def ping(request: HttpRequest) -> HttpResponse:
    """The smallest page there is: it goes through every middleware (session, user, language)
    and renders nothing. Load balancers may poll it; the benchmark measures pages against it."""
    return HttpResponse("pong", content_type="text/plain; charset=utf-8")
