"""The committee's decision on a result: pass, fail or defer, with a rationale.

Rules: a decider has no conflict of interest with the candidate (and is not the
candidate); ``pass`` needs a result that meets the blueprint (complete or borderline,
composite at or above the cut, every component at or above its minimum); ``fail``
needs a composite; ``defer`` is always possible (awaiting evidence, a re-sit).
Decisions are never edited: a new one supersedes the last, and a granted appeal sets
the current one aside. A certificate is issued only on a current ``pass`` decision.
"""

from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from certification.applications.conflicts import has_conflict
from certification.audit.notifications import notification_send
from certification.audit.services import audit_record
from certification.models import Appeal, Application, Certificate, Decision
from certification.results.scoring import RESULT_PENDING, CompositeResult
from certification.results.selectors import result_for_application
from core.errors import ApplicationError, Conflict, NotFound
from core.roles import Role, has_role

Outcome = Decision.Outcome
ISSUE_RATIONALE = "签发证书：结果达到蓝图要求 / Certificate issued: the result meets the blueprint."


def decision_current(*, application: Application) -> Decision | None:
    """The newest decision an appeal has not set aside, or None."""
    return (
        Decision.objects.filter(application=application, set_aside_at__isnull=True)
        .order_by("-decided_at", "-pk")
        .first()
    )


def _check_rules(*, result: CompositeResult, outcome: str) -> None:
    if outcome not in Outcome.values:
        raise ApplicationError("结论须为通过、不通过或暂缓 / Decide pass, fail or defer.")
    if result.blueprint is None:
        raise Conflict("该认证没有已发布的蓝图 / The certification has no published blueprint.")
    if outcome == Outcome.DEFER:
        return
    if result.state == RESULT_PENDING or result.composite is None:
        raise Conflict("成绩尚未完整 / The result is not complete yet.")
    if outcome == Outcome.PASS and not result.passed:
        raise Conflict("未达到合格线或某部分最低分 / Below the cut score or a component minimum.")


def _record(
    *,
    application: Application,
    result: CompositeResult,
    decided_by: User,
    outcome: str,
    rationale: str,
    now: datetime,
) -> Decision:
    """Creates the decision row and its audit record. Call inside a transaction that
    holds the application's row lock, after the checks."""
    assert result.blueprint is not None
    previous = result.decision
    decision = Decision.objects.create(
        application=application,
        blueprint=result.blueprint,
        outcome=outcome,
        rationale=rationale,
        result=result.snapshot(),
        decided_by=decided_by,
        decided_at=now,
    )
    audit_record(
        actor=decided_by,
        action="decision.record",
        obj=decision,
        before={"outcome": previous.outcome, "decision": previous.pk} if previous else {},
        after={"outcome": outcome, "rationale": rationale, "result": decision.result},
    )
    notification_send(
        recipient=application.candidate,
        title=f"认证结论 / Certification decision: {decision.get_outcome_display()}",
        body=f"{application.certification}: {decision.get_outcome_display()}\n{rationale}",
        link=reverse("application-result", args=[application.pk]),
    )
    return decision


def _lock_application(*, application_id: int, decided_by: User) -> Application:
    if not has_role(decided_by, Role.COMMITTEE):
        raise NotFound("Not found.")
    application = (
        Application.objects.select_for_update()
        .select_related("certification", "candidate")
        .filter(pk=application_id, state=Application.State.APPROVED)
        .first()
    )
    if application is None or has_conflict(staff=decided_by, candidate=application.candidate_id):
        raise NotFound("Not found.")
    return application


def decision_record(
    *,
    application_id: int,
    decided_by: User,
    outcome: str,
    rationale: str,
    now: datetime | None = None,
) -> Decision:
    """Records the committee's decision on an approved application's result, with the
    result it was made on. Returns the decision. Raises NotFound for a non-committee
    user or one with a conflict of interest; ApplicationError without a rationale or
    for an unknown outcome; Conflict when the rules do not allow the outcome, an
    appeal is open, or a certificate was issued and the outcome is not ``pass``.
    Safe to call twice: the same outcome and rationale again return the current
    decision."""
    rationale = (rationale or "").strip()
    if not rationale:
        raise ApplicationError("请填写理由 / A rationale is required.")
    now = now or timezone.now()
    with transaction.atomic():
        application = _lock_application(application_id=application_id, decided_by=decided_by)
        result = result_for_application(application)
        current = result.decision
        if current is not None and (current.outcome, current.rationale) == (outcome, rationale):
            return current
        _check_rules(result=result, outcome=outcome)
        if Appeal.objects.filter(application=application, state=Appeal.State.SUBMITTED).exists():
            raise Conflict("申诉处理中 / An appeal is open.")
        if outcome != Outcome.PASS and Certificate.objects.filter(application=application).exists():
            raise Conflict("证书已签发，请先撤销 / A certificate was issued: revoke it first.")
        return _record(
            application=application,
            result=result,
            decided_by=decided_by,
            outcome=outcome,
            rationale=rationale,
            now=now,
        )


def decision_for_issue(
    *, application: Application, result: CompositeResult, issued_by: User
) -> Decision:
    """The pass decision a certificate is issued on: the current one, or, when the
    committee has not decided yet, a pass decision recorded now by the issuer (issuing
    is deciding to pass). Raises NotFound when the issuer has a conflict of interest,
    Conflict when the current decision is fail or defer, an appeal is open, or the
    rules do not allow a pass. Call inside ``certificate_issue``'s transaction, with
    the application row locked."""
    if has_conflict(staff=issued_by, candidate=application.candidate_id):
        raise NotFound("Not found.")
    current = result.decision
    if current is not None:
        if current.outcome != Outcome.PASS:
            raise Conflict(
                f"委员会结论为「{current.get_outcome_display()}」/ The committee decided "
                f"{current.outcome}."
            )
        return current
    if Appeal.objects.filter(application=application, state=Appeal.State.SUBMITTED).exists():
        raise Conflict("申诉处理中 / An appeal is open.")
    _check_rules(result=result, outcome=Outcome.PASS)
    return _record(
        application=application,
        result=result,
        decided_by=issued_by,
        outcome=Outcome.PASS,
        rationale=ISSUE_RATIONALE,
        now=timezone.now(),
    )


def decisions_for_application(*, viewer: User, application: Application) -> list[Decision]:
    """Every decision on the application, newest first: for its candidate, and for a
    committee member without a conflict; NotFound for anyone else."""
    is_candidate = application.candidate_id == getattr(viewer, "pk", None)
    if not is_candidate and (
        not has_role(viewer, Role.COMMITTEE)
        or has_conflict(staff=viewer, candidate=application.candidate_id)
    ):
        raise NotFound("Not found.")
    return list(
        Decision.objects.filter(application=application)
        .select_related("decided_by", "blueprint")
        .order_by("-decided_at", "-pk")
    )
