"""Extra time for a candidate on one exam or on all exams (committee)."""

from django.contrib.auth.models import User
from django.db import transaction

from certification.audit.services import audit_record
from certification.exams.services import attempt_deadline
from certification.models import Accommodation, Attempt, Exam
from core.errors import NotFound
from core.roles import Role, has_role


def accommodation_grant(
    *, candidate: User, exam: Exam | None, extra_minutes: int, reason: str, granted_by: User
) -> Accommodation:
    """Grants (or changes) extra time for a candidate on one exam, or on all exams
    when ``exam`` is None. An attempt already in progress gets the new deadline,
    still capped by the exam's close time. Committee only; audited."""
    if not has_role(granted_by, Role.COMMITTEE):
        raise NotFound("Not found.")
    with transaction.atomic():
        accommodation, _ = Accommodation.objects.update_or_create(
            candidate=candidate,
            exam=exam,
            defaults={"extra_minutes": extra_minutes, "reason": reason, "granted_by": granted_by},
        )
        active = Attempt.objects.select_for_update().filter(
            candidate=candidate, state__in=Attempt.ACTIVE_STATES
        )
        if exam is not None:
            active = active.filter(exam=exam)
        for attempt in active.select_related("exam"):
            attempt.deadline = attempt_deadline(
                exam=attempt.exam, candidate=candidate, start=attempt.started_at
            )
            attempt.save(update_fields=["deadline"])
        audit_record(
            actor=granted_by,
            action="accommodation.grant",
            obj=accommodation,
            after={"extra_minutes": extra_minutes, "reason": reason},
        )
    return accommodation
