"""Items a person or the sandbox scores after submit: the examiners' manual grading
queue (short answer, case analysis) and programming answers."""

import hashlib
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certification.applications.conflicts import conflicted_candidate_ids
from certification.audit.services import audit_record
from certification.exams.services import attempt_total
from certification.models import Attempt, AttemptItem, ManualGrade
from core.errors import ApplicationError, Conflict, NotFound
from core.roles import Role, has_role
from grading.programming import programming_grade
from training.models import QuestionVersion, Rubric

Kind = QuestionVersion.Kind


def _shuffle_key(item_id: int, examiner_id: int) -> str:
    # A stable, per-examiner random order: examiners do not all see the same first
    # item, and a reload does not reshuffle.
    return hashlib.sha256(f"{examiner_id}:{item_id}".encode()).hexdigest()


def manual_queue(*, examiner: User) -> list[AttemptItem]:
    """Answers waiting for this examiner, anonymised (the caller shows only the
    stem, the response and the rubric), in a random order of the examiner's own."""
    if not has_role(examiner, Role.EXAMINER):
        raise NotFound("Not found.")
    items = (
        AttemptItem.objects.filter(
            attempt__state=Attempt.State.SUBMITTED,
            version__kind__in=list(QuestionVersion.MANUAL_KINDS),
            points__isnull=True,
        )
        .exclude(attempt__candidate_id__in=conflicted_candidate_ids(staff=examiner))
        .exclude(manual_grades__examiner=examiner)
        .select_related("version", "answer", "attempt")
    )
    return sorted(items, key=lambda item: _shuffle_key(item.pk, examiner.pk))


def manual_item_get(*, examiner: User, item_id: int) -> AttemptItem:
    for item in manual_queue(examiner=examiner):
        if item.pk == item_id:
            return item
    raise NotFound("Not found.")


def rubric_for(version: QuestionVersion) -> Rubric:
    rubric = Rubric.objects.filter(pk=version.key.get("rubric")).first()
    if rubric is None:
        raise ApplicationError(_("该题没有评分量表"))
    return rubric


def manual_grade(
    *, examiner: User, item_id: int, levels: dict[str, str], comment: str
) -> ManualGrade:
    """Scores one answer with rubric levels: the item's points are its maximum times
    the rubric's fraction. Raises NotFound when the item is not in the examiner's
    queue, ApplicationError for an incomplete rubric, Conflict when it was graded
    meanwhile. The attempt becomes GRADED when nothing else is pending."""
    with transaction.atomic():
        item = manual_item_get(examiner=examiner, item_id=item_id)
        item = AttemptItem.objects.select_for_update().select_related("version").get(pk=item.pk)
        if item.points is not None:
            raise Conflict(_("该答案已评分"))
        rubric = rubric_for(item.version)
        try:
            raw = rubric.points_for(levels)
        except ValueError as exc:
            raise ApplicationError(str(exc)) from exc
        fraction = (
            Decimal(str(raw)) / Decimal(str(rubric.max_points)) if rubric.max_points else Decimal(0)
        )
        points = (item.version.points * fraction).quantize(Decimal("0.01"))
        grade = ManualGrade.objects.create(
            item=item,
            examiner=examiner,
            levels=levels,
            points=points,
            comment=comment,
            graded_at=timezone.now(),
        )
        item.points = points
        item.save(update_fields=["points"])
        attempt_total(attempt=Attempt.objects.select_for_update().get(pk=item.attempt_id))
        audit_record(
            actor=examiner,
            action="answer.manual_grade",
            obj=item,
            after={"points": str(points), "levels": levels},
        )
    return grade


def programming_item_grade(*, item_id: int) -> None:
    """Runs the hidden tests of a programming answer and records the points. Safe to
    call twice: a scored item is not run again, and only the first score is kept.
    Raises ProgrammingInfrastructureError (retry) when the sandbox failed."""
    item = AttemptItem.objects.select_related("version", "answer").filter(pk=item_id).first()
    if item is None or item.points is not None or item.version.kind != Kind.PROGRAMMING:
        return
    answer = getattr(item, "answer", None)
    fraction = 0.0
    if answer is not None:
        fraction = programming_grade(version=item.version, code=answer.response["code"]).fraction
    points = (item.version.points * Decimal(str(round(fraction, 6)))).quantize(Decimal("0.01"))
    with transaction.atomic():
        updated = AttemptItem.objects.filter(pk=item_id, points__isnull=True).update(points=points)
        if updated:
            attempt_total(attempt=Attempt.objects.select_for_update().get(pk=item.attempt_id))
