"""Exam sittings: time windows, each with a number of seats, in which a written exam
may be started; and the candidates' bookings of them. An exam without sittings can
be started whenever it is open (``Exam.opens_at``/``closes_at``)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class ExamSitting(models.Model):
    """A window in which booked candidates may start the exam, with its seats."""

    exam = models.ForeignKey(
        "certification.Exam", on_delete=models.PROTECT, related_name="sittings"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(help_text=_("考生最晚可在此时开始作答。"))
    capacity = models.PositiveIntegerField()
    location = models.CharField(max_length=200, blank=True)
    cutoff_hours = models.PositiveSmallIntegerField(
        default=24,
        help_text=_("预约、改约和取消在开考前这么多小时截止。"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="exam_sitting_capacity"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="exam_sitting_window"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.exam_id} {self.starts_at:%Y-%m-%d %H:%M}"


class SittingBooking(models.Model):
    """A candidate's seat at a sitting. Moving to another sitting cancels this row and
    books a new one; a booking whose sitting is over is closed (``done``) when the
    candidate books the next one, so the history stays."""

    class State(models.TextChoices):
        BOOKED = "booked", _("已预约")
        CANCELLED = "cancelled", _("已取消")
        DONE = "done", _("已结束")

    sitting = models.ForeignKey(ExamSitting, on_delete=models.PROTECT, related_name="bookings")
    # The sitting's exam, copied so the database can hold one booking per exam.
    exam = models.ForeignKey("certification.Exam", on_delete=models.PROTECT, related_name="+")
    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.BOOKED)
    booked_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-booked_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "exam"],
                condition=Q(state="booked"),
                name="sitting_one_booking_per_exam",
            ),
        ]
        indexes = [models.Index(fields=["sitting", "state"], name="sitting_booking_seats")]

    def __str__(self) -> str:
        return f"{self.candidate_id} @ {self.sitting_id} ({self.state})"
