"""Rate limits by scope (``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``), counted in the
shared cache so that every web process sees the same count: a DRF throttle for API
views and a decorator for pages, both over ``rate_hit`` (autosave counts its own
allowance in PostgreSQL: certification/exams/answers.py).

Fixed windows: one counter per (scope, who, window), one Redis round trip per
request, cheaper than DRF's sliding history (a list read and
rewritten on every request, two round trips). The price is that a client may spend up to twice its allowance
across a window's edge; the allowances below are set with that in mind."""

import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.template.loader import render_to_string
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


def rate_parse(rate: str) -> tuple[int, int] | None:
    """``"240/min"`` → (240, 60); None for an empty rate (no limit). Raises ValueError
    for anything else, so a bad setting fails at the first request that needs it."""
    if not rate:
        return None
    count, _, unit = rate.partition("/")
    return int(count), UNITS[unit.strip().lower()]


def scope_rate(scope: str) -> tuple[int, int] | None:
    rates: dict[str, str] = getattr(settings, "REST_FRAMEWORK", {}).get(
        "DEFAULT_THROTTLE_RATES", {}
    )
    return rate_parse(str(rates.get(scope) or ""))


def rate_hit(*, scope: str, who: str) -> int | None:
    """Counts one request of ``who`` in ``scope``. Returns None when it is within the
    allowance, otherwise the seconds until the window ends (for Retry-After)."""
    rate = scope_rate(scope)
    if rate is None:
        return None
    limit, window = rate
    now = time.time()
    count = _count(f"rl:{scope}:{who}:{int(now // window)}", window + 1)
    if count <= limit:
        return None
    return max(1, int(window - now % window) + 1)


def _count(key: str, timeout: int) -> int:
    """Adds one to ``key`` (created with ``timeout``) and returns the new count: with
    Redis one round trip (SET NX EX and INCR pipelined), otherwise add or incr."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        full = backend.make_and_validate_key(key)
        # RedisCache._cache is Django's client wrapper; get_client gives redis-py's.
        client = cast(Any, backend)._cache.get_client(full, write=True)
        pipe = client.pipeline(transaction=False)
        pipe.set(full, 0, ex=timeout, nx=True)
        pipe.incr(full)
        return int(pipe.execute()[1])
    if backend.add(key, 1, timeout=timeout):
        return 1
    try:
        return int(backend.incr(key))
    except ValueError:  # expired between add and incr: this is the first again
        backend.add(key, 1, timeout=timeout)
        return 1


class ScopeThrottle(BaseThrottle):
    """DRF throttle of the view's ``throttle_scope``, on writes only (reading a list
    beside an upload form is not limited): per person when signed in, otherwise per
    client address (``client_address``). A refused request answers 429 with
    Retry-After, in core.api's error shape."""

    def __init__(self) -> None:
        self.wait_seconds: int | None = None

    def allow_request(self, request: Request, view: Any) -> bool:
        scope = getattr(view, "throttle_scope", None)
        if not scope or request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        self.wait_seconds = rate_hit(scope=scope, who=_client(request))
        return self.wait_seconds is None

    def wait(self) -> float | None:
        return self.wait_seconds


View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def page_throttle(scope: str) -> Callable[[View], View]:
    """For pages: counts each POST in ``scope``, per person when signed in, otherwise
    per address, and answers a refused one with 429, Retry-After and a page that says
    when to try again."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.method == "POST":
                wait = rate_hit(scope=scope, who=_client(request))
                if wait is not None:
                    return throttled_page(request, wait)
            return view(request, *args, **kwargs)

        return cast(View, wrapped)

    return decorator


def _client(request: HttpRequest | Request) -> str:
    user = request.user
    if user is not None and user.is_authenticated:
        return f"user-{user.pk}"
    return f"addr-{client_address(request)}"


def client_address(request: HttpRequest | Request) -> str:
    """The client's address: REMOTE_ADDR, or behind TRUSTED_PROXIES proxies the
    address the outermost of them saw (the one a client cannot forge)."""
    proxies = int(getattr(settings, "TRUSTED_PROXIES", 0))
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",")]
        return str(hops[max(0, len(hops) - proxies)])
    return str(request.META.get("REMOTE_ADDR", ""))


def throttled_page(request: HttpRequest, wait: int) -> HttpResponse:
    body = render_to_string("throttled.html", {"wait": wait}, request=request)
    response = HttpResponse(body, status=429)
    response["Retry-After"] = str(wait)
    return response
