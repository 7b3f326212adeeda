"""Exam sittings (writes): instructors and the committee open sittings on a written
exam; a candidate with an approved application books a seat, moves it or cancels it;
an exam with sittings is started only within the booked sitting's window.

Rules:

* seats are counted under the sitting's row lock, so two last-second bookings cannot
  both take the last seat; a candidate holds at most one booking per exam (a partial
  unique constraint);
* a booking is made, moved and cancelled up to the sitting's ``cutoff_hours`` before
  it starts; moving locks both sittings in primary-key order;
* a booking whose sitting is over is closed (``done``) when the next one is made;
* an exam without sittings starts as it always did (``sitting_admit`` does nothing).
"""

from datetime import datetime

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certification.audit.services import audit_record
from certification.models import Exam, ExamSitting, SittingBooking
from certification.sittings.selectors import (
    exam_get_for_staff,
    exam_has_sittings,
    sitting_booking_for_candidate,
    sitting_cutoff,
    sitting_exam_for_candidate,
)
from core.errors import ApplicationError, Conflict, NotFound

BOOKED = SittingBooking.State.BOOKED
MAX_CAPACITY = 10_000
MAX_CUTOFF_HOURS = 24 * 14


def sitting_create(
    *,
    created_by: User,
    exam_id: int,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int,
    location: str = "",
    cutoff_hours: int = 24,
    now: datetime | None = None,
) -> ExamSitting:
    """Opens a sitting on a written exam. Returns it. Raises NotFound for anyone but
    instructors and the committee or for a practice quiz, ApplicationError for a past
    start, an empty window, a capacity outside 1–10000 or a cut-off over two weeks.
    Each call opens one more sitting."""
    exam = exam_get_for_staff(user=created_by, exam_id=exam_id)
    now = now or timezone.now()
    if starts_at <= now:
        raise ApplicationError(
            _("考场开始时间须在将来"),
            extra={"field": "starts_at"},
        )
    if ends_at <= starts_at:
        raise ApplicationError(
            _("结束时间须晚于开始时间"),
            extra={"field": "ends_at"},
        )
    if not 1 <= capacity <= MAX_CAPACITY:
        raise ApplicationError(_("座位数须为 1–10000"), extra={"field": "capacity"})
    if not 0 <= cutoff_hours <= MAX_CUTOFF_HOURS:
        raise ApplicationError(
            _("截止时间须在 0–336 小时之间"),
            extra={"field": "cutoff_hours"},
        )
    with transaction.atomic():
        sitting = ExamSitting.objects.create(
            exam=exam,
            starts_at=starts_at,
            ends_at=ends_at,
            capacity=capacity,
            location=location.strip(),
            cutoff_hours=cutoff_hours,
            created_by=created_by,
        )
        audit_record(
            actor=created_by,
            action="sitting.create",
            obj=sitting,
            after={
                "exam": exam.pk,
                "starts_at": starts_at.isoformat(),
                "ends_at": ends_at.isoformat(),
                "capacity": capacity,
            },
        )
    return sitting


def _locked(sitting_ids: set[int]) -> dict[int, ExamSitting]:
    """The sittings, locked in primary-key order (no deadlock between two moves)."""
    return {
        s.pk: s
        for s in ExamSitting.objects.select_for_update().filter(pk__in=sitting_ids).order_by("pk")
    }


def sitting_book(
    *, candidate: User, slug: str, sitting_id: int, now: datetime | None = None
) -> SittingBooking:
    """Books a seat at a sitting of the written exam of certification ``slug`` (the
    candidate's application for it must be approved), moving an existing booking
    there. Returns the booking. Raises NotFound (not the candidate's exam, another
    exam's sitting), Conflict (the sitting is full, past its cut-off, or the current
    booking is past its own). Safe to call twice: the booked sitting is returned."""
    exam = sitting_exam_for_candidate(candidate=candidate, slug=slug)
    now = now or timezone.now()
    with transaction.atomic():
        current = (
            SittingBooking.objects.select_for_update()
            .filter(candidate_id=candidate.pk, exam_id=exam.pk, state=BOOKED)
            .first()
        )
        if current is not None and current.sitting_id == sitting_id:
            return current
        sittings = _locked({sitting_id} | ({current.sitting_id} if current else set()))
        sitting = sittings.get(sitting_id)
        if sitting is None or sitting.exam_id != exam.pk:
            raise NotFound("Not found.")
        if now >= sitting_cutoff(sitting):
            raise Conflict(_("该考场已截止预约"))
        if current is not None:
            old = sittings[current.sitting_id]
            if now >= old.ends_at:
                current.state = SittingBooking.State.DONE
            elif now >= sitting_cutoff(old):
                raise Conflict(_("已过改约截止时间"))
            else:
                current.state = SittingBooking.State.CANCELLED
            current.closed_at = now
            current.save(update_fields=["state", "closed_at"])
        if sitting.bookings.filter(state=BOOKED).count() >= sitting.capacity:
            raise Conflict(_("该考场已满"))
        try:
            with transaction.atomic():
                booking = SittingBooking.objects.create(
                    sitting=sitting, exam=exam, candidate=candidate, booked_at=now
                )
        except IntegrityError as exc:  # the same candidate, at the same moment
            raise Conflict(_("你已预约该考试")) from exc
        audit_record(
            actor=candidate,
            action="sitting.move" if current is not None else "sitting.book",
            obj=booking,
            before={"sitting": current.sitting_id} if current is not None else None,
            after={"sitting": sitting.pk, "starts_at": sitting.starts_at.isoformat()},
        )
    return booking


def sitting_cancel(
    *, candidate: User, slug: str, now: datetime | None = None
) -> SittingBooking | None:
    """Gives the candidate's seat back. Returns the cancelled booking, or None when
    there was none (safe to call twice). Raises NotFound as ``sitting_book``,
    Conflict after the sitting's cut-off."""
    exam = sitting_exam_for_candidate(candidate=candidate, slug=slug)
    now = now or timezone.now()
    with transaction.atomic():
        booking = (
            SittingBooking.objects.select_for_update()
            .select_related("sitting")
            .filter(candidate_id=candidate.pk, exam_id=exam.pk, state=BOOKED)
            .first()
        )
        if booking is None:
            return None
        if now >= sitting_cutoff(booking.sitting):
            raise Conflict(_("已过取消截止时间"))
        booking.state = SittingBooking.State.CANCELLED
        booking.closed_at = now
        booking.save(update_fields=["state", "closed_at"])
        audit_record(actor=candidate, action="sitting.cancel", obj=booking)
    return booking


def sitting_admit(*, candidate: User, exam: Exam, now: datetime) -> None:
    """Lets a new attempt start, or says why not: an exam with sittings starts only
    within the window of the candidate's booked sitting. Raises Conflict (not booked,
    too early, too late); does nothing for an exam without sittings or a practice quiz."""
    if exam.mode != Exam.Mode.EXAM or not exam_has_sittings(exam=exam):
        return
    booking = sitting_booking_for_candidate(candidate=candidate, exam=exam)
    if booking is None:
        raise Conflict(_("本考试须先预约考场"), extra={"reason": "unbooked"})
    sitting = booking.sitting
    if now < sitting.starts_at:
        raise Conflict(_("你预约的考场尚未开始"), extra={"reason": "early"})
    if now >= sitting.ends_at:
        raise Conflict(
            _("你预约的考场已结束，请预约新的考场"),
            extra={"reason": "late"},
        )
