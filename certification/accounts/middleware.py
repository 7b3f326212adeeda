"""Per-request account middleware.

``SecondFactorMiddleware``: a signed-in staff member whose session has not passed
the second factor sees only the enrolment or verification page (and may sign out);
every other page redirects there. The API answers such sessions itself
(certification/accounts/authentication.py).

``TimeZoneMiddleware``: times in the zone the signed-in person chose (accounts'
preference), else the site's. The choice is read once per session and kept in it, so
a request costs no query; saving the preference refreshes the session's copy."""

from collections.abc import Callable
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from certification.accounts.second_factor import (
    second_factor_enrolled,
    second_factor_required,
    second_factor_verified,
)
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


# Pages an unverified staff member may still open.
SECOND_FACTOR_OPEN = frozenset(
    {"second-factor-setup", "second-factor-verify", "logout", "set_language"}
)


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.path_info.startswith("/api/")
            and not second_factor_verified(user)
            and second_factor_required(user)
            and _url_name(request) not in SECOND_FACTOR_OPEN
        ):
            name = "second-factor-verify" if second_factor_enrolled(user) else "second-factor-setup"
            query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
            return HttpResponseRedirect(reverse(name) + (f"?{query}" if query else ""))
        return self.get_response(request)


def _url_name(request: HttpRequest) -> str | None:
    try:
        return resolve(request.path_info).url_name
    except Resolver404:
        return None
