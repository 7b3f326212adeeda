"""Writes the audit rows that the lower layers announce through ``core.audit``."""

from typing import Any

from certification.audit.services import audit_record
from core.audit import audited


def _record(sender: type, **kwargs: Any) -> None:
    audit_record(
        actor=kwargs["actor"],
        action=kwargs["action"],
        obj=kwargs["obj"],
        before=kwargs.get("before"),
        after=kwargs.get("after"),
    )


def audit_connect() -> None:
    audited.connect(_record, dispatch_uid="certification.audit")
