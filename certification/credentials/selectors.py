"""Reads of certificates: public status, a holder's own, the committee's list."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.utils import timezone

from certification.models import Certificate
from core.errors import NotFound
from core.roles import Role, has_role


@dataclass(frozen=True)
class CertificateStatus:
    certificate: Certificate
    status: str  # valid, expired, suspended, revoked


def _certificate_status_of(certificate: Certificate, now: datetime) -> str:
    if certificate.status == Certificate.Status.REVOKED:
        return "revoked"
    if certificate.suspended_at is not None:
        return "suspended"
    if certificate.valid_until < now:
        return "expired"
    return "valid"


def certificate_status(*, code: str, now: datetime | None = None) -> CertificateStatus:
    """Public: anyone may look up a certificate by its code. Status precedence:
    revoked, suspended, expired, valid."""
    now = now or timezone.now()
    try:
        certificate = Certificate.objects.select_related(
            "certification__level", "certification__domain", "holder"
        ).get(code=code)
    except Certificate.DoesNotExist as exc:
        raise NotFound("Not found.") from exc
    return CertificateStatus(
        certificate=certificate, status=_certificate_status_of(certificate, now)
    )


def certificate_get_for_holder(*, holder: User, code: str) -> CertificateStatus:
    """The holder's own certificate; NotFound for anyone else."""
    found = certificate_status(code=code)
    if found.certificate.holder_id != getattr(holder, "pk", None):
        raise NotFound("Not found.")
    return found


def certificates_for_committee(*, reviewer: User) -> list[CertificateStatus]:
    """Every certificate but the reviewer's own, newest first. Committee only."""
    if not has_role(reviewer, Role.COMMITTEE):
        raise NotFound("Not found.")
    now = timezone.now()
    queryset = (
        Certificate.objects.exclude(holder=reviewer)
        .select_related("certification__level", "certification__domain", "holder")
        .order_by("-issued_at")
    )
    return [
        CertificateStatus(certificate=c, status=_certificate_status_of(c, now)) for c in queryset
    ]
