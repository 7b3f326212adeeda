"""The one Redis client of a process for what is not Celery's business: worker
heartbeats, queue depths, the readiness check. Every call has a short timeout, so a
Redis outage makes a page or a health check slower by seconds, never stuck."""

import threading

import redis
from django.conf import settings

TIMEOUT_SECONDS = 2.0

_lock = threading.Lock()
_clients: dict[str, redis.Redis] = {}


def redis_client() -> redis.Redis | None:
    """A client for ``REDIS_URL``, or None on the embedded default (no Redis)."""
    url: str = settings.REDIS_URL
    if not url:
        return None
    with _lock:
        client = _clients.get(url)
        if client is None:
            client = redis.Redis.from_url(
                url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS
            )
            _clients[url] = client
        return client
