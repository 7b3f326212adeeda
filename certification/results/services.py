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
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certification.applications.conflicts import has_conflict
from certification.audit.notifications import notification_send
from certification.audit.services import audit_record
from certification.models import Appeal, Application, Certificate, Decision
from certification.results.scoring import RESULT_PENDING, CompositeResult
from certification.results.selectors import result_for_application
from core.errors import ApplicationError, Conflict, NotFound
from core.i18n import interpolate_lazy
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
        raise ApplicationError(_("结论须为通过、不通过或暂缓"))
    if result.blueprint is None:
        raise Conflict(_("该认证没有已发布的蓝图"))
    if outcome == Outcome.DEFER:
        return
    if result.state == RESULT_PENDING or result.composite is None:
        raise Conflict(_("成绩尚未完整"))
    if outcome == Outcome.PASS and not result.passed:
        raise Conflict(_("未达到合格线或某部分最低分"))


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
        title=interpolate_lazy(
            gettext_lazy("认证结论：%(outcome)s"),
            {"outcome": Decision.Outcome(decision.outcome).label},
        ),
        body=interpolate_lazy(
            "%(certification)s: %(outcome)s\n%(rationale)s",
            {
                "certification": application.certification,
                "outcome": Decision.Outcome(decision.outcome).label,
                "rationale": rationale,
            },
        ),
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
        raise ApplicationError(_("请填写理由"))
    now = now or timezone.now()
    with transaction.atomic():
        application = _lock_application(application_id=application_id, decided_by=decided_by)
        result = result_for_application(application)
        current = result.decision
        if current is not None and (current.outcome, current.rationale) == (outcome, rationale):
            return current
        _check_rules(result=result, outcome=outcome)
        if Appeal.objects.filter(application=application, state=Appeal.State.SUBMITTED).exists():
            raise Conflict(_("申诉处理中"))
        if outcome != Outcome.PASS and Certificate.objects.filter(application=application).exists():
            raise Conflict(_("证书已签发，请先撤销"))
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
                _("委员会结论为「%(outcome)s」") % {"outcome": current.get_outcome_display()}
            )
        return current
    if Appeal.objects.filter(application=application, state=Appeal.State.SUBMITTED).exists():
        raise Conflict(_("申诉处理中"))
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
