"""Continuing-education credits (跟踪): what a holder studies after certification
counts toward renewal. One credit per hour of study since the certificate's current
validity began: a completed lesson counts the time actually spent on it, at most its
estimated minutes, if it has an estimate (marking lessons done without reading
them earns nothing); an
attended live session counts its scheduled minutes."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.db.models import Count, Sum

from certification.models import LessonProgress
from certification.sessions.selectors import attended_registrations

MINUTES_PER_CREDIT = 60


@dataclass(frozen=True)
class Credits:
    lessons: int
    lesson_minutes: int
    sessions: int
    session_minutes: int

    @property
    def minutes(self) -> int:
        return self.lesson_minutes + self.session_minutes

    @property
    def credits(self) -> int:
        return self.minutes // MINUTES_PER_CREDIT


def continuing_education(*, holder: User | int, since: datetime) -> Credits:
    holder_id = holder if isinstance(holder, int) else holder.pk
    studied = LessonProgress.objects.filter(
        candidate_id=holder_id, completed_at__gte=since
    ).values_list("seconds", "lesson__minutes")
    # Time spent, capped at the lesson's estimate where it has one.
    lesson_seconds = [min(s, minutes * 60) if minutes else s for s, minutes in studied]
    sessions = (
        attended_registrations(candidate=holder_id)
        .filter(session__starts_at__gte=since)
        .aggregate(n=Count("pk"), minutes=Sum("session__duration_minutes"))
    )
    return Credits(
        lessons=len(lesson_seconds),
        lesson_minutes=sum(lesson_seconds) // 60,
        sessions=sessions["n"] or 0,
        session_minutes=sessions["minutes"] or 0,
    )
