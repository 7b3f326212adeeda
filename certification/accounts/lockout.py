"""Lockout after repeated failed logins (django-axes), with one allowance per key.

Axes counts failures in the shared cache under one key per entry of
``AXES_LOCKOUT_PARAMETERS`` but compares all of them with one limit. Here each key has
its own (settings ``LOGIN_FAILURES_*``, in the same order as the parameters): a few
for the account from one address, more for the account from anywhere, many for the
address across accounts, so that an exam hall behind one NAT address is not locked
out by its candidates' typos. ``lockout_response`` is the page (or, for the API, the
JSON error) that says when to try again.
"""

from datetime import timedelta
from typing import Any

from axes.handlers.cache import AxesCacheHandler
from axes.helpers import get_client_cache_keys, get_client_username, get_cool_off
from axes.signals import user_locked_out
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import ngettext

# Keys in the order of settings.AXES_LOCKOUT_PARAMETERS: (account, address), account, address.
LIMIT_SETTINGS = (
    "LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS",
    "LOGIN_FAILURES_PER_ACCOUNT",
    "LOGIN_FAILURES_PER_ADDRESS",
)
ADDRESS_KEY = 2


def _limits() -> list[int]:
    return [int(getattr(settings, name)) for name in LIMIT_SETTINGS]


class TieredCacheHandler(AxesCacheHandler):  # type: ignore[misc]
    """Axes' cache handler, locking when any key reaches its own allowance."""

    def _over_allowance(self, request: Any, credentials: dict[str, Any] | None) -> bool:
        keys = get_client_cache_keys(request, credentials)
        counts = self.cache.get_many(keys)
        return any(counts.get(key, 0) >= limit for key, limit in zip(keys, _limits(), strict=True))

    def is_locked(self, request: Any, credentials: dict[str, Any] | None = None) -> bool:
        return bool(getattr(settings, "AXES_LOCK_OUT_AT_FAILURE", True)) and self._over_allowance(
            request, credentials
        )

    def user_login_failed(
        self, sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
    ) -> None:
        # Axes counts the failure and locks at its one limit (the largest allowance);
        # the smaller allowances are checked here.
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or getattr(request, "axes_locked_out", False):
            return
        if getattr(settings, "AXES_LOCK_OUT_AT_FAILURE", True) and self._over_allowance(
            request, credentials
        ):
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes",
                request=request,
                username=get_client_username(request, credentials),
                ip_address=request.axes_ip_address,
            )

    def user_logged_in(self, sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
        """A successful login clears the account's counts, not the address's: one
        person signing in must not reset the count of someone spraying from the same
        address."""
        super().user_logged_in(sender, request, user, **kwargs)
        keys = get_client_cache_keys(request, {"username": user.get_username()})
        self.cache.delete_many([key for i, key in enumerate(keys) if i != ADDRESS_KEY])


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any
) -> HttpResponse:
    """429 with Retry-After: JSON in core.api's error shape for the API, otherwise the
    bilingual lockout page. Each failure while locked restarts the cool-off, so the
    time to wait counts from now."""
    cool_off = get_cool_off(request)
    seconds = int(cool_off.total_seconds()) if cool_off else 0
    minutes = max(1, round(seconds / 60))
    message = ngettext(
        "登录失败次数过多，账户已暂时锁定。请在 %(minutes)d 分钟后再试。",
        "登录失败次数过多，账户已暂时锁定。请在 %(minutes)d 分钟后再试。",
        minutes,
    ) % {"minutes": minutes}
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"error": {"code": "locked_out", "message": message}}, status=429
        )
    else:
        retry_at = timezone.localtime() + (cool_off or timedelta(0))
        response = render(
            request,
            "accounts/locked_out.html",
            {"message": message, "retry_at": retry_at},
            status=429,
        )
    response["Retry-After"] = str(seconds)
    return response
