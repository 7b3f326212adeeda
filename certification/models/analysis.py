"""The stored item analysis of an exam (certification/exams/analysis_snapshots.py
computes it): reading a million responses takes seconds, so the page shows the last
snapshot and a worker refreshes it, with progress, when new attempts are graded."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from certification.models.exams import Exam


class ItemAnalysisSnapshot(models.Model):
    """One row per exam: the last computed analysis (``result``, with the graded
    attempts it read, ``source``) and the state of its refresh. ``done``/``total``
    count the attempts read by a running refresh."""

    class State(models.TextChoices):
        IDLE = "idle", _("已是最新")
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("计算中")
        FAILED = "failed", _("失败")

    exam = models.OneToOneField(Exam, on_delete=models.CASCADE, related_name="analysis_snapshot")
    state = models.CharField(max_length=16, choices=State.choices, default=State.IDLE)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    requested_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # What the stored result was computed from: graded attempts (count, highest id,
    # sum of scores). Another value now means new or re-scored attempts: stale.
    source = models.CharField(max_length=100, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(null=True, blank=True)
    # certification.exams.analysis_snapshots: the test and item statistics, the
    # items' labels and the score distribution's counts. Empty before the first run.
    result = models.JSONField(default=dict, blank=True)
    message = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"item analysis of exam {self.exam_id} ({self.state})"

    @property
    def refreshing(self) -> bool:
        return self.state in {self.State.QUEUED, self.State.RUNNING}
