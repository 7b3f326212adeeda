"""The committee's review: the filtered queue with eligibility, one application,
attachments, bulk decisions and eligibility waivers."""

from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import BooleanField, Case, Exists, OuterRef, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone

from certification.applications.conflicts import conflicted_candidate_ids, has_conflict
from certification.applications.services import (
    Eligibility,
    application_decide_locked,
    eligibility_check,
    valid_certificates,
)
from certification.audit.notifications import notification_send
from certification.audit.services import audit_record
from certification.models import (
    Application,
    ApplicationAttachment,
    Certification,
    EligibilityRule,
    EligibilityWaiver,
)
from core.errors import ApplicationError, Conflict, NotFound
from core.roles import Role, has_role

BULK_MAX = 200


def _require_committee(user: User) -> None:
    if not has_role(user, Role.COMMITTEE):
        raise NotFound("Not found.")


def with_eligibility(queryset: QuerySet[Application]) -> QuerySet[Application]:
    """Annotates ``eligible`` (every rule of the certification holds for the
    candidate, or a waiver exists) and ``waived``, in SQL, so the queue can filter
    on it without a query per row."""
    held = valid_certificates().filter(
        holder_id=OuterRef(OuterRef("candidate_id")), certification_id=OuterRef("required_id")
    )
    unmet = EligibilityRule.objects.filter(certification_id=OuterRef("certification_id")).exclude(
        Exists(held)
    )
    waiver = EligibilityWaiver.objects.filter(
        candidate_id=OuterRef("candidate_id"), certification_id=OuterRef("certification_id")
    )
    return queryset.annotate(
        rules_unmet=Exists(unmet),
        waived=Exists(waiver),
    ).annotate(
        eligible=Case(
            When(Q(rules_unmet=False) | Q(waived=True), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


@dataclass(frozen=True)
class QueueFilters:
    certification: str = ""  # slug
    level: str = ""  # slug
    domain: str = ""  # slug
    state: str = Application.State.SUBMITTED  # "" for every state but draft
    eligibility: str = ""  # "eligible" / "ineligible" / ""
    submitted_from: date | None = None
    submitted_to: date | None = None


def review_queue(*, reviewer: User, filters: QueueFilters | None = None) -> QuerySet[Application]:
    """Applications the committee member may review: never drafts, never their own
    or those of candidates they trained (conflict of interest), oldest submission
    first, annotated with eligibility. Raises NotFound for a non-committee user."""
    _require_committee(reviewer)
    filters = filters or QueueFilters()
    queryset = (
        Application.objects.exclude(state=Application.State.DRAFT)
        .exclude(candidate_id__in=conflicted_candidate_ids(staff=reviewer))
        .select_related("candidate", "certification__level", "certification__domain")
        .order_by("submitted_at", "pk")
    )
    if filters.state:
        queryset = queryset.filter(state=filters.state)
    if filters.certification:
        queryset = queryset.filter(certification__slug=filters.certification)
    if filters.level:
        queryset = queryset.filter(certification__level__slug=filters.level)
    if filters.domain:
        queryset = queryset.filter(certification__domain__slug=filters.domain)
    tz = timezone.get_current_timezone()
    if filters.submitted_from:
        start = datetime.combine(filters.submitted_from, time.min, tzinfo=tz)
        queryset = queryset.filter(submitted_at__gte=start)
    if filters.submitted_to:
        end = datetime.combine(filters.submitted_to, time.max, tzinfo=tz)
        queryset = queryset.filter(submitted_at__lte=end)
    queryset = with_eligibility(queryset)
    if filters.eligibility in ("eligible", "ineligible"):
        # In a Q: django-stubs cannot see the annotation as a field.
        queryset = queryset.filter(Q(eligible=filters.eligibility == "eligible"))
    return queryset


@dataclass(frozen=True)
class ReviewedApplication:
    application: Application
    eligibility: Eligibility
    attachments: list[ApplicationAttachment]


def _reviewed(application: Application) -> ReviewedApplication:
    return ReviewedApplication(
        application=application,
        eligibility=eligibility_check(
            candidate=application.candidate_id, certification=application.certification
        ),
        attachments=list(application.attachments.all()),
    )


def application_get_for_reviewer(*, reviewer: User, application_id: int) -> ReviewedApplication:
    """One application for the committee, with its eligibility and attachments;
    NotFound for drafts, conflicted candidates and non-committee users."""
    _require_committee(reviewer)
    application = (
        Application.objects.exclude(state=Application.State.DRAFT)
        .select_related("candidate", "certification__level", "certification__domain")
        .filter(pk=application_id)
        .first()
    )
    if application is None or has_conflict(staff=reviewer, candidate=application.candidate_id):
        raise NotFound("Not found.")
    return _reviewed(application)


def application_get_for_owner(*, candidate: User, application_id: int) -> ReviewedApplication:
    """The candidate's own application, with eligibility and attachments."""
    application = (
        Application.objects.select_related("certification")
        .filter(pk=application_id, candidate_id=getattr(candidate, "pk", None))
        .first()
    )
    if application is None:
        raise NotFound("Not found.")
    return _reviewed(application)


def attachment_get_for_user(
    *, user: User, application_id: int, attachment_id: int
) -> ApplicationAttachment:
    """An attachment for its owner, or for a committee member without a conflict on a
    non-draft application; NotFound for anyone else."""
    attachment = (
        ApplicationAttachment.objects.select_related("application")
        .filter(pk=attachment_id, application_id=application_id)
        .first()
    )
    if attachment is None:
        raise NotFound("Not found.")
    application = attachment.application
    if application.candidate_id == getattr(user, "pk", None):
        return attachment
    if (
        has_role(user, Role.COMMITTEE)
        and application.state != Application.State.DRAFT
        and not has_conflict(staff=user, candidate=application.candidate_id)
    ):
        return attachment
    raise NotFound("Not found.")


@dataclass
class BulkOutcome:
    decided: list[int] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)


def applications_bulk_decide(
    *, reviewer: User, application_ids: list[int], approve: bool, reason: str = ""
) -> BulkOutcome:
    """Approves or rejects (one reason for all) several applications in one
    transaction, rows locked in primary-key order. An application that cannot be
    decided (missing, conflicted, already decided otherwise, ineligible) is skipped
    with its message; the others are decided. Safe to call twice: already decided
    the same way counts as decided, with no second audit row."""
    _require_committee(reviewer)
    ids = sorted(set(application_ids))
    if not ids:
        raise ApplicationError("请选择申请 / Select at least one application.")
    if len(ids) > BULK_MAX:
        raise ApplicationError(f"一次最多 {BULK_MAX} 份 / At most {BULK_MAX} at once.")
    if not approve and not reason.strip():
        raise ApplicationError("拒绝时必须填写原因 / A rejection needs a reason.")
    outcome = BulkOutcome()
    with transaction.atomic():
        rows = {
            a.pk: a
            for a in Application.objects.select_for_update(of=("self",))
            .select_related("certification", "candidate")
            .filter(pk__in=ids)
            .order_by("pk")
        }
        for pk in ids:
            application = rows.get(pk)
            if application is None:
                outcome.skipped[pk] = "Not found."
                continue
            try:
                application_decide_locked(
                    application=application, reviewer=reviewer, approve=approve, reason=reason
                )
            except ApplicationError as exc:
                outcome.skipped[pk] = exc.message
            else:
                outcome.decided.append(pk)
    return outcome


def waiver_grant(
    *, granted_by: User, candidate: User, certification: Certification, reason: str
) -> EligibilityWaiver:
    """Waives ``certification``'s eligibility rules for ``candidate``, with a reason
    (audited; the candidate is notified). Returns the existing waiver when there is
    one. NotFound for a non-committee or conflicted member; ApplicationError without
    a reason."""
    _require_committee(granted_by)
    if has_conflict(staff=granted_by, candidate=candidate):
        raise NotFound("Not found.")
    if not reason.strip():
        raise ApplicationError("豁免必须填写原因 / A waiver needs a reason.")
    with transaction.atomic():
        waiver, created = EligibilityWaiver.objects.get_or_create(
            candidate=candidate,
            certification=certification,
            defaults={"reason": reason.strip(), "granted_by": granted_by},
        )
        if created:
            audit_record(
                actor=granted_by,
                action="eligibility.waive",
                obj=waiver,
                after={
                    "candidate": candidate.pk,
                    "certification": certification.slug,
                    "reason": waiver.reason,
                },
            )
            notification_send(
                recipient=candidate,
                title=f"报名条件已豁免 / Eligibility waived: {certification.name_en}",
                body=waiver.reason,
                link=reverse("dashboard"),
            )
    return waiver


def waiver_grant_for_application(
    *, granted_by: User, application_id: int, reason: str
) -> EligibilityWaiver:
    """``waiver_grant`` for the candidate and certification of a non-draft
    application; NotFound when the member may not see it."""
    reviewed = application_get_for_reviewer(reviewer=granted_by, application_id=application_id)
    application = reviewed.application
    if application.state not in (Application.State.SUBMITTED, Application.State.APPROVED):
        raise Conflict("该申请已关闭 / This application is closed.")
    return waiver_grant(
        granted_by=granted_by,
        candidate=application.candidate,
        certification=application.certification,
        reason=reason,
    )
