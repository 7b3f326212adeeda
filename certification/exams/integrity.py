"""Exam integrity (docs/security.md, "Exam integrity"): one active exam page per
attempt, and the events the committee sees on the result page.

* Each load of the exam page gets an opaque session token, stored on the attempt
  and carried in the page's save token; autosaves from any other page are refused
  (409 ``taken_over``; the check is a column compare in the save's locked read,
  see migration 0014). A reload or a second tab of the same browser takes over
  silently; another browser must confirm, and that is logged as
  ``session_takeover`` with both clients.
* The page reports focus loss, copy and paste in batches; the server notices a
  changed IP address or device (a hash of the user agent) on page loads and
  autosaves. At most ``EVENT_CAP`` events per attempt are kept.
* Examiners never see these events (their queue is anonymous); only the committee
  does, next to the result."""

import hashlib
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from certification.models import Attempt, IntegrityEvent

EVENT_CAP = 500  # per attempt: a page cannot flood the table
BATCH_MAX = 50  # events in one report
Kind = IntegrityEvent.Kind


def device_hash(user_agent: str) -> str:
    """A short, stable fingerprint of a user agent ("" for none): enough to notice a
    change of device or browser, without keeping the string itself."""
    if not user_agent:
        return ""
    return hashlib.sha256(user_agent.encode("utf-8", "replace")).hexdigest()[:16]


def browser_key(session_key: str | None) -> str:
    """Which browser (login session) opened the exam page, as a short hash."""
    return hashlib.sha256(f"exam-page:{session_key or ''}".encode()).hexdigest()[:16]


def client_changes(
    attempt: Attempt, *, ip: str | None, device: str, now: datetime
) -> list[IntegrityEvent]:
    """Events for a client that differs from the one the attempt last saw, and the
    attempt's fields updated to it (the caller saves them). The first client seen is
    only remembered. Mirrors ``certification_client_changed`` (migration 0014)."""
    events = []
    if ip and attempt.client_ip and attempt.client_ip != ip:
        events.append(
            IntegrityEvent(
                attempt=attempt,
                kind=Kind.IP_CHANGED,
                at=now,
                detail={"from": attempt.client_ip},
                ip=ip,
                device=device,
            )
        )
    if device and attempt.client_device and attempt.client_device != device:
        events.append(
            IntegrityEvent(
                attempt=attempt,
                kind=Kind.DEVICE_CHANGED,
                at=now,
                detail={"from": attempt.client_device},
                ip=ip,
                device=device,
            )
        )
    attempt.client_ip = ip or attempt.client_ip
    attempt.client_device = device or attempt.client_device
    return events


def events_add(attempt: Attempt, events: list[IntegrityEvent]) -> int:
    """Stores ``events`` within the attempt's cap; call with the attempt locked.
    Returns how many were stored."""
    if not events:
        return 0
    room = EVENT_CAP - IntegrityEvent.objects.filter(attempt_id=attempt.pk).count()
    kept = events[: max(room, 0)]
    IntegrityEvent.objects.bulk_create(kept)
    return len(kept)


def attempt_page_open(
    *,
    attempt: Attempt,
    browser: str,
    ip: str | None,
    device: str,
    takeover: bool = False,
    now: datetime | None = None,
) -> str | None:
    """Makes this exam page the attempt's active one and returns its session token
    (also set on ``attempt``, so that ``attempt_save_token`` carries it). Returns
    None, changing nothing, when another browser holds the attempt and ``takeover``
    is False: the page asks first. A takeover by another browser is logged with
    both clients. For a closed attempt returns "" and changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if locked.state not in Attempt.ACTIVE_STATES:
            return ""
        elsewhere = bool(locked.session_token) and locked.session_browser != browser
        if elsewhere and not takeover:
            return None
        before = {"ip": locked.client_ip, "device": locked.client_device}
        events = client_changes(locked, ip=ip, device=device, now=now)
        if elsewhere:
            events.append(
                IntegrityEvent(
                    attempt=locked,
                    kind=Kind.SESSION_TAKEOVER,
                    at=now,
                    detail={"from_ip": before["ip"], "from_device": before["device"]},
                    ip=ip,
                    device=device,
                )
            )
        locked.session_token = secrets.token_urlsafe(18)
        locked.session_browser = browser
        locked.save(
            update_fields=["session_token", "session_browser", "client_ip", "client_device"]
        )
        events_add(locked, events)
    attempt.session_token = locked.session_token
    return locked.session_token


def _report_time(value: Any, *, attempt: Attempt, now: datetime) -> datetime:
    """The browser's time of an event, kept within the attempt's life."""
    if isinstance(value, datetime):
        return min(max(value, attempt.started_at), now)
    return now


def integrity_report(
    *,
    attempt: Attempt,
    events: list[dict[str, Any]],
    ip: str | None,
    device: str,
    now: datetime | None = None,
) -> int:
    """Records what the exam page reports (``kind`` among ``BROWSER_KINDS``, ``at``,
    a small ``detail``). Returns how many were stored: nothing for a closed attempt,
    nothing beyond the attempt's cap. Never raises for the candidate's sake: the
    page sends and forgets."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if locked.state not in Attempt.ACTIVE_STATES:
            return 0
        rows = [
            IntegrityEvent(
                attempt=locked,
                kind=event["kind"],
                at=_report_time(event.get("at"), attempt=locked, now=now),
                detail=event.get("detail") or {},
                ip=ip,
                device=device,
            )
            for event in events[:BATCH_MAX]
            if event.get("kind") in IntegrityEvent.BROWSER_KINDS
        ]
        return events_add(locked, rows)


@dataclass(frozen=True)
class IntegritySummary:
    """One attempt's integrity events for the committee: counts by kind (label,
    count) and the timeline."""

    attempt: Attempt
    counts: list[tuple[str, int]]
    events: list[IntegrityEvent]


def integrity_for_application(*, application_id: int) -> list[IntegritySummary]:
    """Every attempt of the application with its events, newest attempt first. For
    the committee's result page only: the caller has checked access."""
    attempts = list(
        Attempt.objects.filter(application_id=application_id)
        .prefetch_related("integrity_events")
        .order_by("-number")
    )
    labels = dict(Kind.choices)
    summaries = []
    for attempt in attempts:
        events = list(attempt.integrity_events.all())
        counted = Counter(event.kind for event in events)
        counts = [(str(labels[kind]), counted[kind]) for kind in Kind.values if counted[kind]]
        summaries.append(IntegritySummary(attempt=attempt, counts=counts, events=events))
    return summaries
