"""The request id: one value that follows a piece of work across processes, so that a
submission can be traced from the browser's request through the Celery task to its
sandbox runs in the logs.

The web process takes a well-formed ``X-Request-ID`` from the client (a proxy or a
load balancer sets one) or makes one, returns it in the response header, and keeps it
in a context variable for the request. Every log record gets it (``RequestIdFilter``,
on the handler, so records of every library carry it). A Celery task sent while it is
set carries it in a message header; the worker sets it again for the task's run."""

import logging
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from celery import signals
from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
TASK_HEADER = "request_id"
NONE = "-"
# Letters, digits and a few separators (UUIDs, ULIDs, trace ids); nothing that could
# forge a log line or a header.
WELL_FORMED = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$")

_current: ContextVar[str] = ContextVar("request_id", default=NONE)


def request_id_get() -> str:
    """The current request id, or ``"-"`` outside any request or task."""
    return _current.get()


def request_id_accept(value: str | None) -> str:
    """``value`` when it is well formed, else a new random id."""
    if value and WELL_FORMED.match(value):
        return value
    return uuid.uuid4().hex


@contextmanager
def request_id_bound(value: str) -> Iterator[str]:
    """Sets the request id for the block (and what it calls), then restores it."""
    token = _current.set(value)
    try:
        yield value
    finally:
        _current.reset(token)


class RequestIdMiddleware:
    """First in the middleware stack: every later layer, log line and task sees it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with request_id_bound(request_id_accept(request.headers.get(HEADER))) as value:
            response = self.get_response(request)
        response[HEADER] = value
        return response


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record that passes the handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _current.get()
        return True


# --- Celery: the header out on publish, the context in around the task's run ---------
_task_tokens: dict[str, Any] = {}


def _on_publish(headers: dict[str, Any] | None = None, **_: Any) -> None:
    value = _current.get()
    if headers is not None and value != NONE:
        headers.setdefault(TASK_HEADER, value)


def _on_prerun(task_id: str = "", task: Any = None, **_: Any) -> None:
    request = getattr(task, "request", None)
    value = getattr(request, TASK_HEADER, None) or (getattr(request, "headers", None) or {}).get(
        TASK_HEADER
    )
    # Run in-process (eager mode), the task keeps the id of the request that ran it.
    inherited = None if _current.get() == NONE else _current.get()
    _task_tokens[task_id] = _current.set(request_id_accept(value or inherited))


def _on_postrun(task_id: str = "", **_: Any) -> None:
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        _current.reset(token)


def celery_signals_connect() -> None:
    """Connects the handlers above (config/celery.py calls it once). A task run
    without a request id (beat, a management command) gets a new one."""
    signals.before_task_publish.connect(_on_publish, weak=False, dispatch_uid="request_id_pub")
    signals.task_prerun.connect(_on_prerun, weak=False, dispatch_uid="request_id_prerun")
    signals.task_postrun.connect(_on_postrun, weak=False, dispatch_uid="request_id_postrun")
