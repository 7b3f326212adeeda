"""Writing the audit log: one row per action, inside the action's transaction."""

from typing import Any

from django.contrib.auth.models import User
from django.db import models

from certification.models import AuditEvent


def audit_record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Appends one audit row. Call inside the transaction of the action it records."""
    return AuditEvent.objects.create(
        actor=actor,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        before=before or {},
        after=after or {},
    )
