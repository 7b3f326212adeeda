"""Times in the zone the signed-in person chose (accounts' preference), else the
site's. The choice is read once per session and kept in it, so a request costs no
query; saving the preference refreshes the session's copy."""

from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from certification.accounts.selectors import user_zone_name
from core.zones import zone_names

SESSION_KEY = "time_zone"


def time_zone_remember(session: SessionBase, name: str) -> None:
    session[SESSION_KEY] = name


class TimeZoneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        name: str = ""
        if request.user.is_authenticated:
            remembered = request.session.get(SESSION_KEY)
            if remembered is None:
                remembered = user_zone_name(user_id=request.user.pk)
                time_zone_remember(request.session, remembered)
            name = str(remembered)
        if name and name in zone_names():
            timezone.activate(ZoneInfo(name))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
