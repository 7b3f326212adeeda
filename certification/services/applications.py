from typing import Any

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from certification.models import Application, Certification
from certification.roles import Role, has_role
from certification.services.audit import audit_record
from config.errors import ApplicationError, Conflict, NotFound


def application_submit(
    *,
    candidate: Any,
    certification: Certification,
    full_name: str,
    learning_history: str,
    project_experience: str,
) -> Application:
    """Files a candidate's application. Raises Conflict when the candidate already has
    a live (submitted or approved) application for the same certification."""
    if not has_role(candidate, Role.CANDIDATE):
        raise NotFound("Not found.")
    if not certification.is_open:
        raise ApplicationError("该认证暂不接受报名 / This certification is not open.")
    if not full_name.strip():
        raise ApplicationError("请填写姓名 / Enter your full name.")
    try:
        with transaction.atomic():
            return Application.objects.create(
                candidate=candidate,
                certification=certification,
                full_name=full_name.strip(),
                learning_history=learning_history,
                project_experience=project_experience,
            )
    except IntegrityError as exc:
        raise Conflict("你已有该认证的有效申请 / You already applied for this.") from exc


def _decide(*, application_id: int, reviewer: Any, approve: bool, reason: str) -> Application:
    if not has_role(reviewer, Role.COMMITTEE):
        raise NotFound("Not found.")
    if not approve and not reason.strip():
        raise ApplicationError("拒绝时必须填写原因 / A rejection needs a reason.")
    with transaction.atomic():
        try:
            application = Application.objects.select_for_update().get(pk=application_id)
        except Application.DoesNotExist as exc:
            raise NotFound("Not found.") from exc
        if application.candidate_id == reviewer.pk:
            raise NotFound("Not found.")
        target = Application.State.APPROVED if approve else Application.State.REJECTED
        if application.state == target:
            return application  # a double click: already decided the same way
        if application.state != Application.State.SUBMITTED:
            raise Conflict("该申请已处理 / This application was already decided.")
        before = {"state": application.state}
        application.state = target
        application.decision_reason = reason.strip()
        application.reviewed_by = reviewer
        application.reviewed_at = timezone.now()
        application.save(update_fields=["state", "decision_reason", "reviewed_by", "reviewed_at"])
        audit_record(
            actor=reviewer,
            action="application.approve" if approve else "application.reject",
            obj=application,
            before=before,
            after={"state": target, "reason": application.decision_reason},
        )
        transaction.on_commit(lambda: _notify_decision(application))
    return application


def application_approve(*, application_id: int, reviewer: Any) -> Application:
    """Approves a submitted application. Idempotent for an approved one; raises
    Conflict for one decided otherwise and NotFound for a non-committee reviewer."""
    return _decide(application_id=application_id, reviewer=reviewer, approve=True, reason="")


def application_reject(*, application_id: int, reviewer: Any, reason: str) -> Application:
    """Rejects a submitted application with a reason the candidate reads."""
    return _decide(application_id=application_id, reviewer=reviewer, approve=False, reason=reason)


def _notify_decision(application: Application) -> None:
    if not application.candidate.email:
        return
    verdict = application.get_state_display()
    body = f"{application.certification}: {verdict}\n{application.decision_reason}".strip()
    send_mail(
        subject=f"认证申请结果 / Application {verdict}",
        message=body,
        from_email=None,
        recipient_list=[application.candidate.email],
        fail_silently=True,
    )
