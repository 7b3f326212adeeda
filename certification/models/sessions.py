"""Live sessions: instructor-led sessions of a curriculum, online or in a room, and the
candidates' registrations with their reminder and attendance. Times are stored in
UTC; ``time_zone`` is the zone the instructor scheduled in, shown next to the
viewer's own (certification/sessions/times.py)."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from training.models import Curriculum, Lesson

MAX_SESSION_MINUTES = 12 * 60


class LiveSession(models.Model):
    """One scheduled session. Cancelling sets ``cancelled_at``; the row stays, so the
    registrants' calendars and attendance keep pointing at it. ``sequence`` counts
    the changes that calendars must pick up (RFC 5545 SEQUENCE)."""

    MAX_DURATION_MINUTES = MAX_SESSION_MINUTES

    curriculum = models.ForeignKey(Curriculum, on_delete=models.PROTECT, related_name="+")
    lesson = models.ForeignKey(
        Lesson, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField()
    time_zone = models.CharField(max_length=64, help_text=_("IANA name, e.g. Asia/Shanghai."))
    capacity = models.PositiveIntegerField()
    online_url = models.URLField(max_length=500, blank=True)
    room = models.CharField(max_length=200, blank=True)
    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    sequence = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(online_url="") | ~Q(room=""), name="live_session_has_place"
            ),
            models.CheckConstraint(
                condition=Q(online_url="") | Q(online_url__startswith="https://"),
                name="live_session_https",
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="live_session_capacity"),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1, duration_minutes__lte=MAX_SESSION_MINUTES),
                name="live_session_duration",
            ),
        ]
        indexes = [models.Index(fields=["curriculum", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.title} at {self.starts_at:%Y-%m-%d %H:%M} UTC"

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


class SessionRegistration(models.Model):
    """A candidate's seat in a session. Unregistering sets ``cancelled_at``; registering
    again adds a new row (at most one active row per candidate and session).
    ``attended`` is unknown (null) until the instructor marks it."""

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="registrations")
    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    registered_at = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    attended = models.BooleanField(null=True, blank=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    marked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "candidate"],
                condition=Q(cancelled_at__isnull=True),
                name="session_registration_active_unique",
            )
        ]
        indexes = [models.Index(fields=["candidate", "session"])]

    def __str__(self) -> str:
        return f"{self.candidate_id} in session {self.session_id}"

    @property
    def is_active(self) -> bool:
        return self.cancelled_at is None
