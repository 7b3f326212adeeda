"""The committee's review decisions: bulk approve or reject, and eligibility waivers
(the queue and the reads are in selectors.py)."""

from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certification.applications.conflicts import has_conflict
from certification.applications.selectors import _require_committee, application_get_for_reviewer
from certification.applications.services import (
    application_decide_locked,
)
from certification.audit.notifications import notification_send
from certification.audit.services import audit_record
from certification.models import (
    Application,
    Certification,
    EligibilityWaiver,
)
from core.errors import ApplicationError, Conflict, NotFound
from core.i18n import interpolate_lazy

BULK_MAX = 200


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
        raise ApplicationError(_("请选择申请"))
    if len(ids) > BULK_MAX:
        raise ApplicationError(_("一次最多 %(n)d 份") % {"n": BULK_MAX})
    if not approve and not reason.strip():
        raise ApplicationError(_("拒绝时必须填写原因"))
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
        raise ApplicationError(_("豁免必须填写原因"))
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
                title=interpolate_lazy(
                    gettext_lazy("报名条件已豁免：%(certification)s"),
                    {"certification": certification},
                ),
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
        raise Conflict(_("该申请已关闭"))
    return waiver_grant(
        granted_by=granted_by,
        candidate=application.candidate,
        certification=application.certification,
        reason=reason,
    )
