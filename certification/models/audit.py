"""The append-only audit log of committee and examiner actions."""

from django.conf import settings
from django.db import models


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    """Append-only in code too: bulk updates and deletes raise. The database refuses
    them as well (a trigger, see migration 0003 and docs/committee.md)."""

    def update(self, **kwargs: object) -> int:
        raise TypeError("AuditEvent is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("AuditEvent is append-only.")


class AuditEvent(models.Model):
    """Append-only record of every committee and examiner action."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["at"], name="audit_at"),
            models.Index(fields=["action", "at"], name="audit_action_at"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"
