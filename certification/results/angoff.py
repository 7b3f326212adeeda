"""Angoff standard setting: a study of an exam's items, judges' estimates in rounds,
and the cut score it proposes for a new blueprint version."""

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext

from certification.audit.services import audit_record
from certification.models import (
    AngoffEstimate,
    AngoffStudy,
    Attempt,
    Blueprint,
    Certification,
    Exam,
    ExamItem,
)
from certification.results.blueprints import ComponentSpec, Kind, _committee_only, blueprint_create
from certification.results.selectors import blueprint_current
from core.errors import ApplicationError, Conflict, NotFound
from core.roles import Role, has_role
from training.models import QuestionVersion


def angoff_study_create(*, exam: Exam, title: str, created_by: User) -> AngoffStudy:
    """Opens a study of ``exam``'s fixed items, in round 1. Committee only."""
    _committee_only(created_by)
    if not title.strip():
        raise ApplicationError(gettext("请填写名称"))
    with transaction.atomic():
        study = AngoffStudy.objects.create(exam=exam, title=title.strip(), created_by=created_by)
        audit_record(actor=created_by, action="angoff.create", obj=study, after={"exam": exam.pk})
    return study


def _judge(user: User) -> None:
    if not (has_role(user, Role.COMMITTEE) or has_role(user, Role.EXAMINER)):
        raise NotFound("Not found.")


def angoff_study_get(*, viewer: User, study_id: int) -> AngoffStudy:
    """The study for a judge (committee member or examiner); NotFound otherwise."""
    _judge(viewer)
    study = AngoffStudy.objects.select_related("exam").filter(pk=study_id).first()
    if study is None:
        raise NotFound("Not found.")
    return study


def angoff_items(study: AngoffStudy) -> list[QuestionVersion]:
    """The exam's fixed items (their newest versions), in exam order."""
    items = (
        ExamItem.objects.filter(section__exam_id=study.exam_id)
        .select_related("question")
        .order_by("section__position", "position")
    )
    return [item.question.latest_version() for item in items]


def angoff_estimates_save(
    *, study_id: int, judge: User, estimates: dict[int, Decimal]
) -> list[AngoffEstimate]:
    """Records the judge's estimates (question id → probability 0–1) for the study's
    current round; saving again replaces the judge's earlier estimates of that round.
    Raises NotFound for a non-judge, ApplicationError for a probability out of range
    or a question not in the exam. Safe to call twice."""
    study = angoff_study_get(viewer=judge, study_id=study_id)
    allowed = {version.question_id for version in angoff_items(study)}
    if not set(estimates) <= allowed:
        raise ApplicationError(gettext("题目不属于该考试"))
    if any(not (0 <= Decimal(p) <= 1) for p in estimates.values()):
        raise ApplicationError(gettext("估计值须在 0–1"))
    saved = []
    with transaction.atomic():
        for question_id, probability in sorted(estimates.items()):
            estimate, _ = AngoffEstimate.objects.update_or_create(
                study=study,
                round=study.current_round,
                judge=judge,
                question_id=question_id,
                defaults={"probability": Decimal(probability)},
            )
            saved.append(estimate)
        audit_record(
            actor=judge,
            action="angoff.estimate",
            obj=study,
            after={
                "round": study.current_round,
                "estimates": {str(k): str(v) for k, v in estimates.items()},
            },
        )
    return saved


def angoff_round_next(*, study_id: int, actor: User) -> AngoffStudy:
    """Opens the next round (judges see the previous round's summary and re-estimate).
    Committee only. Each call opens one more round."""
    _committee_only(actor)
    with transaction.atomic():
        updated = AngoffStudy.objects.filter(pk=study_id).update(
            current_round=F("current_round") + 1
        )
        if not updated:
            raise NotFound("Not found.")
        study = AngoffStudy.objects.get(pk=study_id)
        audit_record(
            actor=actor, action="angoff.round", obj=study, after={"round": study.current_round}
        )
    return study


@dataclass(frozen=True)
class AngoffCut:
    """The cut of one round. Each judge's cut is the sum over items of their estimate
    times the item's points; the round's cut is the mean over judges and its standard
    error is the judges' sample standard deviation over the square root of their
    number (None with fewer than two judges)."""

    judges: int
    judge_cuts: list[Decimal]
    max_points: Decimal
    cut_points: Decimal | None
    cut_percent: Decimal | None
    standard_error_points: Decimal | None
    standard_error_percent: Decimal | None


def angoff_compute(
    *, estimates: dict[Any, dict[int, Decimal]], points: dict[int, Decimal]
) -> AngoffCut:
    """Pure: ``estimates`` judge → item → probability; ``points`` item → points. Only
    judges who estimated every item count (a partial sheet would pull the cut down)."""
    max_points = sum(points.values(), Decimal(0))
    complete = {j: e for j, e in estimates.items() if set(points) <= set(e)}
    judge_cuts = [
        sum((Decimal(e[item]) * points[item] for item in points), Decimal(0)).quantize(
            Decimal("0.01")
        )
        for _, e in sorted(complete.items(), key=lambda pair: str(pair[0]))
    ]
    n = len(judge_cuts)
    if n == 0 or max_points == 0:
        return AngoffCut(n, judge_cuts, max_points, None, None, None, None)
    mean = sum(judge_cuts, Decimal(0)) / n
    se: Decimal | None = None
    if n >= 2:
        variance = sum(((c - mean) ** 2 for c in judge_cuts), Decimal(0)) / (n - 1)
        se = Decimal(str(math.sqrt(float(variance)) / math.sqrt(n)))
    q = Decimal("0.01")
    return AngoffCut(
        judges=n,
        judge_cuts=judge_cuts,
        max_points=max_points,
        cut_points=mean.quantize(q),
        cut_percent=(mean * 100 / max_points).quantize(q),
        standard_error_points=se.quantize(q) if se is not None else None,
        standard_error_percent=(se * 100 / max_points).quantize(q) if se is not None else None,
    )


@dataclass(frozen=True)
class AngoffRound:
    round: int
    cut: AngoffCut
    item_means: dict[int, Decimal]
    graded_attempts: int
    would_pass: int

    @property
    def pass_rate(self) -> Decimal | None:
        if not self.graded_attempts:
            return None
        return (Decimal(self.would_pass) * 100 / self.graded_attempts).quantize(Decimal("0.1"))


def angoff_summary(*, study: AngoffStudy) -> list[AngoffRound]:
    """Every round's cut, its standard error, the mean estimate per item, and the
    impact: how many past graded attempts of the exam would pass at that cut (their
    percent at or above the cut percent). Read-only."""
    versions = angoff_items(study)
    points = {v.question_id: v.points for v in versions}
    by_round: dict[int, dict[int, dict[int, Decimal]]] = {}
    for estimate in AngoffEstimate.objects.filter(study=study).order_by("round", "judge_id"):
        by_round.setdefault(estimate.round, {}).setdefault(estimate.judge_id, {})[
            estimate.question_id
        ] = estimate.probability
    percents = [
        a.percent
        for a in Attempt.objects.filter(
            exam_id=study.exam_id, state=Attempt.State.GRADED, max_score__gt=0
        ).only("score", "max_score")
    ]
    rounds = []
    for number in range(1, study.current_round + 1):
        estimates = by_round.get(number, {})
        cut = angoff_compute(estimates=estimates, points=points)
        item_means = {}
        for question_id in points:
            values = [e[question_id] for e in estimates.values() if question_id in e]
            if values:
                item_means[question_id] = (sum(values, Decimal(0)) / len(values)).quantize(
                    Decimal("0.001")
                )
        would_pass = (
            sum(1 for p in percents if p is not None and p >= cut.cut_percent)
            if cut.cut_percent is not None
            else 0
        )
        rounds.append(AngoffRound(number, cut, item_means, len(percents), would_pass))
    return rounds


def angoff_apply(*, study_id: int, round_number: int, actor: User) -> Blueprint:
    """Drafts the next blueprint version of the certification whose written exam is the
    study's exam, identical to the current one but with the round's cut percent as the
    written component's minimum. The committee still publishes it. Raises Conflict
    when the round has no cut or no certification uses the exam with a written
    component. Each call drafts a new version."""
    _committee_only(actor)
    study = angoff_study_get(viewer=actor, study_id=study_id)
    rounds = {r.round: r for r in angoff_summary(study=study)}
    chosen = rounds.get(round_number)
    if chosen is None or chosen.cut.cut_percent is None:
        raise Conflict(gettext("该轮没有完整的估计"))
    certification = Certification.objects.filter(written_exam_id=study.exam_id).first()
    current = blueprint_current(certification=certification) if certification else None
    if certification is None or current is None:
        raise Conflict(gettext("没有使用该考试的认证蓝图"))
    components = [
        ComponentSpec(
            kind=c.kind,
            weight=c.weight,
            minimum=chosen.cut.cut_percent if c.kind == Kind.WRITTEN else c.minimum,
            rubric_id=c.rubric_id,
        )
        for c in current.components.all()
    ]
    if not any(c.kind == Kind.WRITTEN for c in components):
        raise Conflict(gettext("当前蓝图没有笔试"))
    return blueprint_create(
        certification=certification,
        created_by=actor,
        cut_score=current.cut_score,
        components=components,
        borderline_margin=current.borderline_margin,
        rater_threshold=current.rater_threshold,
        appeal_window_days=current.appeal_window_days,
        note=f"Angoff study {study.pk} round {round_number}: written minimum "
        f"{chosen.cut.cut_percent} (SE {chosen.cut.standard_error_percent}).",
    )
