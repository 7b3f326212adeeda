"""Live sessions' decisions: an instructor (or the committee) schedules, edits and
cancels a session; a candidate registers (capacity enforced under the session's row
lock) and unregisters; the instructor records attendance once the session has
started; the beat task reminds registrants a day before. Every write is one
transaction with its audit row; e-mails go out on commit."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certification.accounts.selectors import user_zone_name, user_zone_names
from certification.audit.notifications import notification_send
from certification.audit.services import audit_record
from certification.learning.services import enrolment_ensure
from certification.models import LiveSession, SessionRegistration
from certification.sessions.ics import site_url
from certification.sessions.selectors import is_session_staff, session_get_for_candidate
from certification.sessions.times import wall_to_instant
from core.dates import date_text
from core.errors import ApplicationError, Conflict, NotFound
from core.i18n import StrOrPromise, interpolate_lazy
from core.roles import Role, has_role
from training.models import Curriculum, Lesson

MAX_CAPACITY = 10_000
REMINDER_LEAD = timedelta(hours=24)
_HTTPS = URLValidator(schemes=["https"])


@dataclass(frozen=True)
class SessionDetails:
    """What an instructor fills in. ``starts_at`` is a wall-clock time in
    ``time_zone`` when naive, an instant when aware."""

    curriculum: Curriculum
    title: str
    starts_at: datetime
    time_zone: str
    duration_minutes: int
    capacity: int
    online_url: str = ""
    room: str = ""
    description: str = ""
    lesson: Lesson | None = None


def _invalid(message: str, field: str) -> ApplicationError:
    return ApplicationError(message, extra={"field": field})


def _validated(details: SessionDetails, *, now: datetime) -> dict[str, Any]:
    """The model fields of ``details``, or ApplicationError naming the first problem."""
    title = details.title.strip()
    if not title or len(title) > 200:
        raise _invalid(_("请填写标题（200 字以内）"), "title")
    starts_at = wall_to_instant(details.starts_at, details.time_zone)
    if starts_at <= now:
        raise _invalid(_("开始时间已过"), "starts_at")
    if not 1 <= details.duration_minutes <= LiveSession.MAX_DURATION_MINUTES:
        raise _invalid(_("时长须为 1–720 分钟"), "duration")
    if not 1 <= details.capacity <= MAX_CAPACITY:
        raise _invalid(_("名额须为 1–10000"), "capacity")
    online_url, room = details.online_url.strip(), details.room.strip()
    if online_url:
        try:
            _HTTPS(online_url)
        except ValidationError as exc:
            raise _invalid(
                _("在线链接须为 https:// 地址"),
                "online_url",
            ) from exc
    if not online_url and not room:
        raise _invalid(_("请填写在线链接或教室"), "online_url")
    if details.lesson is not None and details.lesson.curriculum_id != details.curriculum.pk:
        raise _invalid(_("该课时不属于所选课程"), "lesson")
    return {
        "curriculum": details.curriculum,
        "lesson": details.lesson,
        "title": title,
        "description": details.description.strip(),
        "starts_at": starts_at,
        "duration_minutes": details.duration_minutes,
        "time_zone": details.time_zone,
        "capacity": details.capacity,
        "online_url": online_url,
        "room": room[:200],
    }


def _staff(user: User) -> None:
    if not (has_role(user, Role.INSTRUCTOR) or has_role(user, Role.COMMITTEE)):
        raise NotFound("Not found.")


def _locked_for_staff(user: User, session_id: int) -> LiveSession:
    """The session's row, locked, for its instructor or the committee."""
    session = LiveSession.objects.select_for_update().filter(pk=session_id).first()
    if session is None or not is_session_staff(user, session):
        raise NotFound("Not found.")
    return session


def _snapshot(session: LiveSession) -> dict[str, Any]:
    return {
        "title": session.title,
        "starts_at": session.starts_at.isoformat(),
        "time_zone": session.time_zone,
        "duration_minutes": session.duration_minutes,
        "capacity": session.capacity,
        "online_url": session.online_url,
        "room": session.room,
    }


def session_schedule(
    *, actor: User, details: SessionDetails, now: datetime | None = None
) -> LiveSession:
    """Schedules a session with ``actor`` (an instructor or a committee member) as its
    instructor. Raises ApplicationError for an unknown zone, a past start, a link that
    is not https, no link and no room, a lesson of another curriculum. Each call adds
    a session."""
    _staff(actor)
    fields = _validated(details, now=now or timezone.now())
    with transaction.atomic():
        session = LiveSession.objects.create(instructor=actor, **fields)
        audit_record(actor=actor, action="session.schedule", obj=session, after=_snapshot(session))
    return session


def when_text(session: LiveSession, *, zone_name: str = "") -> str:
    """The start in the session's zone, and in the reader's (``zone_name``, blank for
    the site's) when that differs, in the active language's date format."""
    text = f"{date_text(session.starts_at, zone=session.time_zone)} ({session.time_zone})"
    viewer = zone_name or str(settings.TIME_ZONE)
    if viewer != session.time_zone:
        text += f" = {date_text(session.starts_at, zone=viewer)} ({viewer})"
    return text


# Formatted when read: a notification reads it in its recipient's language.
when_text_lazy = lazy(when_text, str)


def _notification_body(when: StrOrPromise, detail: str) -> StrOrPromise:
    return (
        interpolate_lazy("%(when)s\n%(detail)s", {"when": when, "detail": detail})
        if detail
        else when
    )


def _notify_registrants(session: LiveSession, *, title: StrOrPromise, detail: str) -> int:
    """Tells each registrant ``title``, with the time in their own zone and ``detail``."""
    registrations = list(
        SessionRegistration.objects.filter(
            session=session, cancelled_at__isnull=True
        ).select_related("candidate")
    )
    zones = user_zone_names(user_ids=[r.candidate_id for r in registrations])
    link = site_url(reverse("sessions-mine"))
    for registration in registrations:
        when = when_text_lazy(session, zone_name=zones.get(registration.candidate_id, ""))
        notification_send(
            recipient=registration.candidate,
            title=title,
            body=_notification_body(when, detail),
            link=link,
        )
    return len(registrations)


def session_update(
    *, actor: User, session_id: int, details: SessionDetails, now: datetime | None = None
) -> LiveSession:
    """Changes a session that has not started. A new time or place is announced to
    the registrants (and a new time re-arms their reminder). Raises NotFound unless
    ``actor`` is its instructor or on the committee; Conflict when it is cancelled or
    under way, when the capacity would fall below the registrations, or when the
    curriculum would change under registered candidates."""
    _staff(actor)
    now = now or timezone.now()
    fields = _validated(details, now=now)
    with transaction.atomic():
        session = _locked_for_staff(actor, session_id)
        if session.is_cancelled:
            raise Conflict(_("会话已取消"))
        if now >= session.starts_at:
            raise Conflict(_("会话已开始，不能修改"))
        registered = session.registrations.filter(cancelled_at__isnull=True).count()
        if fields["capacity"] < registered:
            raise Conflict(_("名额不能少于已报名人数（%(n)d）") % {"n": registered})
        if registered and fields["curriculum"].pk != session.curriculum_id:
            raise Conflict(_("已有学员报名，不能更换课程"))
        before = _snapshot(session)
        for name, value in fields.items():
            setattr(session, name, value)
        after = _snapshot(session)
        moved = any(before[k] != after[k] for k in ("starts_at", "duration_minutes", "time_zone"))
        relocated = any(before[k] != after[k] for k in ("online_url", "room"))
        if moved or relocated:
            session.sequence += 1
        session.save()
        if before["starts_at"] != after["starts_at"]:
            session.registrations.filter(cancelled_at__isnull=True).update(reminded_at=None)
        if moved or relocated:
            _notify_registrants(
                session,
                title=interpolate_lazy(
                    gettext_lazy("直播课程有变更：%(title)s"), {"title": session.title}
                ),
                detail=session.room or session.online_url,
            )
        audit_record(actor=actor, action="session.update", obj=session, before=before, after=after)
    return session


def session_cancel(
    *, actor: User, session_id: int, reason: str = "", now: datetime | None = None
) -> LiveSession:
    """Cancels a session that is not over and notifies (in the app and by e-mail)
    every registrant. Safe to call twice: a cancelled session is returned as it is,
    nobody is notified again. Raises NotFound as ``session_update``, Conflict for a
    session that is over."""
    now = now or timezone.now()
    with transaction.atomic():
        session = _locked_for_staff(actor, session_id)
        if session.is_cancelled:
            return session
        if now >= session.ends_at:
            raise Conflict(_("会话已结束"))
        session.cancelled_at = now
        session.sequence += 1
        session.save(update_fields=["cancelled_at", "sequence"])
        notified = _notify_registrants(
            session,
            title=interpolate_lazy(
                gettext_lazy("直播课程已取消：%(title)s"), {"title": session.title}
            ),
            detail=reason.strip(),
        )
        audit_record(
            actor=actor,
            action="session.cancel",
            obj=session,
            after={"reason": reason.strip(), "notified": notified},
        )
    return session


def registration_create(
    *, candidate: User, session_id: int, now: datetime | None = None
) -> SessionRegistration:
    """Registers the candidate (enrolling them in the session's curriculum if need
    be). Seats are counted under the session's row lock, so two last-second clicks
    cannot both take the last seat. Safe to call twice: an active registration is
    returned as it is. Raises NotFound for a non-candidate or an unknown session,
    Conflict when the session is cancelled, has started or is full."""
    session_get_for_candidate(candidate=candidate, session_id=session_id)
    now = now or timezone.now()
    with transaction.atomic():
        session = (
            LiveSession.objects.select_for_update().select_related("curriculum").get(pk=session_id)
        )
        active = session.registrations.filter(cancelled_at__isnull=True)
        existing = active.filter(candidate=candidate).first()
        if existing is not None:
            return existing
        if session.is_cancelled:
            raise Conflict(_("会话已取消"))
        if now >= session.starts_at:
            raise Conflict(_("会话已开始，不能报名"))
        if active.count() >= session.capacity:
            raise Conflict(_("名额已满"))
        enrolment_ensure(candidate=candidate, curriculum=session.curriculum)
        registration = SessionRegistration.objects.create(
            session=session, candidate=candidate, registered_at=now
        )
        audit_record(actor=candidate, action="session.register", obj=registration)
    return registration


def registration_cancel(
    *, candidate: User, session_id: int, now: datetime | None = None
) -> SessionRegistration | None:
    """Gives the candidate's seat back. Returns the cancelled registration, or None
    when there was none (safe to call twice). Raises NotFound as
    ``registration_create``, Conflict once the session has started."""
    session_get_for_candidate(candidate=candidate, session_id=session_id)
    now = now or timezone.now()
    with transaction.atomic():
        session = LiveSession.objects.select_for_update().get(pk=session_id)
        registration = session.registrations.filter(
            candidate=candidate, cancelled_at__isnull=True
        ).first()
        if registration is None:
            return None
        if now >= session.starts_at and not session.is_cancelled:
            raise Conflict(_("会话已开始，不能取消报名"))
        registration.cancelled_at = now
        registration.save(update_fields=["cancelled_at"])
        audit_record(actor=candidate, action="session.unregister", obj=registration)
    return registration


def attendance_mark(
    *,
    actor: User,
    session_id: int,
    marks: dict[int, bool | None],
    now: datetime | None = None,
) -> int:
    """Records who attended: ``marks`` maps registration ids of the session to
    present (True), absent (False) or not known (None). Only once the session has
    started, by its instructor or the committee. Returns how many registrations
    changed; safe to call twice. Raises NotFound for anyone else, Conflict before the
    start or for a cancelled session, ApplicationError for ids that are not active
    registrations of the session (nothing is saved then)."""
    now = now or timezone.now()
    with transaction.atomic():
        session = _locked_for_staff(actor, session_id)
        if session.is_cancelled:
            raise Conflict(_("会话已取消"))
        if now < session.starts_at:
            raise Conflict(_("会话开始后才能记录出勤"))
        rows = list(
            SessionRegistration.objects.select_for_update()
            .filter(session=session, cancelled_at__isnull=True)
            .order_by("pk")
        )
        unknown = set(marks) - {r.pk for r in rows}
        if unknown:
            raise ApplicationError(
                _("报名记录不属于该会话") + ", ".join(str(pk) for pk in sorted(unknown))
            )
        changed = [r for r in rows if r.pk in marks and r.attended != marks[r.pk]]
        for registration in changed:
            registration.attended = marks[registration.pk]
            registration.marked_by = actor
            registration.marked_at = now
        SessionRegistration.objects.bulk_update(changed, ["attended", "marked_by", "marked_at"])
        if changed:
            audit_record(
                actor=actor,
                action="session.attendance",
                obj=session,
                after={"marks": {str(r.pk): r.attended for r in changed}},
            )
    return len(changed)


def reminders_send(*, now: datetime | None = None) -> int:
    """Reminds (in the app and by e-mail) each registrant of a session that starts
    within REMINDER_LEAD. Each registration is claimed by a conditional UPDATE of
    ``reminded_at`` in its own transaction before its notification is recorded, so a
    second run, or one running beside it, reminds nobody twice; the e-mail goes out
    when that transaction commits. Returns how many were reminded."""
    now = now or timezone.now()
    due = SessionRegistration.objects.filter(
        cancelled_at__isnull=True,
        reminded_at__isnull=True,
        session__cancelled_at__isnull=True,
        session__starts_at__gt=now,
        session__starts_at__lte=now + REMINDER_LEAD,
    ).values_list("pk", flat=True)
    link = site_url(reverse("sessions-mine"))
    sent = 0
    for pk in list(due):
        with transaction.atomic():
            claimed = SessionRegistration.objects.filter(
                pk=pk,
                reminded_at__isnull=True,
                cancelled_at__isnull=True,
                session__cancelled_at__isnull=True,
            ).update(reminded_at=now)
            if not claimed:
                continue
            registration = SessionRegistration.objects.select_related("session", "candidate").get(
                pk=pk
            )
            session = registration.session
            when = when_text_lazy(
                session, zone_name=user_zone_name(user_id=registration.candidate_id)
            )
            notification_send(
                recipient=registration.candidate,
                title=interpolate_lazy(
                    gettext_lazy("直播课程提醒：%(title)s"), {"title": session.title}
                ),
                body=_notification_body(when, session.room or session.online_url),
                link=link,
            )
            sent += 1
    return sent
