from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch

from certification.applications.conflicts import conflicted_candidate_ids, has_conflict
from certification.applications.selectors import application_get_for_candidate
from certification.models import (
    Application,
    Attempt,
    Blueprint,
    BlueprintComponent,
    Decision,
    Interview,
    InterviewRating,
    ManualGrade,
)
from core.errors import NotFound
from core.roles import Role, has_role
from grading.models import Submission

RESULT_PENDING = "pending"


RESULT_COMPLETE = "complete"


RESULT_BORDERLINE = "borderline"


_CENT = Decimal("0.01")


@dataclass(frozen=True)
class ComponentScore:
    """One component of a result: its weight and minimum (from the blueprint), its
    percent when scored, and the feedback the candidate reads."""

    kind: str
    label: str
    weight: Decimal
    minimum: Decimal
    percent: Decimal | None
    feedback: tuple[str, ...] = ()
    note: str = ""

    @property
    def scored(self) -> bool:
        return self.percent is not None

    @property
    def below_minimum(self) -> bool:
        return self.percent is not None and self.percent < self.minimum


@dataclass(frozen=True)
class InterviewScore:
    """The interview's score from its ratings. Two ratings further apart than the
    blueprint's threshold need a third (adjudicating) rating; then the score is the
    mean of the adjudicator's rating and the closer of the first two. Otherwise it
    is the mean of the two."""

    percent: Decimal | None
    ratings: int
    disagreement: Decimal | None
    adjudicated: bool
    awaiting_adjudication: bool
    needs_adjudication: bool


def interview_score(
    *, ratings: list[InterviewRating], interview: Interview | None, threshold: Decimal
) -> InterviewScore:
    """Pure apart from the rows given: ``ratings`` are the interview's current
    (not superseded) ratings."""
    raters = [r.percent for r in ratings if r.role == InterviewRating.Role.RATER]
    third = [r.percent for r in ratings if r.role == InterviewRating.Role.ADJUDICATOR]
    if len(raters) < 2:
        return InterviewScore(None, len(raters), None, False, False, False)
    a, b = raters[0], raters[1]
    gap = abs(a - b)
    if third:
        closer = a if abs(a - third[0]) <= abs(b - third[0]) else b
        return InterviewScore(((third[0] + closer) / 2).quantize(_CENT), 3, gap, True, False, False)
    assigned = interview is not None and interview.adjudicator_id is not None
    if assigned:
        return InterviewScore(None, 2, gap, False, True, False)
    if gap > threshold:
        return InterviewScore(None, 2, gap, False, False, True)
    return InterviewScore(((a + b) / 2).quantize(_CENT), 2, gap, False, False, False)


@dataclass(frozen=True)
class CompositeResult:
    """The composite of one application under its blueprint, derived from the
    components on every read. ``state``: pending (a component is missing or its
    ratings are being adjudicated), complete, or borderline (complete, within the
    blueprint's margin of the cut). ``passed`` applies the rules (cut and minimums);
    the committee's decision is ``decision``. ``adjudication_reason``: why a third
    rater is due but not assigned yet ("disagreement" between the two ratings, or a
    "borderline" composite; "" when none is due); ``adjudicating``: assigned, rating
    outstanding."""

    application: Application
    blueprint: Blueprint | None
    components: tuple[ComponentScore, ...]
    written_attempt: Attempt | None
    practical_submission: Submission | None
    interview: Interview | None
    written_percent: Decimal | None
    practical_percent: Decimal | None
    interview_percent: Decimal | None
    composite: Decimal | None
    passed: bool | None
    state: str
    adjudication_reason: str = ""
    adjudicating: bool = False
    decision: Decision | None = None

    @property
    def adjudication_needed(self) -> bool:
        return bool(self.adjudication_reason)

    @property
    def complete(self) -> bool:
        return self.composite is not None

    @property
    def borderline(self) -> bool:
        return self.state == RESULT_BORDERLINE

    @property
    def cut_score(self) -> Decimal | None:
        return self.blueprint.cut_score if self.blueprint else None

    def component(self, kind: str) -> ComponentScore | None:
        return next((c for c in self.components if c.kind == kind), None)

    def snapshot(self) -> dict[str, Any]:
        """The result as JSON, recorded with each decision."""
        return {
            "blueprint": self.blueprint.version if self.blueprint else None,
            "state": self.state,
            "composite": str(self.composite) if self.composite is not None else None,
            "passed": self.passed,
            "components": {
                c.kind: {
                    "percent": str(c.percent) if c.percent is not None else None,
                    "weight": str(c.weight),
                    "minimum": str(c.minimum),
                }
                for c in self.components
            },
        }


def _pick_blueprint(published: list[Blueprint], application: Application) -> Blueprint | None:
    """The version current when the application was approved; the first published
    version when none was published by then (rules set after approval)."""
    if not published:
        return None
    moment = application.reviewed_at or application.created_at
    current = [b for b in published if b.published_at and b.published_at <= moment]
    if current:
        return max(current, key=lambda b: b.version)
    return min(published, key=lambda b: b.version)


def blueprints_for_applications(applications: list[Application]) -> dict[int, Blueprint | None]:
    """Application id → the blueprint version it is evaluated against (or None), with
    the components and their rubrics; two queries for any number of applications."""
    published: dict[int, list[Blueprint]] = {}
    for row in Blueprint.objects.filter(
        certification_id__in={a.certification_id for a in applications},
        published_at__isnull=False,
    ).prefetch_related(
        Prefetch("components", queryset=BlueprintComponent.objects.select_related("rubric"))
    ):
        published.setdefault(row.certification_id, []).append(row)
    return {a.pk: _pick_blueprint(published.get(a.certification_id, []), a) for a in applications}


def blueprint_for_application(application: Application) -> Blueprint | None:
    """The blueprint version ``application`` is evaluated against (or None)."""
    return blueprints_for_applications([application])[application.pk]


_LABELS: dict[str, str] = {
    BlueprintComponent.Kind.WRITTEN: "笔试 Written exam",
    BlueprintComponent.Kind.PRACTICAL: "实操考核 Practical assessment",
    BlueprintComponent.Kind.INTERVIEW: "面试 Interview",
}


def _results_for(applications: list[Application], *, feedback: bool) -> list[CompositeResult]:
    """Results of many applications in a fixed number of queries."""
    if not applications:
        return []
    app_ids = [a.pk for a in applications]
    blueprints = blueprints_for_applications(applications)
    attempts: dict[int, Attempt] = {}
    for graded in Attempt.objects.filter(
        application_id__in=app_ids, state=Attempt.State.GRADED
    ).order_by("-score", "started_at"):
        assert graded.application_id is not None
        attempts.setdefault(graded.application_id, graded)
    tasks = {a.certification.practical_task_id for a in applications} - {None}
    submissions: dict[tuple[int, int], list[Submission]] = {}
    if tasks:
        for done in Submission.objects.filter(
            candidate_id__in={a.candidate_id for a in applications},
            task_id__in=tasks,
            state=Submission.State.DONE,
            test_score__isnull=False,
        ).order_by("-test_score", "created_at"):
            submissions.setdefault((done.candidate_id, done.task_id), []).append(done)
    rerunning: set[tuple[int, int]] = set()
    if tasks:
        # A committee re-run (after an appeal) makes the practical score pending again.
        rerunning = set(
            Submission.objects.filter(
                candidate_id__in={a.candidate_id for a in applications},
                task_id__in=tasks,
                state__in=[Submission.State.QUEUED, Submission.State.RUNNING],
                rerun_requested_by__isnull=False,
            ).values_list("candidate_id", "task_id")
        )
    interviews: dict[int, Interview] = {}
    for interview in (
        Interview.objects.filter(application_id__in=app_ids, state=Interview.State.BOOKED)
        .select_related("slot")
        .prefetch_related(
            Prefetch(
                "ratings",
                queryset=InterviewRating.objects.filter(superseded=False).order_by(
                    "rated_at", "pk"
                ),
                to_attr="current_ratings",
            )
        )
    ):
        interviews[interview.application_id] = interview
    decisions: dict[int, Decision] = {}
    for decision in Decision.objects.filter(
        application_id__in=app_ids, set_aside_at__isnull=True
    ).order_by("-decided_at", "-pk"):
        decisions.setdefault(decision.application_id, decision)
    comments: dict[int, list[str]] = {}
    if feedback and attempts:
        for attempt_id, comment in (
            ManualGrade.objects.filter(item__attempt_id__in=[a.pk for a in attempts.values()])
            .exclude(comment="")
            .order_by("item__position")
            .values_list("item__attempt_id", "comment")
        ):
            comments.setdefault(attempt_id, []).append(comment)
    results = []
    for application in applications:
        blueprint = blueprints[application.pk]
        attempt = attempts.get(application.pk)
        task_id = application.certification.practical_task_id
        submission = next(
            (
                s
                for s in submissions.get((application.candidate_id, task_id or 0), [])
                if s.created_at >= application.created_at
            ),
            None,
        )
        if (application.candidate_id, task_id) in rerunning:
            submission = None
        results.append(
            _result(
                application=application,
                blueprint=blueprint,
                attempt=attempt,
                submission=submission,
                interview=interviews.get(application.pk),
                decision=decisions.get(application.pk),
                written_comments=comments.get(attempt.pk, []) if attempt else [],
            )
        )
    return results


def _result(
    *,
    application: Application,
    blueprint: Blueprint | None,
    attempt: Attempt | None,
    submission: Submission | None,
    interview: Interview | None,
    decision: Decision | None,
    written_comments: list[str],
) -> CompositeResult:
    written = attempt.percent if attempt else None
    practical = None
    if submission is not None and submission.test_score is not None:
        practical = (Decimal(str(submission.test_score)) * 100).quantize(_CENT)
    ratings: list[InterviewRating] = getattr(interview, "current_ratings", []) if interview else []
    threshold = blueprint.rater_threshold if blueprint else Decimal(0)
    spoken = interview_score(ratings=ratings, interview=interview, threshold=threshold)
    components: list[ComponentScore] = []
    for part in blueprint.components.all() if blueprint else []:
        if part.kind == BlueprintComponent.Kind.WRITTEN:
            lines = [f"{attempt.score} / {attempt.max_score}"] if attempt else []
            components.append(
                ComponentScore(
                    part.kind,
                    _LABELS[part.kind],
                    part.weight,
                    part.minimum,
                    written,
                    tuple(lines + written_comments),
                )
            )
        elif part.kind == BlueprintComponent.Kind.PRACTICAL:
            lines = []
            if submission is not None:
                verdict = "通过 passed" if submission.passed else "未通过 not passed"
                lines.append(f"{submission.get_verdict_display()} · {verdict}")
            components.append(
                ComponentScore(
                    part.kind,
                    _LABELS[part.kind],
                    part.weight,
                    part.minimum,
                    practical,
                    tuple(lines),
                )
            )
        else:
            note = ""
            if spoken.awaiting_adjudication or spoken.needs_adjudication:
                note = "第三评分员仲裁中 / With a third rater"
            components.append(
                ComponentScore(
                    part.kind,
                    _LABELS[part.kind],
                    part.weight,
                    part.minimum,
                    spoken.percent,
                    tuple(r.comment for r in ratings if r.comment),
                    note,
                )
            )
    weighted = [c for c in components if c.weight > 0]
    composite: Decimal | None = None
    passed: bool | None = None
    state = RESULT_PENDING
    adjudication_reason = "disagreement" if spoken.needs_adjudication else ""
    if blueprint is not None and weighted and all(c.scored for c in weighted):
        total_weight = sum((c.weight for c in weighted), Decimal(0))
        weighted_sum = sum((c.weight * (c.percent or 0) for c in weighted), Decimal(0))
        composite = (weighted_sum / total_weight).quantize(_CENT)
        near_cut = abs(composite - blueprint.cut_score) <= blueprint.borderline_margin
        has_interview = any(c.kind == BlueprintComponent.Kind.INTERVIEW for c in weighted)
        if near_cut and has_interview and not spoken.adjudicated:
            # A borderline composite sends the interview to a third rater first.
            adjudication_reason = "borderline"
            composite = None
        else:
            passed = composite >= blueprint.cut_score and not any(c.below_minimum for c in weighted)
            state = RESULT_BORDERLINE if near_cut else RESULT_COMPLETE
    return CompositeResult(
        application=application,
        blueprint=blueprint,
        components=tuple(components),
        written_attempt=attempt,
        practical_submission=submission,
        interview=interview,
        written_percent=written,
        practical_percent=practical,
        interview_percent=spoken.percent,
        composite=composite,
        passed=passed,
        state=state,
        adjudication_reason=adjudication_reason,
        adjudicating=spoken.awaiting_adjudication,
        decision=decision,
    )


def result_for_application(application: Application) -> CompositeResult:
    """The composite of ``application`` under its blueprint version. Written: the best
    graded attempt. Practical: the best finished submission's hidden-set score.
    Interview: the current ratings (see ``InterviewScore``). The composite exists only
    when every weighted component has a score and no adjudication is outstanding."""
    return _results_for([application], feedback=True)[0]


def result_for_candidate(*, candidate: Any, application_id: int) -> CompositeResult:
    """The candidate's own result with the breakdown and feedback; NotFound otherwise."""
    application = application_get_for_candidate(candidate=candidate, application_id=application_id)
    return result_for_application(application)


def results_for_committee(
    *,
    reviewer: Any,
    certification: str = "",
    offset: int = 0,
    limit: int | None = None,
) -> list[CompositeResult]:
    """Approved applications' results for the committee, oldest first, without the
    reviewer's own and the candidates the reviewer has a conflict with. A page with
    ``limit``; every result costs nothing extra (a fixed number of queries)."""
    if not has_role(reviewer, Role.COMMITTEE):
        raise NotFound("Not found.")
    applications = (
        Application.objects.filter(state=Application.State.APPROVED)
        .exclude(candidate_id__in=conflicted_candidate_ids(staff=reviewer))
        .select_related("certification", "candidate")
        .prefetch_related("certificate")
        .order_by("created_at", "pk")
    )
    if certification:
        applications = applications.filter(certification__slug=certification)
    page = applications[offset : offset + limit] if limit is not None else applications
    return _results_for(list(page), feedback=False)


def result_get_for_committee(*, reviewer: Any, application_id: int) -> CompositeResult:
    """One approved application's result, with feedback, for a committee member
    without a conflict; NotFound otherwise."""
    if not has_role(reviewer, Role.COMMITTEE):
        raise NotFound("Not found.")
    application = (
        Application.objects.filter(pk=application_id, state=Application.State.APPROVED)
        .select_related("certification", "candidate")
        .first()
    )
    if application is None or has_conflict(staff=reviewer, candidate=application.candidate_id):
        raise NotFound("Not found.")
    return result_for_application(application)
