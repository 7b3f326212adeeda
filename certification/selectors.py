"""Reads. Access checks live here: an object the user may not see answers exactly like
one that does not exist (NotFound)."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from certification.models import Application, Attempt, Certificate, Certification
from certification.roles import Role, has_role
from config.errors import NotFound
from grading.models import Submission


def application_get_for_candidate(*, candidate: Any, application_id: int) -> Application:
    try:
        return Application.objects.select_related("certification").get(
            pk=application_id, candidate=candidate
        )
    except Application.DoesNotExist as exc:
        raise NotFound("Not found.") from exc


def applications_for_review(*, reviewer: Any) -> QuerySet[Application]:
    if not has_role(reviewer, Role.COMMITTEE):
        raise NotFound("Not found.")
    return (
        Application.objects.filter(state=Application.State.SUBMITTED)
        .exclude(candidate=reviewer)
        .select_related("candidate", "certification")
        .order_by("created_at")
    )


def attempt_get_for_candidate(*, candidate: Any, public_id: Any) -> Attempt:
    try:
        return Attempt.objects.select_related("exam").get(public_id=public_id, candidate=candidate)
    except (Attempt.DoesNotExist, ValueError) as exc:
        raise NotFound("Not found.") from exc


def approved_application(*, candidate: Any, certification: Certification) -> Application:
    application = Application.objects.filter(
        candidate=candidate, certification=certification, state=Application.State.APPROVED
    ).first()
    if application is None:
        raise NotFound("Not found.")
    return application


@dataclass(frozen=True)
class CompositeResult:
    """The composite of one application, derived from its components on every read."""

    application: Application
    written_attempt: Attempt | None
    practical_submission: Submission | None
    written_percent: Decimal | None
    practical_percent: Decimal | None
    composite: Decimal | None
    passed: bool | None

    @property
    def complete(self) -> bool:
        return self.composite is not None


def result_for_application(application: Application) -> CompositeResult:
    """Weights, per-component minimums and the cut score come from the certification.
    Written: the graded attempt. Practical: the best graded submission's hidden-set
    score. The composite exists only when every weighted component has a score."""
    cert = application.certification
    attempt = (
        Attempt.objects.filter(application=application, state=Attempt.State.GRADED)
        .order_by("-score", "started_at")
        .first()
    )
    written = attempt.percent if attempt else None
    submission = None
    practical = None
    if cert.practical_task_id:
        submission = (
            Submission.objects.filter(
                candidate_id=application.candidate_id,
                task_id=cert.practical_task_id,
                state=Submission.State.DONE,
                test_score__isnull=False,
                created_at__gte=application.created_at,
            )
            .order_by("-test_score", "created_at")
            .first()
        )
        if submission is not None and submission.test_score is not None:
            practical = (Decimal(str(submission.test_score)) * 100).quantize(Decimal("0.01"))
    components = [
        (Decimal(cert.written_weight), written, Decimal(cert.written_minimum)),
        (Decimal(cert.practical_weight), practical, Decimal(cert.practical_minimum)),
    ]
    weighted = [(weight, score, minimum) for weight, score, minimum in components if weight > 0]
    scored = [(w, s, m) for w, s, m in weighted if s is not None]
    composite: Decimal | None = None
    passed: bool | None = None
    if weighted and len(scored) == len(weighted):
        total_weight = sum((w for w, _, _ in scored), Decimal(0))
        weighted_sum = sum((w * s for w, s, _ in scored), Decimal(0))
        composite = (weighted_sum / total_weight).quantize(Decimal("0.01"))
        passed = composite >= cert.cut_score and all(s >= m for _, s, m in scored)
    return CompositeResult(
        application=application,
        written_attempt=attempt,
        practical_submission=submission,
        written_percent=written,
        practical_percent=practical,
        composite=composite,
        passed=passed,
    )


def results_for_committee(*, reviewer: Any) -> list[CompositeResult]:
    if not has_role(reviewer, Role.COMMITTEE):
        raise NotFound("Not found.")
    applications = (
        Application.objects.filter(state=Application.State.APPROVED)
        .exclude(candidate=reviewer)
        .select_related("certification", "candidate")
        .prefetch_related("certificate")
        .order_by("created_at")
    )
    return [result_for_application(application) for application in applications]


@dataclass(frozen=True)
class CertificateStatus:
    certificate: Certificate
    status: str  # valid, expired, suspended, revoked


def _certificate_status_of(certificate: Certificate, now: Any) -> str:
    if certificate.status == Certificate.Status.REVOKED:
        return "revoked"
    if certificate.suspended_at is not None:
        return "suspended"
    if certificate.valid_until < now:
        return "expired"
    return "valid"


def certificate_status(*, code: str, now: Any = None) -> CertificateStatus:
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


def certificate_get_for_holder(*, holder: Any, code: str) -> CertificateStatus:
    """The holder's own certificate; NotFound for anyone else."""
    found = certificate_status(code=code)
    if found.certificate.holder_id != getattr(holder, "pk", None):
        raise NotFound("Not found.")
    return found


def certificates_for_committee(*, reviewer: Any) -> list[CertificateStatus]:
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
