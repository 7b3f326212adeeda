"""Queue depths, read from the broker (Redis) at the moment they are asked for: the
same answer whichever process asks, which a counter kept in one process could not
give."""

from django.conf import settings

from core.redis_conn import redis_client
from grading.practical import QUEUE_CPU, QUEUE_GPU

# kombu's Redis transport keeps priority levels above 0 in keys of their own.
_PRIORITY_SEPARATOR = "\x06\x16"
_PRIORITY_STEPS = (3, 6, 9)


def queue_names() -> list[str]:
    """Every queue the site sends to: the default one, the routed ones, the GPU one."""
    names = {settings.CELERY_TASK_DEFAULT_QUEUE, QUEUE_CPU, QUEUE_GPU}
    names |= {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    return sorted(names)


def queue_depths() -> dict[str, int] | None:
    """Messages waiting per queue (not those a worker holds). None without Redis (the
    embedded default runs tasks in-process). Raises redis.RedisError when Redis does
    not answer."""
    client = redis_client()
    if client is None:
        return None
    names = queue_names()
    pipe = client.pipeline(transaction=False)
    for name in names:
        pipe.llen(name)
        for step in _PRIORITY_STEPS:
            pipe.llen(f"{name}{_PRIORITY_SEPARATOR}{step}")
    lengths = pipe.execute()
    per = 1 + len(_PRIORITY_STEPS)
    return {name: sum(lengths[i * per : (i + 1) * per]) for i, name in enumerate(names)}
