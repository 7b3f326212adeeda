"""Reads of applications: a candidate's own, drafts and approved ones, the committee's
review queue with eligibility, one application with its attachments for its owner or a
reviewer (NotFound for anyone else), and eligibility itself."""

from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.contrib.auth.models import User
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from certification.applications.conflicts import conflicted_candidate_ids, has_conflict
from certification.models import (
    Application,
    ApplicationAttachment,
    Blueprint,
    BlueprintComponent,
    Certificate,
    Certification,
    EligibilityRule,
    EligibilityWaiver,
    LessonProgress,
)
from core.errors import NotFound
from core.roles import Role, has_role
from training.models import Curriculum, Lesson


@dataclass(frozen=True)
class QueueFilters:
    certification: str = ""  # slug
    level: str = ""  # slug
    domain: str = ""  # slug
    state: str = Application.State.SUBMITTED  # "" for every state but draft
    eligibility: str = ""  # "eligible" / "ineligible" / ""
    submitted_from: date | None = None
    submitted_to: date | None = None


@dataclass(frozen=True)
class Eligibility:
    """Whether a candidate may be approved for a certification: every rule holds, or
    the committee waived them."""

    missing: list[Certification] = field(default_factory=list)
    waiver: EligibilityWaiver | None = None
    # The curriculum the certification requires and the candidate has not completed.
    curriculum: Curriculum | None = None

    @property
    def eligible(self) -> bool:
        return (not self.missing and self.curriculum is None) or self.waiver is not None

    @property
    def message(self) -> str:
        """In the active language; certification names in it too (``name_en``), the
        curriculum's title as it was written."""
        if not self.missing and self.curriculum is None:
            return _("符合报名条件")
        needs = [_("有效的%(certification)s证书") % {"certification": c} for c in self.missing]
        if self.curriculum:
            needs.append(_("学完课程《%(curriculum)s》") % {"curriculum": self.curriculum.title})
        names = _("、").join(needs)
        if self.waiver is not None:
            return _("已豁免：%(requirements)s") % {"requirements": names}
        return _("需要%(requirements)s，或认证委员会的豁免") % {"requirements": names}


@dataclass(frozen=True)
class ReviewedApplication:
    application: Application
    eligibility: Eligibility
    attachments: list[ApplicationAttachment]


def application_get_for_candidate(*, candidate: User, application_id: int) -> Application:
    try:
        return Application.objects.select_related("certification").get(
            pk=application_id, candidate=candidate
        )
    except Application.DoesNotExist as exc:
        raise NotFound("Not found.") from exc


def application_draft_get(*, candidate: User, certification: Certification) -> Application | None:
    """The candidate's draft application to ``certification``, if there is one."""
    return Application.objects.filter(
        candidate_id=candidate.pk, certification=certification, state=Application.State.DRAFT
    ).first()


def approved_application(*, candidate: User, certification: Certification) -> Application:
    application = Application.objects.filter(
        candidate=candidate, certification=certification, state=Application.State.APPROVED
    ).first()
    if application is None:
        raise NotFound("Not found.")
    return application


def certifications_with_rules() -> QuerySet[Certification]:
    """Certifications annotated with their current blueprint's ``cut_score``,
    ``written_weight``, ``practical_weight`` and ``interview_weight`` (None without a
    published blueprint or component), in one query."""
    current = Blueprint.objects.filter(
        certification=OuterRef("pk"), published_at__isnull=False
    ).order_by("-version")
    weights = {
        f"{kind}_weight": Subquery(
            BlueprintComponent.objects.filter(
                blueprint=Subquery(current.values("pk")[:1]), kind=kind
            ).values("weight")[:1]
        )
        for kind in BlueprintComponent.Kind.values
    }
    return Certification.objects.select_related("level", "domain").annotate(
        cut_score=Subquery(current.values("cut_score")[:1]), **weights
    )


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
    studied = LessonProgress.objects.filter(
        candidate_id=OuterRef(OuterRef("candidate_id")),
        lesson_id=OuterRef("pk"),
        completed_at__isnull=False,
    )
    unstudied = Lesson.objects.filter(
        is_published=True,
        curriculum__level_id=OuterRef("certification__level_id"),
        curriculum__domain_id=OuterRef("certification__domain_id"),
    ).exclude(Exists(studied))
    waiver = EligibilityWaiver.objects.filter(
        candidate_id=OuterRef("candidate_id"), certification_id=OuterRef("certification_id")
    )
    return queryset.annotate(
        rules_unmet=Exists(unmet)
        | (Q(certification__requires_curriculum=True) & Exists(unstudied)),
        waived=Exists(waiver),
    ).annotate(
        eligible=Case(
            When(Q(rules_unmet=False) | Q(waived=True), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def review_queue_waiting(*, reviewer: User) -> list[datetime]:
    """When each application waiting for a decision (submitted, not one the reviewer
    is in conflict with) was submitted: the queue's load, whatever the filters."""
    _require_committee(reviewer)
    submitted = (
        Application.objects.filter(state=Application.State.SUBMITTED)
        .exclude(candidate_id__in=conflicted_candidate_ids(staff=reviewer))
        .values_list("submitted_at", flat=True)
    )
    return [moment for moment in submitted if moment is not None]


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


def _require_committee(user: User) -> None:
    if not has_role(user, Role.COMMITTEE):
        raise NotFound("Not found.")


def valid_certificates(*, now: datetime | None = None) -> QuerySet[Certificate]:
    """Certificates that count for eligibility: valid status, not suspended, not
    expired."""
    return Certificate.objects.filter(
        status=Certificate.Status.VALID,
        suspended_at__isnull=True,
        valid_until__gt=now or timezone.now(),
    )


def eligibility_check(*, candidate: User | int, certification: Certification) -> Eligibility:
    """The rules of ``certification`` for ``candidate``. Read-only, two queries."""
    candidate_id = candidate if isinstance(candidate, int) else candidate.pk
    rules = EligibilityRule.objects.filter(certification=certification).select_related("required")
    held = set(
        valid_certificates()
        .filter(holder_id=candidate_id)
        .values_list("certification_id", flat=True)
    )
    missing = [rule.required for rule in rules if rule.required_id not in held]
    curriculum = None
    if certification.requires_curriculum:
        curriculum = _curriculum_incomplete(candidate_id=candidate_id, certification=certification)
    waiver = None
    if missing or curriculum is not None:
        waiver = EligibilityWaiver.objects.filter(
            candidate_id=candidate_id, certification=certification
        ).first()
    return Eligibility(missing=missing, waiver=waiver, curriculum=curriculum)


def _curriculum_incomplete(*, candidate_id: int, certification: Certification) -> Curriculum | None:
    """The curriculum of the certification's level and domain, if the candidate has
    not completed every published lesson of it."""
    curriculum = Curriculum.objects.filter(
        level_id=certification.level_id, domain_id=certification.domain_id
    ).first()
    if curriculum is None:
        return None
    lessons = Lesson.objects.filter(curriculum=curriculum, is_published=True)
    done = LessonProgress.objects.filter(
        candidate_id=candidate_id, lesson__in=lessons, completed_at__isnull=False
    )
    return None if done.count() >= lessons.count() else curriculum
