"""Conflict of interest (ISO/IEC 17024: training is kept apart from examining).

Whoever trained or mentored a candidate may not review their application, examine
them, rate their interview, decide their result or an appeal. The rule is the
explicit declaration, a ``TrainingRelation`` row: there is no enrolment model yet, so
authorship of a curriculum does not by itself create a conflict (it will once
enrolments exist: the author of a curriculum the candidate is enrolled in). A person
is always in conflict with themselves.

Callers either ask ``has_conflict`` for one candidate (raise ``NotFound`` when true,
so a conflicted object answers like a missing one), exclude
``conflicted_candidate_ids`` from a queue, or exclude ``conflicted_staff_ids`` when
picking examiners for a candidate.
"""

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from certification.audit.services import audit_record
from certification.models import TrainingRelation
from core.errors import ApplicationError, NotFound
from core.roles import Role, has_role


def conflicted_candidate_ids(*, staff: User) -> set[int]:
    """Ids of the candidates ``staff`` may not review, examine or decide on: those
    they trained or mentored, and themselves. One query; read-only."""
    ids = set(
        TrainingRelation.objects.filter(staff_id=staff.pk).values_list("candidate_id", flat=True)
    )
    ids.add(staff.pk)
    return ids


def conflicted_staff_ids(*, candidate: User | int) -> set[int]:
    """Ids of the staff who may not review, examine or decide on ``candidate``: those
    who trained or mentored them, and the candidate themselves. Accepts a user or a
    user id. One query; read-only."""
    candidate_id = candidate if isinstance(candidate, int) else candidate.pk
    ids = set(
        TrainingRelation.objects.filter(candidate_id=candidate_id).values_list(
            "staff_id", flat=True
        )
    )
    ids.add(candidate_id)
    return ids


def has_conflict(*, staff: User, candidate: User | int) -> bool:
    """True when ``staff`` trained or mentored ``candidate``, or is the candidate.
    Accepts a user or a user id for ``candidate``. Read-only."""
    candidate_id = candidate if isinstance(candidate, int) else candidate.pk
    if candidate_id == staff.pk:
        return True
    return TrainingRelation.objects.filter(staff_id=staff.pk, candidate_id=candidate_id).exists()


def conflict_declare(
    *, declared_by: User, staff: User, candidate: User, kind: str, note: str = ""
) -> TrainingRelation:
    """Records that ``staff`` trained or mentored ``candidate``. Staff declare their
    own relations; the committee may declare anyone's. Safe to call twice (returns
    the existing row). Raises NotFound for anyone else, ApplicationError for a
    relation with oneself or an unknown kind. Audited."""
    is_committee = has_role(declared_by, Role.COMMITTEE)
    if not (is_committee or (declared_by.pk == staff.pk and _is_staff(declared_by))):
        raise NotFound("Not found.")
    if staff.pk == candidate.pk:
        raise ApplicationError(_("不能声明与自己的关系"))
    if kind not in TrainingRelation.Kind.values:
        raise ApplicationError(_("未知的关系类型"))
    existing = TrainingRelation.objects.filter(staff=staff, candidate=candidate, kind=kind).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            relation = TrainingRelation.objects.create(
                staff=staff,
                candidate=candidate,
                kind=kind,
                note=note.strip(),
                declared_by=declared_by,
            )
            audit_record(
                actor=declared_by,
                action="conflict.declare",
                obj=relation,
                after={"staff": staff.pk, "candidate": candidate.pk, "kind": kind},
            )
    except IntegrityError:
        # Declared concurrently by someone else: the row exists now.
        return TrainingRelation.objects.get(staff=staff, candidate=candidate, kind=kind)
    return relation


def _is_staff(user: User) -> bool:
    return any(has_role(user, role) for role in (Role.INSTRUCTOR, Role.EXAMINER, Role.COMMITTEE))


def conflicts_list(*, viewer: User) -> QuerySet[TrainingRelation]:
    """Every declared relation, newest first, for the committee; NotFound otherwise."""
    if not has_role(viewer, Role.COMMITTEE):
        raise NotFound("Not found.")
    return TrainingRelation.objects.select_related("staff", "candidate", "declared_by").order_by(
        "-created_at", "-pk"
    )


def conflicts_list_own(*, staff: User) -> QuerySet[TrainingRelation]:
    """The relations declared for ``staff`` (by themselves or the committee), newest
    first; NotFound for anyone who is not staff. Read-only."""
    if not _is_staff(staff):
        raise NotFound("Not found.")
    return (
        TrainingRelation.objects.filter(staff=staff)
        .select_related("candidate")
        .order_by("-created_at", "-pk")
    )
