"""Liveness and readiness. Public endpoints, so what they say is limited to what an
operator's load balancer needs: which check failed, never why in the words of the
library (an error message can carry a URL with a password, a path or a version).
The reason goes to the log instead."""

import logging
import shutil
from dataclasses import dataclass, field
from typing import Any

import redis
from django.conf import settings
from django.db import DatabaseError, connection

from core.redis_conn import redis_client
from grading.heartbeat import Heartbeat, heartbeats_read

logger = logging.getLogger(__name__)


@dataclass
class Readiness:
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)
    workers: list[Heartbeat] = field(default_factory=list)

    @property
    def failed(self) -> list[str]:
        return sorted(name for name, check in self.checks.items() if not check["ok"])

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_json(self) -> dict[str, Any]:
        return {
            "status": "ok" if self.ok else "fail",
            "failed": self.failed,
            "checks": self.checks,
            "workers": [
                {
                    "name": beat.name,
                    "queues": beat.queues,
                    "gpu": bool(beat.gpu),
                    "docker_ok": beat.docker_ok,
                    "age_seconds": round(beat.age_seconds()),
                }
                for beat in self.workers
            ],
        }


def _database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        logger.exception("readiness: the database does not answer")
        return {"ok": False}
    return {"ok": True}


def _redis() -> dict[str, Any]:
    client = redis_client()
    if client is None:
        return {"ok": True, "configured": False}  # the embedded default: tasks in-process
    try:
        client.ping()
    except redis.RedisError:
        logger.exception("readiness: Redis does not answer")
        return {"ok": False}
    return {"ok": True}


def _disk() -> dict[str, Any]:
    minimum = int(settings.READYZ_MIN_FREE_BYTES)
    try:
        free = shutil.disk_usage(settings.PRIVATE_STORAGE_DIR).free
    except OSError:
        logger.exception("readiness: private storage is not reachable")
        return {"ok": False, "min_free_bytes": minimum}
    return {"ok": free >= minimum, "free_bytes": free, "min_free_bytes": minimum}


def readiness_check() -> Readiness:
    """Database, Redis and free space in private storage (each a failing check), and
    the workers whose heartbeat is fresh (reported, not a failing check: the site
    serves pages while grading waits). Never raises."""
    ready = Readiness(checks={"database": _database(), "redis": _redis(), "disk": _disk()})
    if ready.checks["redis"]["ok"]:
        try:
            ready.workers = heartbeats_read()
        except redis.RedisError:
            logger.exception("readiness: heartbeats not readable")
    return ready
