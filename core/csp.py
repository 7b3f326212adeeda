"""The endpoint browsers send Content-Security-Policy violation reports to
(``report-uri`` in settings.CONTENT_SECURITY_POLICY).

Anyone may post here, signed in or not, so it trusts nothing it receives: a body over
``MAX_BYTES`` is refused unread, each client address gets ``PER_MINUTE`` reports a
minute, and what is logged is a few fields of the report cut to a safe length, with
query strings and fragments removed (they may carry tokens). Nothing is stored.
"""

import json
import logging
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

logger = logging.getLogger("csp.violations")

MAX_BYTES = 8 * 1024
PER_MINUTE = 30
FIELD_CHARS = 200
# report-uri's "csp-report" object, and the Reporting API's "body" of a
# "csp-violation" report: the same facts under two spellings.
FIELDS = {
    "document": ("document-uri", "documentURL"),
    "directive": ("effective-directive", "effectiveDirective"),
    "blocked": ("blocked-uri", "blockedURL"),
    "source": ("source-file", "sourceFile"),
    "line": ("line-number", "lineNumber"),
    "disposition": ("disposition", "disposition"),
}


def _clean(value: Any) -> str:
    """A URL without its query and fragment (or a keyword such as "inline"), cut short."""
    text = str(value)[: FIELD_CHARS * 2]
    parts = urlsplit(text)
    if parts.scheme in {"http", "https"}:
        text = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    return text[:FIELD_CHARS]


def _reports(payload: Any) -> list[dict[str, Any]]:
    """The violation objects of a report-uri body or a Reporting API batch."""
    if isinstance(payload, dict) and isinstance(payload.get("csp-report"), dict):
        return [payload["csp-report"]]
    if isinstance(payload, list):
        return [
            entry["body"]
            for entry in payload[:10]
            if isinstance(entry, dict) and isinstance(entry.get("body"), dict)
        ]
    return []


def _allowed(request: HttpRequest) -> bool:
    """At most PER_MINUTE reports a minute from one client address (per process cache)."""
    key = f"csp-report:{request.META.get('REMOTE_ADDR', '')}"
    cache.add(key, 0, timeout=60)
    try:
        return cache.incr(key) <= PER_MINUTE
    except ValueError:  # expired between add and incr
        return True


@csrf_exempt  # browsers send reports without a token, and a report changes nothing
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    """Logs each violation in the body at WARNING; answers 204, 413 (too large) or 429."""
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > MAX_BYTES:
        return HttpResponse(status=413)
    if not _allowed(request):
        return HttpResponse(status=429)
    try:
        payload = json.loads(request.read(MAX_BYTES))
    except ValueError:
        return HttpResponse(status=400)
    for report in _reports(payload):
        facts = {
            name: _clean(report.get(dashed, report.get(camel, "")))
            for name, (dashed, camel) in FIELDS.items()
        }
        logger.warning("CSP violation %s", json.dumps(facts, ensure_ascii=False, sort_keys=True))
    return HttpResponse(status=204)
