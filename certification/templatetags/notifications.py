"""``{% unread_notifications as n %}``: the bell's count in the top bar."""

from typing import Any

from django import template

from certification.audit.selectors import notifications_unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context: dict[str, Any]) -> int:
    request = context.get("request")
    user = getattr(request, "user", None)
    return notifications_unread_count(user=user) if user is not None else 0
