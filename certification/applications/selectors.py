from django.contrib.auth.models import User
from django.db.models import OuterRef, QuerySet, Subquery

from certification.models import Application, Blueprint, BlueprintComponent, Certification
from core.errors import NotFound


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
