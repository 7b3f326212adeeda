"""Exam integrity: what happened around an attempt besides its answers (a second
browser taking over, focus lost, copy and paste, a changed IP address or device),
for the committee's result page. Append-only; never shown to examiners."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class IntegrityEvent(models.Model):
    class Kind(models.TextChoices):
        SESSION_TAKEOVER = "session_takeover", _("另一浏览器接管作答")
        FOCUS_LOST = "focus_lost", _("离开考试页面")
        FOCUS_BACK = "focus_back", _("回到考试页面")
        COPY = "copy", _("复制")
        PASTE = "paste", _("粘贴")
        IP_CHANGED = "ip_changed", _("IP 地址变化")
        DEVICE_CHANGED = "device_changed", _("设备（浏览器）变化")

    # What the exam page itself may report (the rest are detected by the server).
    BROWSER_KINDS = (Kind.FOCUS_LOST, Kind.FOCUS_BACK, Kind.COPY, Kind.PASTE)

    attempt = models.ForeignKey(
        "certification.Attempt", on_delete=models.CASCADE, related_name="integrity_events"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    at = models.DateTimeField()
    detail = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    device = models.CharField(
        max_length=16, blank=True, help_text=_("A hash of the browser's user agent.")
    )

    class Meta:
        ordering = ["attempt", "at", "pk"]
        indexes = [models.Index(fields=["attempt", "at"])]

    def __str__(self) -> str:
        return f"{self.attempt_id} {self.kind} @{self.at:%H:%M:%S}"
