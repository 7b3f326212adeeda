"""The autosave fast path: a WSGI layer in front of Django for exactly one request,
``PUT /api/v1/attempts/<id>/answers/<item>/`` carrying an attempt's save token
(``X-Attempt-Token``, see ``attempt_save_token``). It calls the same service as the
REST endpoint, without Django's middleware stack and DRF, because autosave is the
exam's hottest path (docs/benchmarks.md); the service counts the save against the
attempt's autosave allowance, whichever path it came by. Everything
else, and any request without the token, goes to Django unchanged."""

import json
import logging
import re
from collections.abc import Callable, Iterable
from typing import Any

from django.db import close_old_connections

from certification.exams.answers import answer_save_by_claim, save_token_claim
from core.errors import ApplicationError, Throttled

logger = logging.getLogger(__name__)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
PATH = re.compile(r"^/api/v1/attempts/([0-9a-f-]{36})/answers/(\d+)/$")
MAX_BODY = 64 * 1024


def _reply(
    start_response: Callable[..., Any],
    status: str,
    body: dict[str, Any],
    headers: tuple[tuple[str, str], ...] = (),
) -> list[bytes]:
    payload = json.dumps(body, ensure_ascii=False).encode()
    start_response(
        status,
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(payload))),
            ("X-Content-Type-Options", "nosniff"),
            ("Cache-Control", "no-store"),
            *headers,
        ],
    )
    return [payload]


def _error(
    start_response: Callable[..., Any],
    status: str,
    code: str,
    message: str,
    headers: tuple[tuple[str, str], ...] = (),
) -> list[bytes]:
    return _reply(start_response, status, {"error": {"code": code, "message": message}}, headers)


def autosave_fast_path(django_app: WSGIApp) -> WSGIApp:
    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        token = environ.get("HTTP_X_ATTEMPT_TOKEN")
        match = PATH.match(environ.get("PATH_INFO", ""))
        if token is None or match is None or environ.get("REQUEST_METHOD") != "PUT":
            return django_app(environ, start_response)
        close_old_connections()
        try:
            return _save(environ, start_response, token, match)
        finally:
            close_old_connections()

    return application


def _save(
    environ: dict[str, Any], start_response: Callable[..., Any], token: str, match: re.Match[str]
) -> list[bytes]:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = -1
    if not 0 < length <= MAX_BODY:
        return _error(start_response, "400 Bad Request", "invalid", "Body missing or too large.")
    try:
        body = json.loads(environ["wsgi.input"].read(length))
        response, revision = body["response"], body["revision"]
        if not isinstance(revision, int) or isinstance(revision, bool) or revision < 1:
            raise ValueError("revision")
    except (ValueError, KeyError, TypeError):
        return _error(
            start_response, "400 Bad Request", "invalid", "Expected {response, revision >= 1}."
        )
    try:
        claim = save_token_claim(token=token, attempt_public_id=match.group(1))
        saved = answer_save_by_claim(
            claim=claim,
            item_id=int(match.group(2)),
            response=response,
            revision=revision,
            ip=environ.get("REMOTE_ADDR") or None,
            user_agent=environ.get("HTTP_USER_AGENT", ""),
        )
    except Throttled as exc:
        headers = (("Retry-After", str(exc.wait)),)
        return _error(start_response, "429 Too Many Requests", exc.code, exc.message, headers)
    except ApplicationError as exc:
        reason = {400: "400 Bad Request", 404: "404 Not Found", 409: "409 Conflict"}.get(
            exc.status_code, "400 Bad Request"
        )
        return _error(start_response, reason, exc.code, exc.message)
    except Exception:
        logger.exception("autosave fast path failed")
        return _error(
            start_response,
            "500 Internal Server Error",
            "error",
            "Server error; the answer was not saved.",
        )
    return _reply(
        start_response,
        "200 OK",
        {
            "item": saved.item_id,
            "revision": saved.revision,
            "applied": saved.applied,
            "saved_at": saved.saved_at.isoformat(),
            "late": saved.late,
        },
    )
