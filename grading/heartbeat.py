"""Worker heartbeats: each Celery worker records, every few seconds, who it is, which
queues it consumes, the GPU it hands to sandbox runs and whether its Docker engine
answers a ping. The record lives in Redis with a time to live, so a worker that died
disappears from the readiness check and the operations page by itself.

One record per worker node (the main process, not each pool child): the node is what
an operator starts, stops and sees in Flower."""

import json
import logging
import os
import socket
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any

from celery import signals
from django.conf import settings

from core.redis_conn import redis_client
from grading.practical import QUEUE_GPU
from sandbox import engine_available

logger = logging.getLogger(__name__)

KEY_PREFIX = "certengine:heartbeat:"


@dataclass(frozen=True)
class Heartbeat:
    name: str  # the Celery node name (celery@host)
    host: str
    queues: list[str]
    gpu: str  # the device a GPU run gets ("any" when unpinned), "" for none
    docker_ok: bool
    seen_at: float  # epoch seconds

    def age_seconds(self, now: float | None = None) -> float:
        return max(0.0, (time.time() if now is None else now) - self.seen_at)


def interval_seconds() -> int:
    return int(getattr(settings, "WORKER_HEARTBEAT_SECONDS", 15))


def ttl_seconds() -> int:
    """A record outlives three missed beats, not more."""
    return 3 * interval_seconds()


def worker_gpu(queues: list[str]) -> str:
    """The GPU this worker hands to sandbox runs: only a worker on the GPU queue has
    one; it is ``SANDBOX_GPU_DEVICE`` (or ``CUDA_VISIBLE_DEVICES``), else "any"."""
    if QUEUE_GPU not in queues:
        return ""
    device: str = getattr(settings, "SANDBOX_GPU_DEVICE", "") or ""
    return device or os.environ.get("CUDA_VISIBLE_DEVICES", "") or "any"


def heartbeat_record(*, name: str, queues: list[str], docker_ok: bool | None = None) -> Heartbeat:
    """Writes this worker's record (pinging the Docker engine unless ``docker_ok`` is
    given) and returns it. Safe to call any number of times."""
    beat = Heartbeat(
        name=name,
        host=socket.gethostname(),
        queues=sorted(queues),
        gpu=worker_gpu(queues),
        docker_ok=engine_available() if docker_ok is None else docker_ok,
        seen_at=time.time(),
    )
    client = redis_client()
    if client is not None:
        client.set(KEY_PREFIX + name, json.dumps(asdict(beat)), ex=ttl_seconds())
    return beat


def heartbeats_read() -> list[Heartbeat]:
    """Every worker seen within the time to live, by name. Raises redis.RedisError
    when Redis does not answer; [] without Redis (the embedded default)."""
    client = redis_client()
    if client is None:
        return []
    keys = sorted(client.scan_iter(match=KEY_PREFIX + "*", count=500))
    beats = []
    for raw in client.mget(keys) if keys else []:
        if raw is None:  # expired between the scan and the read
            continue
        try:
            beats.append(Heartbeat(**json.loads(raw)))
        except (TypeError, ValueError):
            logger.warning("ignoring a malformed heartbeat record")
    return sorted(beats, key=lambda beat: beat.name)


def heartbeat_get(name: str) -> Heartbeat | None:
    """The record of worker ``name``, None when it is missing or expired."""
    return next((beat for beat in heartbeats_read() if beat.name == name), None)


# --- The beating thread of a worker node -----------------------------------------------
_stop = threading.Event()


def _beat_forever(name: str, queues: list[str]) -> None:
    while not _stop.is_set():
        try:
            heartbeat_record(name=name, queues=queues)
        except Exception:  # a Redis hiccup must not kill the thread; the TTL tells
            logger.warning("heartbeat of %s not recorded", name, exc_info=True)
        _stop.wait(interval_seconds())


def _on_worker_ready(sender: Any = None, **_: Any) -> None:
    name = str(getattr(sender, "hostname", "") or socket.gethostname())
    app = getattr(sender, "app", None)
    queues = sorted(app.amqp.queues.consume_from) if app is not None else []
    _stop.clear()
    threading.Thread(
        target=_beat_forever, args=(name, queues), name="heartbeat", daemon=True
    ).start()


def _on_worker_shutdown(**_: Any) -> None:
    _stop.set()


def celery_signals_connect() -> None:
    """Starts the heartbeat when a worker node is ready, stops it at shutdown."""
    signals.worker_ready.connect(_on_worker_ready, weak=False, dispatch_uid="heartbeat_ready")
    signals.worker_shutdown.connect(_on_worker_shutdown, weak=False, dispatch_uid="heartbeat_stop")
