from django import template

from ..models import Notification
from ..views import with_text

register = template.Library()


@register.simple_tag(takes_context=True)
def recent_notifications(context: template.Context, count: int = 5) -> list[Notification]:
    user = context["request"].user
    if not user.is_authenticated:
        return []
    return with_text(list(Notification.objects.filter(recipient=user)[:count]))
