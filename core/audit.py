"""The audit hook for the lower layers. Training records what authors change
(items, lessons, reviews) through ``audit_emit``; ``certification.audit``, which
owns the append-only log, writes the row. A signal, so that training never imports
certification; synchronous, so the row is written inside the caller's transaction
and rolls back with it."""

from typing import Any

from django.contrib.auth.models import User
from django.db import models
from django.dispatch import Signal

# Sent with keyword arguments actor, action, obj, before, after.
audited = Signal()


def audit_emit(
    *,
    actor: User | None,
    action: str,
    obj: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Asks the audit log to record ``action`` on ``obj``. Call inside the action's
    transaction."""
    audited.send(sender=type(obj), actor=actor, action=action, obj=obj, before=before, after=after)
