"""Interviews (advanced level): slots, bookings and blind rubric ratings."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class InterviewSlot(models.Model):
    """A time an interview panel of two examiners is available for one candidate."""

    certification = models.ForeignKey(
        "certification.Certification", on_delete=models.PROTECT, related_name="interview_slots"
    )
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(default=30)
    location = models.CharField(max_length=200, blank=True)
    first_examiner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    second_examiner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(first_examiner=models.F("second_examiner")),
                name="interview_slot_two_examiners",
            ),
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=1), name="interview_slot_duration"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.certification} {self.starts_at:%Y-%m-%d %H:%M}"


class Interview(models.Model):
    """A candidate's booking of a slot, with its raters. Rescheduling closes the row
    (state ``rescheduled``) and books a new one, so the history stays."""

    class State(models.TextChoices):
        BOOKED = "booked", _("已预约")
        RESCHEDULED = "rescheduled", _("已改期")
        CANCELLED = "cancelled", _("已取消")

    application = models.ForeignKey(
        "certification.Application", on_delete=models.PROTECT, related_name="interviews"
    )
    slot = models.ForeignKey(InterviewSlot, on_delete=models.PROTECT, related_name="interviews")
    state = models.CharField(max_length=16, choices=State.choices, default=State.BOOKED)
    reschedule_count = models.PositiveSmallIntegerField(default=0)
    rater_a = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    rater_b = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    adjudicator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    adjudication_reason = models.CharField(max_length=32, blank=True)
    booked_at = models.DateTimeField()

    class Meta:
        ordering = ["-booked_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["slot"],
                condition=models.Q(state="booked"),
                name="interview_slot_booked_once",
            ),
            models.UniqueConstraint(
                fields=["application"],
                condition=models.Q(state="booked"),
                name="interview_one_booking_per_application",
            ),
            models.CheckConstraint(
                condition=~models.Q(rater_a=models.F("rater_b")), name="interview_two_raters"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} @ {self.slot_id} ({self.state})"


class InterviewRating(models.Model):
    """One examiner's blind rubric rating of an interview. A granted appeal supersedes
    the ratings it re-scores; superseded ratings stay for the record."""

    class Role(models.TextChoices):
        RATER = "rater", _("评分员")
        ADJUDICATOR = "adjudicator", _("仲裁评分员")

    interview = models.ForeignKey(Interview, on_delete=models.PROTECT, related_name="ratings")
    examiner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.RATER)
    levels = models.JSONField(default=dict, help_text=_("criterion id → level id"))
    points = models.DecimalField(max_digits=6, decimal_places=2)
    percent = models.DecimalField(max_digits=5, decimal_places=2)
    comment = models.TextField(blank=True)
    rated_at = models.DateTimeField()
    superseded = models.BooleanField(default=False)

    class Meta:
        ordering = ["interview", "rated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["interview", "examiner"],
                condition=models.Q(superseded=False),
                name="interview_rating_once_per_examiner",
            ),
            models.CheckConstraint(
                condition=models.Q(percent__gte=0) & models.Q(percent__lte=100),
                name="interview_rating_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.interview_id} by {self.examiner_id}: {self.percent}"
