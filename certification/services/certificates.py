from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from certification.models import Application, Certificate
from certification.roles import Role, has_role
from certification.selectors import result_for_application
from certification.services.audit import audit_record
from config.errors import Conflict, NotFound


def certificate_issue(*, application_id: int, issued_by: Any) -> Certificate:
    """Issues the certificate for an approved application whose composite result is
    complete and passing. Safe to call twice: the second call returns the certificate
    the first one issued. Raises NotFound for a non-committee user (or one deciding on
    their own application) and Conflict when the result does not allow it."""
    if not has_role(issued_by, Role.COMMITTEE):
        raise NotFound("Not found.")
    with transaction.atomic():
        try:
            application = (
                Application.objects.select_for_update()
                .select_related("certification", "candidate")
                .get(pk=application_id, state=Application.State.APPROVED)
            )
        except Application.DoesNotExist as exc:
            raise NotFound("Not found.") from exc
        if application.candidate_id == issued_by.pk:
            raise NotFound("Not found.")
        existing = Certificate.objects.filter(application=application).first()
        if existing is not None:
            return existing
        result = result_for_application(application)
        if not result.complete:
            raise Conflict("成绩尚未完整 / The result is not complete yet.")
        if not result.passed:
            raise Conflict("未达到合格线，不能发证 / The result is below the cut score.")
        assert result.composite is not None
        now = timezone.now()
        try:
            with transaction.atomic():
                certificate = Certificate.objects.create(
                    application=application,
                    holder=application.candidate,
                    holder_name=application.full_name,
                    certification=application.certification,
                    written_percent=result.written_percent or 0,
                    practical_percent=result.practical_percent or 0,
                    composite=result.composite,
                    issued_by=issued_by,
                    issued_at=now,
                    valid_until=now + timedelta(days=application.certification.validity_days),
                )
        except IntegrityError as exc:
            raise Conflict("证书已签发 / Already issued.") from exc
        audit_record(
            actor=issued_by,
            action="certificate.issue",
            obj=certificate,
            after={"code": certificate.code, "composite": str(certificate.composite)},
        )
    return certificate
