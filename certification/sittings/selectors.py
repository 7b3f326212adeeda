"""Reads of sittings: the exam a candidate may book for, the sittings they may book,
their booking, and the staff's list with seats taken. An exam the reader may not see
answers NotFound, like one that does not exist."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from certification.models import Application, Certification, Exam, ExamSitting, SittingBooking
from core.errors import NotFound
from core.roles import Role, has_role

BOOKED = SittingBooking.State.BOOKED


def sittings_with_seats() -> QuerySet[ExamSitting]:
    """Sittings annotated with ``booked``: how many seats are taken."""
    return ExamSitting.objects.annotate(
        booked=Count("bookings", filter=Q(bookings__state=BOOKED))
    ).order_by("starts_at", "pk")


def sitting_cutoff(sitting: ExamSitting) -> datetime:
    """The last moment the sitting can be booked, moved away from or cancelled."""
    return sitting.starts_at - timedelta(hours=sitting.cutoff_hours)


def exam_has_sittings(*, exam: Exam) -> bool:
    return ExamSitting.objects.filter(exam_id=exam.pk).exists()


def sitting_exam_for_candidate(*, candidate: User, slug: str) -> Exam:
    """The written exam of certification ``slug`` when the candidate holds an approved
    application for it and the exam has sittings. NotFound otherwise."""
    certification = (
        Certification.objects.select_related("written_exam")
        .filter(
            slug=slug,
            written_exam__isnull=False,
            application__candidate_id=candidate.pk,
            application__state=Application.State.APPROVED,
        )
        .first()
    )
    if certification is None or certification.written_exam is None:
        raise NotFound("Not found.")
    if not exam_has_sittings(exam=certification.written_exam):
        raise NotFound("Not found.")
    return certification.written_exam


def sittings_open(*, exam: Exam, now: datetime | None = None) -> list[ExamSitting]:
    """The exam's sittings still open for booking (before their cut-off), each with
    ``booked`` and ``seats_left``; full ones included (shown as full)."""
    now = now or timezone.now()
    sittings = [s for s in sittings_with_seats().filter(exam_id=exam.pk, starts_at__gt=now)]
    for sitting in sittings:
        sitting.seats_left = max(sitting.capacity - sitting.booked, 0)  # type: ignore[attr-defined]
    return [s for s in sittings if sitting_cutoff(s) > now]


def sitting_booking_for_candidate(*, candidate: User, exam: Exam) -> SittingBooking | None:
    """The candidate's current booking for the exam, with its sitting, or None."""
    return (
        SittingBooking.objects.select_related("sitting")
        .filter(candidate_id=candidate.pk, exam_id=exam.pk, state=BOOKED)
        .first()
    )


@dataclass(frozen=True)
class SittingStatus:
    """What the dashboard says about an exam with sittings."""

    booking: SittingBooking | None
    window_open: bool
    window_over: bool


def sitting_statuses(
    *, candidate: User, exam_ids: list[int], now: datetime | None = None
) -> dict[int, SittingStatus]:
    """For each of the exams that has sittings: the candidate's booking and whether
    its window is open now or already over (exams without sittings are left out).
    Two queries, however many exams."""
    now = now or timezone.now()
    with_sittings = set(
        ExamSitting.objects.filter(exam_id__in=exam_ids).values_list("exam_id", flat=True)
    )
    bookings = {
        b.exam_id: b
        for b in SittingBooking.objects.select_related("sitting").filter(
            candidate_id=candidate.pk, exam_id__in=with_sittings, state=BOOKED
        )
    }
    statuses = {}
    for exam_id in with_sittings:
        booking = bookings.get(exam_id)
        sitting = booking.sitting if booking else None
        statuses[exam_id] = SittingStatus(
            booking=booking,
            window_open=sitting is not None and sitting.starts_at <= now < sitting.ends_at,
            window_over=sitting is not None and now >= sitting.ends_at,
        )
    return statuses


def exam_get_for_staff(*, user: User, exam_id: int) -> Exam:
    """A written exam (not a practice quiz) for instructors and the committee."""
    if not (has_role(user, Role.INSTRUCTOR) or has_role(user, Role.COMMITTEE)):
        raise NotFound("Not found.")
    exam = Exam.objects.filter(pk=exam_id, mode=Exam.Mode.EXAM).first()
    if exam is None:
        raise NotFound("Not found.")
    return exam
