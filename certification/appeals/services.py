"""Appeals: a candidate appeals the committee's current decision within the
blueprint's window; a committee member who was not involved in any decision on the
application (and has no conflict of interest) grants or rejects it with a rationale.
Granting sets the decision aside and re-scores the contested components:

* written: automatic items are scored again with the key of the version the candidate
  saw; rubric-scored items go back to the manual grading queue, where the examiner
  who graded them before cannot take them again;
* practical: the best submission is graded again in the sandbox (a re-run);
* interview: the ratings are superseded and two examiners who never rated the
  interview rate it again (from the recording), blind as before.

The committee then decides again. Every step is audited.
"""

from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certification.appeals.selectors import _involved
from certification.applications.conflicts import has_conflict
from certification.applications.selectors import application_get_for_candidate
from certification.audit.notifications import notification_send
from certification.audit.services import audit_record
from certification.exams.services import attempt_total
from certification.interviews.services import interview_rerate
from certification.models import (
    Appeal,
    Application,
    Attempt,
    AttemptItem,
    BlueprintComponent,
    Decision,
    Interview,
)
from certification.results.scoring import CompositeResult
from certification.results.selectors import result_for_application
from certification.results.services import decision_current
from core.errors import ApplicationError, Conflict, NotFound
from core.i18n import interpolate_lazy
from core.roles import Role, has_role
from grading.objective import response_points
from grading.practical import submission_rerun

Kind = BlueprintComponent.Kind


def appeal_deadline(decision: Decision) -> datetime:
    return decision.decided_at + timedelta(days=decision.blueprint.appeal_window_days)


def appeal_file(
    *,
    candidate: User,
    application_id: int,
    grounds: str,
    components: list[str],
    now: datetime | None = None,
) -> Appeal:
    """Files the candidate's appeal against the current decision on their application.
    Returns the appeal. Raises NotFound for someone else's application, Conflict
    without a decision, after the window (``appeal_window_days`` of the decision's
    blueprint) or when this decision was already appealed, ApplicationError without
    grounds or with components not in the blueprint. Not repeatable: one appeal per
    decision."""
    grounds = (grounds or "").strip()
    if not grounds:
        raise ApplicationError(_("请说明申诉理由"))
    now = now or timezone.now()
    with transaction.atomic():
        application = application_get_for_candidate(
            candidate=candidate, application_id=application_id
        )
        application = Application.objects.select_for_update().get(pk=application.pk)
        decision = decision_current(application=application)
        if decision is None:
            raise Conflict(_("尚无委员会结论"))
        if now > appeal_deadline(decision):
            raise Conflict(_("已超过申诉期限"))
        kinds = set(decision.blueprint.components.values_list("kind", flat=True))
        if not components or not set(components) <= kinds:
            raise ApplicationError(_("请选择申诉的部分"))
        try:
            with transaction.atomic():
                appeal = Appeal.objects.create(
                    decision=decision,
                    application=application,
                    grounds=grounds,
                    components=sorted(set(components)),
                    filed_at=now,
                )
        except IntegrityError as exc:
            raise Conflict(_("该结论已申诉")) from exc
        audit_record(
            actor=candidate,
            action="appeal.file",
            obj=appeal,
            after={"decision": decision.pk, "components": appeal.components, "grounds": grounds},
        )
    return appeal


def _rescore_written(result: CompositeResult, actor: User) -> dict[str, Any]:
    attempt = result.written_attempt
    if attempt is None:
        return {"written": "no graded attempt"}
    attempt = Attempt.objects.select_for_update().get(pk=attempt.pk)
    changed, reopened = 0, 0
    items = (
        AttemptItem.objects.filter(attempt=attempt)
        .select_related("version", "answer")
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    for item in items:
        if item.version.is_manual:
            item.points = None
            item.save(update_fields=["points"])
            reopened += 1
            continue
        answer = getattr(item, "answer", None)
        points = response_points(version=item.version, response=answer.response if answer else None)
        if points is not None and points != item.points:
            item.points = points
            item.save(update_fields=["points"])
            changed += 1
    if reopened:
        # Back in the manual grading queue until a new examiner has scored them.
        attempt.state = Attempt.State.SUBMITTED
        attempt.save(update_fields=["state"])
    attempt_total(attempt=attempt)
    return {"attempt": str(attempt.public_id), "rescored": changed, "reopened": reopened}


def _rescore_practical(result: CompositeResult, actor: User) -> dict[str, Any]:
    submission = result.practical_submission
    if submission is None:
        return {"practical": "no graded submission"}
    submission_rerun(submission_id=submission.pk, requested_by=actor)
    return {"submission": str(submission.public_id), "rerun": True}


def _rescore_interview(result: CompositeResult, actor: User) -> dict[str, Any]:
    if result.interview is None:
        return {"interview": "no interview"}
    interview = (
        Interview.objects.select_for_update()
        .select_related("application")
        .get(pk=result.interview.pk)
    )
    return interview_rerate(interview=interview, actor=actor)


RESCORERS = {
    Kind.WRITTEN: _rescore_written,
    Kind.PRACTICAL: _rescore_practical,
    Kind.INTERVIEW: _rescore_interview,
}


def _appeal_lock_for_decider(*, appeal_id: int, decided_by: User) -> Appeal:
    """The appeal, locked, if ``decided_by`` may decide it: not involved in a decision
    on the application and without a conflict of interest; NotFound otherwise."""
    appeal = (
        Appeal.objects.select_for_update()
        .select_related("application__candidate", "decision__blueprint")
        .filter(pk=appeal_id)
        .first()
    )
    if (
        appeal is None
        or decided_by.pk in _involved(appeal)
        or has_conflict(staff=decided_by, candidate=appeal.application.candidate_id)
    ):
        raise NotFound("Not found.")
    return appeal


def appeal_decide(
    *,
    appeal_id: int,
    decided_by: User,
    grant: bool,
    rationale: str,
    now: datetime | None = None,
) -> Appeal:
    """Grants or rejects an open appeal with a rationale. Granting sets the appealed
    decision aside and re-scores the contested components (see the module). Returns
    the appeal. Raises NotFound for a non-committee user, one involved in a decision
    on the application or with a conflict of interest; ApplicationError without a
    rationale; Conflict when the appeal was decided otherwise already or re-scoring
    is impossible (then nothing changes). Safe to call twice with the same answer."""
    rationale = (rationale or "").strip()
    if not rationale:
        raise ApplicationError(_("请填写理由"))
    if not has_role(decided_by, Role.COMMITTEE):
        raise NotFound("Not found.")
    now = now or timezone.now()
    target = Appeal.State.GRANTED if grant else Appeal.State.REJECTED
    with transaction.atomic():
        appeal = _appeal_lock_for_decider(appeal_id=appeal_id, decided_by=decided_by)
        if appeal.state == target:
            return appeal
        if appeal.state != Appeal.State.SUBMITTED:
            raise Conflict(_("该申诉已处理"))
        application = Application.objects.select_for_update().get(pk=appeal.application_id)
        rescoring: dict[str, Any] = {}
        if grant:
            result = result_for_application(application)
            for kind in appeal.components:
                rescoring[kind] = RESCORERS[Kind(kind)](result, decided_by)
            Decision.objects.filter(pk=appeal.decision_id).update(set_aside_at=now)
        appeal.state = target
        appeal.decided_by = decided_by
        appeal.decided_at = now
        appeal.rationale = rationale
        appeal.rescoring = rescoring
        appeal.save(update_fields=["state", "decided_by", "decided_at", "rationale", "rescoring"])
        audit_record(
            actor=decided_by,
            action="appeal.grant" if grant else "appeal.reject",
            obj=appeal,
            before={"state": Appeal.State.SUBMITTED, "decision": appeal.decision_id},
            after={"state": target, "rationale": rationale, "rescoring": rescoring},
        )
        notification_send(
            recipient=appeal.application.candidate,
            title=interpolate_lazy(
                gettext_lazy("申诉结果：%(state)s"), {"state": appeal.get_state_display()}
            ),
            body=rationale,
            link=reverse("application-result", args=[appeal.application_id]),
        )
    return appeal
