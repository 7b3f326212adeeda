"""Reads of live sessions: who may see which session (the access selectors answer
NotFound for a session that is not theirs), the instructor's and the candidate's
lists, and the attendance that counts toward a candidate's progress."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from certification.models import Enrolment, LiveSession, SessionRegistration
from core.errors import NotFound
from core.roles import Role, has_role
from training.models import Curriculum

ACTIVE = Q(registrations__cancelled_at__isnull=True)
# How long a candidate can look back at their past sessions on the page.
PAST_DAYS = 365


def is_session_staff(user: User, session: LiveSession) -> bool:
    """The session's instructor, or any committee member."""
    if has_role(user, Role.COMMITTEE):
        return True
    return has_role(user, Role.INSTRUCTOR) and session.instructor_id == user.pk


def session_get_for_staff(*, user: User, session_id: int) -> LiveSession:
    """The session, for its instructor or the committee; NotFound for anyone else."""
    session = (
        LiveSession.objects.select_related("curriculum", "lesson", "instructor")
        .filter(pk=session_id)
        .first()
    )
    if session is None or not is_session_staff(user, session):
        raise NotFound("Not found.")
    return session


def session_get_for_candidate(*, candidate: User, session_id: int) -> LiveSession:
    """The session, for any candidate (curricula are public; registering enrols);
    NotFound for other roles."""
    if not has_role(candidate, Role.CANDIDATE):
        raise NotFound("Not found.")
    session = LiveSession.objects.select_related("curriculum", "lesson").filter(pk=session_id)
    if (found := session.first()) is None:
        raise NotFound("Not found.")
    return found


def session_started(session: LiveSession, *, now: datetime | None = None) -> bool:
    return (now or timezone.now()) >= session.starts_at


def session_for_calendar(*, user: User, session_id: int) -> tuple[LiveSession, bool]:
    """The session for its calendar file, and whether the file may carry the online
    link: staff always, a candidate only while they hold a seat. NotFound as the
    access selectors above."""
    if has_role(user, Role.INSTRUCTOR) or has_role(user, Role.COMMITTEE):
        try:
            return session_get_for_staff(user=user, session_id=session_id), True
        except NotFound:
            if not has_role(user, Role.CANDIDATE):
                raise
    session = session_get_for_candidate(candidate=user, session_id=session_id)
    return session, holds_seat(candidate=user, session=session)


def holds_seat(*, candidate: User, session: LiveSession) -> bool:
    return SessionRegistration.objects.filter(
        session=session, candidate=candidate, cancelled_at__isnull=True
    ).exists()


def _with_seats(sessions: QuerySet[LiveSession]) -> QuerySet[LiveSession]:
    return sessions.annotate(registered=Count("registrations", filter=ACTIVE))


def sessions_for_staff(*, user: User) -> QuerySet[LiveSession]:
    """The instructor's own sessions (the committee: all), newest first, each with
    ``registered`` (active registrations)."""
    sessions = LiveSession.objects.select_related("curriculum", "lesson", "instructor")
    if not has_role(user, Role.COMMITTEE):
        if not has_role(user, Role.INSTRUCTOR):
            raise NotFound("Not found.")
        sessions = sessions.filter(instructor=user)
    return _with_seats(sessions).order_by("-starts_at", "-pk")


@dataclass
class CandidateSession:
    """A session as a candidate's list shows it."""

    session: LiveSession
    registration: SessionRegistration | None
    registered: int  # active registrations, theirs included
    started: bool

    @property
    def seats_left(self) -> int:
        return max(self.session.capacity - self.registered, 0)


@dataclass
class CandidateSessions:
    upcoming: list[CandidateSession] = field(default_factory=list)
    past: list[SessionRegistration] = field(default_factory=list)


def sessions_for_candidate(*, candidate: User, now: datetime | None = None) -> CandidateSessions:
    """Sessions not yet over, of the candidate's curricula or registered for (a
    cancelled one only when registered: they must learn it is off), soonest first;
    and their registrations of sessions that are over, latest first."""
    if not has_role(candidate, Role.CANDIDATE):
        raise NotFound("Not found.")
    now = now or timezone.now()
    recent = now - timedelta(minutes=LiveSession.MAX_DURATION_MINUTES)
    mine = {
        r.session_id: r
        for r in SessionRegistration.objects.filter(
            candidate=candidate, cancelled_at__isnull=True, session__starts_at__gt=recent
        )
    }
    curricula = Enrolment.objects.filter(candidate=candidate).values("curriculum_id")
    sessions = _with_seats(
        LiveSession.objects.select_related("curriculum", "lesson").filter(
            Q(curriculum_id__in=curricula, cancelled_at__isnull=True) | Q(pk__in=list(mine)),
            starts_at__gt=recent,
        )
    ).order_by("starts_at", "pk")
    result = CandidateSessions()
    for session in sessions:
        if session.ends_at <= now:
            continue
        registered: int = session.registered  # type: ignore[attr-defined]
        entry = CandidateSession(
            session, mine.get(session.pk), registered, session.starts_at <= now
        )
        result.upcoming.append(entry)
    result.past = [
        r
        for r in SessionRegistration.objects.filter(
            candidate=candidate,
            cancelled_at__isnull=True,
            session__cancelled_at__isnull=True,
            session__starts_at__lte=now,
            session__starts_at__gt=now - timedelta(days=PAST_DAYS),
        )
        .select_related("session__curriculum")
        .order_by("-session__starts_at", "-pk")
        if r.session.ends_at <= now
    ]
    return result


def session_registrations(*, session: LiveSession) -> list[SessionRegistration]:
    """Active registrations of the session, in order of registration."""
    return list(
        SessionRegistration.objects.filter(session=session, cancelled_at__isnull=True)
        .select_related("candidate", "marked_by")
        .order_by("registered_at", "pk")
    )


@dataclass(frozen=True)
class Attendance:
    sessions: int
    minutes: int


def attended_registrations(*, candidate: User | int) -> QuerySet[SessionRegistration]:
    """Registrations the instructor marked present, of sessions that took place (not
    cancelled) and not withdrawn: what counts toward progress and renewal credits."""
    candidate_id = candidate if isinstance(candidate, int) else candidate.pk
    return SessionRegistration.objects.filter(
        candidate_id=candidate_id,
        cancelled_at__isnull=True,
        attended=True,
        session__cancelled_at__isnull=True,
    )


def attended_sessions(*, candidate: User, curriculum: Curriculum) -> Attendance:
    """The sessions of ``curriculum`` the candidate attended (marked present by the
    instructor; cancelled sessions and withdrawn registrations do not count) and
    their scheduled minutes: what learning progress adds to lesson time."""
    totals = (
        attended_registrations(candidate=candidate)
        .filter(session__curriculum=curriculum)
        .aggregate(n=Count("pk"), minutes=Sum("session__duration_minutes"))
    )
    return Attendance(sessions=totals["n"] or 0, minutes=totals["minutes"] or 0)
