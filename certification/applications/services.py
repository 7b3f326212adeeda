"""Applications: draft → submitted → approved / rejected / withdrawn, eligibility,
attachments. Each write is one transaction; e-mail goes out on commit."""

import hashlib
import uuid
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from certification.applications.conflicts import has_conflict
from certification.applications.selectors import eligibility_check
from certification.audit.notifications import notification_send, notification_send_to_role
from certification.audit.services import audit_record
from certification.learning.services import enrol_on_approval
from certification.models import (
    Application,
    ApplicationAttachment,
    Certification,
)
from core.errors import ApplicationError, Conflict, NotFound
from core.i18n import interpolate_lazy
from core.private_storage import private_delete, private_exists, private_open, private_save
from core.roles import Role, has_role

ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024
ATTACHMENT_MAX_COUNT = 5
# Types are recognised by their first bytes, never by the name or the browser's claim.
ATTACHMENT_TYPES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)
_TEXT_FIELDS = ("full_name", "email", "phone", "organization")
_LONG_FIELDS = ("learning_history", "project_experience", "waiver_request")
APPLICATION_FIELDS = _TEXT_FIELDS + _LONG_FIELDS


# --- Eligibility ---


# --- The candidate's side ---


def _require_candidate(candidate: User, certification: Certification) -> None:
    if not has_role(candidate, Role.CANDIDATE):
        raise NotFound("Not found.")
    if not certification.is_open:
        raise ApplicationError(_("该认证暂不接受报名"))


def _clean(fields: dict[str, Any]) -> dict[str, str]:
    unknown = set(fields) - set(_TEXT_FIELDS) - set(_LONG_FIELDS)
    if unknown:
        raise TypeError(f"unknown application fields: {sorted(unknown)}")
    return {name: str(value or "").strip() for name, value in fields.items()}


def _draft_for_update(candidate: User, certification: Certification) -> Application | None:
    """The candidate's draft for ``certification``, row-locked, or None."""
    return (
        Application.objects.select_for_update()
        .filter(candidate=candidate, certification=certification, state=Application.State.DRAFT)
        .first()
    )


def application_draft_save(
    *, candidate: User, certification: Certification, **fields: Any
) -> Application:
    """Creates or updates the candidate's draft for ``certification``; fields may be
    incomplete. Raises Conflict when a submitted or approved application exists.
    Safe to call repeatedly (each call saves the latest text)."""
    _require_candidate(candidate, certification)
    values = _clean(fields)
    try:
        with transaction.atomic():
            draft = _draft_for_update(candidate, certification)
            if draft is None:
                return Application.objects.create(
                    candidate=candidate,
                    certification=certification,
                    state=Application.State.DRAFT,
                    **{"learning_history": "", "project_experience": "", **values},
                )
            for name, value in values.items():
                setattr(draft, name, value)
            draft.save(update_fields=list(values))
            return draft
    except IntegrityError as exc:
        raise Conflict(_("你已有该认证的有效申请")) from exc


def application_submit(
    *, candidate: User, certification: Certification, **fields: Any
) -> Application:
    """Submits the candidate's application for ``certification`` (the draft, when
    there is one, with these fields). Fields: full_name, learning_history,
    project_experience (required); email, phone, organization, waiver_request.

    Raises ApplicationError for a missing field, or when the candidate is not
    eligible and asked for no waiver; Conflict when a submitted or approved
    application exists; NotFound for a non-candidate. The committee is notified."""
    _require_candidate(candidate, certification)
    values = _clean(fields)
    for name, label in (
        ("full_name", gettext_lazy("请填写姓名")),
        ("learning_history", gettext_lazy("请填写学习经历")),
        ("project_experience", gettext_lazy("请填写项目经验")),
    ):
        if not values.get(name):
            raise ApplicationError(label)
    eligibility = eligibility_check(candidate=candidate, certification=certification)
    if not eligibility.eligible and not values.get("waiver_request"):
        raise ApplicationError(
            _("%(eligibility)s 如需豁免，请填写豁免申请理由。")
            % {"eligibility": eligibility.message},
            extra={"missing": [c.slug for c in eligibility.missing]},
        )
    now = timezone.now()
    try:
        with transaction.atomic():
            application = _draft_for_update(candidate, certification)
            if application is None:
                application = Application.objects.create(
                    candidate=candidate,
                    certification=certification,
                    state=Application.State.SUBMITTED,
                    submitted_at=now,
                    **values,
                )
            else:
                for name, value in values.items():
                    setattr(application, name, value)
                application.state = Application.State.SUBMITTED
                application.submitted_at = now
                application.save(update_fields=[*values, "state", "submitted_at"])
            notification_send_to_role(
                role=Role.COMMITTEE,
                title=interpolate_lazy(
                    gettext_lazy("新的认证申请：%(certification)s"),
                    {"certification": certification},
                ),
                body=application.full_name,
                link=reverse("committee-application", args=[application.pk]),
                exclude=[candidate.pk],
            )
    except IntegrityError as exc:
        raise Conflict(_("你已有该认证的有效申请")) from exc
    return application


def application_withdraw(*, candidate: User, application_id: int) -> Application:
    """The candidate withdraws their draft or submitted application. Idempotent for a
    withdrawn one; Conflict once decided; NotFound for anyone else's."""
    with transaction.atomic():
        application = (
            Application.objects.select_for_update()
            .filter(pk=application_id, candidate_id=getattr(candidate, "pk", None))
            .first()
        )
        if application is None:
            raise NotFound("Not found.")
        if application.state == Application.State.WITHDRAWN:
            return application
        if not application.can_withdraw:
            raise Conflict(_("该申请已处理，不能撤回"))
        application.state = Application.State.WITHDRAWN
        application.save(update_fields=["state"])
    return application


# --- Attachments ---


def _detect(head: bytes) -> tuple[str, str]:
    for magic, content_type, extension in ATTACHMENT_TYPES:
        if head.startswith(magic):
            return content_type, extension
    raise ApplicationError(_("附件只能是 PDF、PNG 或 JPEG"))


def attachment_open(attachment: ApplicationAttachment) -> File[Any] | None:
    """The stored file, opened for reading; None when it is missing."""
    if not private_exists(attachment.storage_name):
        return None
    return private_open(attachment.storage_name)


def attachment_add(
    *, candidate: User, application_id: int, upload: UploadedFile
) -> ApplicationAttachment:
    """Stores a file on the candidate's draft or submitted application, privately
    under PRIVATE_STORAGE_DIR. The type is detected from the content (PDF, PNG,
    JPEG); at most ATTACHMENT_MAX_BYTES each and ATTACHMENT_MAX_COUNT per
    application. Raises ApplicationError for a bad file, Conflict once decided,
    NotFound for anyone else's application. Each call adds a file."""
    size = upload.size or 0
    if size > ATTACHMENT_MAX_BYTES:
        raise ApplicationError(
            _("附件不能超过 %(mb)d MB") % {"mb": ATTACHMENT_MAX_BYTES // (1024 * 1024)}
        )
    upload.seek(0)
    data = upload.read(ATTACHMENT_MAX_BYTES + 1)
    if len(data) > ATTACHMENT_MAX_BYTES:
        raise ApplicationError(_("附件太大"))
    if not data:
        raise ApplicationError(_("附件是空的"))
    content_type, extension = _detect(data[:16])
    storage_name = f"applications/{application_id}/{uuid.uuid4().hex}.{extension}"
    with transaction.atomic():
        application = (
            Application.objects.select_for_update()
            .filter(pk=application_id, candidate_id=getattr(candidate, "pk", None))
            .first()
        )
        if application is None:
            raise NotFound("Not found.")
        if application.state not in (Application.State.DRAFT, Application.State.SUBMITTED):
            raise Conflict(_("该申请已处理"))
        if application.attachments.count() >= ATTACHMENT_MAX_COUNT:
            raise ApplicationError(
                ngettext("最多 %(n)d 个附件", "最多 %(n)d 个附件", ATTACHMENT_MAX_COUNT)
                % {"n": ATTACHMENT_MAX_COUNT}
            )
        # Written before the row: a rollback may leave an orphan file, never a row
        # without its file.
        private_save(storage_name, data)
        try:
            return ApplicationAttachment.objects.create(
                application=application,
                file_name=Path(upload.name or "attachment").name[:200],
                content_type=content_type,
                size_bytes=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                storage_name=storage_name,
            )
        except Exception:
            private_delete(storage_name)
            raise


# --- The committee's decisions ---


def application_decide_locked(
    *, application: Application, reviewer: User, approve: bool, reason: str
) -> Application:
    """Decides a locked application row; raises before writing anything."""
    if has_conflict(staff=reviewer, candidate=application.candidate_id):
        raise NotFound("Not found.")
    if application.state == Application.State.DRAFT:
        raise NotFound("Not found.")
    target = Application.State.APPROVED if approve else Application.State.REJECTED
    if application.state == target:
        return application  # a double click: already decided the same way
    if application.state != Application.State.SUBMITTED:
        raise Conflict(_("该申请已处理"))
    if approve:
        eligibility = eligibility_check(
            candidate=application.candidate_id, certification=application.certification
        )
        if not eligibility.eligible:
            raise Conflict(
                _("%(eligibility)s 请先授予豁免。") % {"eligibility": eligibility.message},
                extra={"missing": [c.slug for c in eligibility.missing]},
            )
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
    if approve:
        enrol_on_approval(application=application)
    verdict = Application.State(application.state).label  # lazy: read in the recipient's language
    notification_send(
        recipient=application.candidate,
        title=interpolate_lazy(gettext_lazy("认证申请结果：%(state)s"), {"state": verdict}),
        body=interpolate_lazy(
            "%(certification)s: %(state)s\n%(reason)s",
            {
                "certification": application.certification,
                "state": verdict,
                "reason": application.decision_reason,
            },
        ),
        link=reverse("application-detail", args=[application.pk]),
    )
    return application


def _decide(*, application_id: int, reviewer: User, approve: bool, reason: str) -> Application:
    if not has_role(reviewer, Role.COMMITTEE):
        raise NotFound("Not found.")
    if not approve and not reason.strip():
        raise ApplicationError(_("拒绝时必须填写原因"))
    with transaction.atomic():
        application = (
            Application.objects.select_for_update()
            .select_related("certification", "candidate")
            .filter(pk=application_id)
            .first()
        )
        if application is None:
            raise NotFound("Not found.")
        return application_decide_locked(
            application=application, reviewer=reviewer, approve=approve, reason=reason
        )


def application_approve(*, application_id: int, reviewer: User) -> Application:
    """Approves a submitted application whose candidate is eligible (or waived).
    Idempotent for an approved one; raises Conflict for one decided otherwise or an
    ineligible candidate, and NotFound for a non-committee or conflicted reviewer.
    The candidate is notified in the app and by e-mail (on commit)."""
    return _decide(application_id=application_id, reviewer=reviewer, approve=True, reason="")


def application_reject(*, application_id: int, reviewer: User, reason: str) -> Application:
    """Rejects a submitted application with a reason the candidate reads. Same rules
    and notifications as ``application_approve``."""
    return _decide(application_id=application_id, reviewer=reviewer, approve=False, reason=reason)
