"""Blueprints: creating and publishing versions of a certification's weights,
minimums, cut score and interview rubric (committee only)."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from certification.audit.services import audit_record
from certification.models import Blueprint, BlueprintComponent, Certification
from core.errors import ApplicationError, Conflict, NotFound
from core.roles import Role, has_role
from training.models import Rubric

Kind = BlueprintComponent.Kind


WEIGHT_TOLERANCE = Decimal("0.001")


def _committee_only(user: User) -> None:
    if not has_role(user, Role.COMMITTEE):
        raise NotFound("Not found.")


@dataclass(frozen=True)
class ComponentSpec:
    kind: str
    weight: Decimal
    minimum: Decimal = Decimal(0)
    rubric_id: int | None = None


def _snapshot(blueprint: Blueprint) -> dict[str, Any]:
    return {
        "version": blueprint.version,
        "cut_score": str(blueprint.cut_score),
        "borderline_margin": str(blueprint.borderline_margin),
        "rater_threshold": str(blueprint.rater_threshold),
        "appeal_window_days": blueprint.appeal_window_days,
        "components": [
            {"kind": c.kind, "weight": str(c.weight), "minimum": str(c.minimum)}
            for c in blueprint.components.all()
        ],
        "published": blueprint.published_at is not None,
    }


def _validate(
    *,
    certification: Certification,
    cut_score: Decimal,
    components: list[ComponentSpec],
    borderline_margin: Decimal,
    rater_threshold: Decimal,
) -> None:
    if not components:
        raise ApplicationError(_("蓝图至少需要一个组成部分"))
    kinds = [c.kind for c in components]
    if len(set(kinds)) != len(kinds) or not set(kinds) <= set(Kind.values):
        raise ApplicationError(_("组成部分无效或重复"))
    if any(not (0 <= c.weight <= 1) or not (0 <= c.minimum <= 100) for c in components):
        raise ApplicationError(_("权重须在 0–1，最低分须在 0–100"))
    total = sum((c.weight for c in components), Decimal(0))
    if abs(total - 1) > WEIGHT_TOLERANCE:
        raise ApplicationError(_("权重之和须为 1（现为 %(total)s）") % {"total": total})
    if not (0 <= cut_score <= 100) or borderline_margin < 0 or rater_threshold < 0:
        raise ApplicationError(_("合格线须在 0–100"))
    for component in components:
        if component.kind == Kind.WRITTEN and certification.written_exam_id is None:
            raise ApplicationError(_("该认证没有笔试"))
        if component.kind == Kind.PRACTICAL and certification.practical_task_id is None:
            raise ApplicationError(_("该认证没有实操任务"))
        if component.kind == Kind.INTERVIEW and (
            component.rubric_id is None
            or not Rubric.objects.filter(pk=component.rubric_id).exists()
        ):
            raise ApplicationError(_("面试需要评分量表"))


def blueprint_create(
    *,
    certification: Certification,
    created_by: User,
    cut_score: Decimal,
    components: list[ComponentSpec],
    borderline_margin: Decimal = Decimal(2),
    rater_threshold: Decimal = Decimal(15),
    appeal_window_days: int = 14,
    note: str = "",
    publish: bool = False,
) -> Blueprint:
    """Creates the next version of ``certification``'s blueprint (a draft, or published
    at once with ``publish``). Returns the new blueprint. Raises NotFound for anyone
    but the committee, ApplicationError for weights that do not add up to 1, an
    unknown component or an interview without a rubric, Conflict when another version
    was created at the same moment. Not idempotent: each call is a new version."""
    _committee_only(created_by)
    _validate(
        certification=certification,
        cut_score=cut_score,
        components=components,
        borderline_margin=borderline_margin,
        rater_threshold=rater_threshold,
    )
    try:
        with transaction.atomic():
            latest = Blueprint.objects.filter(certification=certification).aggregate(
                v=Max("version")
            )["v"]
            blueprint = Blueprint.objects.create(
                certification=certification,
                version=(latest or 0) + 1,
                cut_score=cut_score,
                borderline_margin=borderline_margin,
                rater_threshold=rater_threshold,
                appeal_window_days=appeal_window_days,
                note=note.strip(),
                created_by=created_by,
                published_at=timezone.now() if publish else None,
            )
            BlueprintComponent.objects.bulk_create(
                BlueprintComponent(
                    blueprint=blueprint,
                    kind=c.kind,
                    weight=c.weight,
                    minimum=c.minimum,
                    rubric_id=c.rubric_id if c.kind == Kind.INTERVIEW else None,
                )
                for c in components
            )
            audit_record(
                actor=created_by,
                action="blueprint.publish" if publish else "blueprint.create",
                obj=blueprint,
                after=_snapshot(blueprint),
            )
    except IntegrityError as exc:
        raise Conflict(_("另一版本刚刚创建，请重试")) from exc
    return blueprint


def blueprint_publish(*, blueprint_id: int, actor: User) -> Blueprint:
    """Publishes a draft: from now on it is the certification's current version and
    it never changes again. Safe to call twice (a published blueprint is returned as
    it is). Raises NotFound for anyone but the committee."""
    _committee_only(actor)
    with transaction.atomic():
        blueprint = Blueprint.objects.select_for_update().filter(pk=blueprint_id).first()
        if blueprint is None:
            raise NotFound("Not found.")
        if blueprint.published_at is not None:
            return blueprint
        blueprint.published_at = timezone.now()
        blueprint.save(update_fields=["published_at"])
        audit_record(
            actor=actor,
            action="blueprint.publish",
            obj=blueprint,
            before={"published": False},
            after=_snapshot(blueprint),
        )
    return blueprint
