"""Reads of the audit log (filtered, as CSV rows, for the committee only) and of a
user's notifications."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils import timezone

from certification.models import AuditEvent, Notification
from core.errors import NotFound
from core.roles import Role, has_role


@dataclass(frozen=True)
class AuditFilters:
    actor: str = ""  # username
    action: str = ""  # exact, or a prefix ending in "." (e.g. "application.")
    object_type: str = ""
    object_id: str = ""
    date_from: date | None = None
    date_to: date | None = None


AUDIT_CSV_HEADER = ["at", "actor", "action", "object_type", "object_id", "before", "after"]


def audit_log(*, viewer: User, filters: AuditFilters | None = None) -> QuerySet[AuditEvent]:
    """The audit log for the committee, newest first, filtered. NotFound for anyone
    else. Read-only."""
    if not has_role(viewer, Role.COMMITTEE):
        raise NotFound("Not found.")
    filters = filters or AuditFilters()
    queryset = AuditEvent.objects.select_related("actor").order_by("-at", "-pk")
    if filters.actor:
        queryset = queryset.filter(actor__username=filters.actor)
    if filters.action.endswith("."):
        queryset = queryset.filter(action__startswith=filters.action)
    elif filters.action:
        queryset = queryset.filter(action=filters.action)
    if filters.object_type:
        queryset = queryset.filter(object_type=filters.object_type)
    if filters.object_id:
        queryset = queryset.filter(object_id=filters.object_id)
    tz = timezone.get_current_timezone()
    if filters.date_from:
        queryset = queryset.filter(at__gte=datetime.combine(filters.date_from, time.min, tzinfo=tz))
    if filters.date_to:
        queryset = queryset.filter(at__lte=datetime.combine(filters.date_to, time.max, tzinfo=tz))
    return queryset


def _csv_safe(value: str) -> str:
    # A spreadsheet would run a cell that starts like a formula.
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def audit_csv_rows(queryset: QuerySet[AuditEvent]) -> Iterator[list[str]]:
    """The header, then one row per event (JSON for before/after), streamed from the
    database in chunks."""
    yield AUDIT_CSV_HEADER
    for event in queryset.iterator(chunk_size=2000):
        yield [
            _csv_safe(value)
            for value in (
                event.at.isoformat(),
                event.actor.username if event.actor else "",
                event.action,
                event.object_type,
                event.object_id,
                json.dumps(event.before, ensure_ascii=False, sort_keys=True, default=str),
                json.dumps(event.after, ensure_ascii=False, sort_keys=True, default=str),
            )
        ]


def audit_actions() -> list[str]:
    """The distinct actions recorded so far, for a filter's choices."""
    return list(AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct())


def notifications_for(*, user: User) -> QuerySet[Notification]:
    """The user's own notifications, newest first."""
    return Notification.objects.filter(recipient_id=user.pk).order_by("-created_at", "-pk")


def notifications_unread_count(*, user: User) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()
