"""The rules that turn component scores into a result: the weighted composite, the
per-component minimums, the borderline band around the cut and interview
adjudication. Pure functions over values and rows already loaded (no queries), so
they are tested directly (tests/results/test_scoring.py); the selectors load the rows."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext

from certification.models import (
    Application,
    Attempt,
    Blueprint,
    BlueprintComponent,
    Decision,
    Interview,
    InterviewRating,
)
from grading.models import Submission

RESULT_PENDING = "pending"
RESULT_COMPLETE = "complete"
RESULT_BORDERLINE = "borderline"
CENT = Decimal("0.01")

LABELS: dict[str, str] = {
    BlueprintComponent.Kind.WRITTEN: "笔试 Written exam",
    BlueprintComponent.Kind.PRACTICAL: "实操考核 Practical assessment",
    BlueprintComponent.Kind.INTERVIEW: "面试 Interview",
}


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
        return InterviewScore(((third[0] + closer) / 2).quantize(CENT), 3, gap, True, False, False)
    assigned = interview is not None and interview.adjudicator_id is not None
    if assigned:
        return InterviewScore(None, 2, gap, False, True, False)
    if gap > threshold:
        return InterviewScore(None, 2, gap, False, False, True)
    return InterviewScore(((a + b) / 2).quantize(CENT), 2, gap, False, False, False)


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


@dataclass(frozen=True)
class Outcome:
    """What the rules make of a set of component scores: the composite (None while
    pending), whether it passes, the state, and why a third rater is due ("" if not)."""

    composite: Decimal | None
    passed: bool | None
    state: str
    adjudication_reason: str


def composite_decide(
    *,
    components: Sequence[ComponentScore],
    cut_score: Decimal,
    borderline_margin: Decimal,
    interview: InterviewScore,
) -> Outcome:
    """The composite is the weight-averaged percent of the weighted components, once
    every one of them is scored. It passes when it reaches the cut and no weighted
    component is below its minimum. Within ``borderline_margin`` of the cut it is
    borderline, and an interview not yet adjudicated goes to a third rater first (the
    composite stays pending)."""
    reason = "disagreement" if interview.needs_adjudication else ""
    weighted = [c for c in components if c.weight > 0]
    if not weighted or not all(c.scored for c in weighted):
        return Outcome(None, None, RESULT_PENDING, reason)
    total_weight = sum((c.weight for c in weighted), Decimal(0))
    weighted_sum = sum((c.weight * (c.percent or 0) for c in weighted), Decimal(0))
    composite = (weighted_sum / total_weight).quantize(CENT)
    near_cut = abs(composite - cut_score) <= borderline_margin
    has_interview = any(c.kind == BlueprintComponent.Kind.INTERVIEW for c in weighted)
    if near_cut and has_interview and not interview.adjudicated:
        return Outcome(None, None, RESULT_PENDING, "borderline")
    passed = composite >= cut_score and not any(c.below_minimum for c in weighted)
    return Outcome(composite, passed, RESULT_BORDERLINE if near_cut else RESULT_COMPLETE, reason)


def practical_percent(submission: Submission | None) -> Decimal | None:
    """The hidden-set score of a finished submission as a percent (None if unscored)."""
    if submission is None or submission.test_score is None:
        return None
    return (Decimal(str(submission.test_score)) * 100).quantize(CENT)


def components_score(
    *,
    parts: Sequence[BlueprintComponent],
    attempt: Attempt | None,
    submission: Submission | None,
    ratings: Sequence[InterviewRating],
    spoken: InterviewScore,
    written_comments: Sequence[str],
) -> list[ComponentScore]:
    """One ComponentScore per blueprint part, with the feedback the candidate reads:
    the written score and examiners' comments, the practical verdict, the raters'
    comments."""
    components: list[ComponentScore] = []
    for part in parts:
        label = LABELS[part.kind]
        if part.kind == BlueprintComponent.Kind.WRITTEN:
            lines = [f"{attempt.score} / {attempt.max_score}"] if attempt else []
            percent = attempt.percent if attempt else None
            feedback = tuple(lines) + tuple(written_comments)
            components.append(
                ComponentScore(part.kind, label, part.weight, part.minimum, percent, feedback)
            )
        elif part.kind == BlueprintComponent.Kind.PRACTICAL:
            lines = []
            if submission is not None:
                verdict = "通过 passed" if submission.passed else "未通过 not passed"
                lines.append(f"{submission.get_verdict_display()} · {verdict}")
            percent = practical_percent(submission)
            components.append(
                ComponentScore(part.kind, label, part.weight, part.minimum, percent, tuple(lines))
            )
        else:
            note = ""
            if spoken.awaiting_adjudication or spoken.needs_adjudication:
                note = gettext("第三评分员仲裁中")
            comments = tuple(r.comment for r in ratings if r.comment)
            components.append(
                ComponentScore(
                    part.kind, label, part.weight, part.minimum, spoken.percent, comments, note
                )
            )
    return components


def result_compose(
    *,
    application: Application,
    blueprint: Blueprint | None,
    attempt: Attempt | None,
    submission: Submission | None,
    interview: Interview | None,
    decision: Decision | None,
    written_comments: Sequence[str],
) -> CompositeResult:
    """The result of ``application`` from its loaded rows: the interview's current
    ratings come from ``interview.current_ratings`` (a prefetch), the blueprint's parts
    from ``blueprint.components`` (a prefetch)."""
    ratings: list[InterviewRating] = getattr(interview, "current_ratings", []) if interview else []
    threshold = blueprint.rater_threshold if blueprint else Decimal(0)
    spoken = interview_score(ratings=ratings, interview=interview, threshold=threshold)
    components = components_score(
        parts=list(blueprint.components.all()) if blueprint else [],
        attempt=attempt,
        submission=submission,
        ratings=ratings,
        spoken=spoken,
        written_comments=written_comments,
    )
    if blueprint is None:
        outcome = Outcome(
            None, None, RESULT_PENDING, "disagreement" if spoken.needs_adjudication else ""
        )
    else:
        outcome = composite_decide(
            components=components,
            cut_score=blueprint.cut_score,
            borderline_margin=blueprint.borderline_margin,
            interview=spoken,
        )
    return CompositeResult(
        application=application,
        blueprint=blueprint,
        components=tuple(components),
        written_attempt=attempt,
        practical_submission=submission,
        interview=interview,
        written_percent=attempt.percent if attempt else None,
        practical_percent=practical_percent(submission),
        interview_percent=spoken.percent,
        composite=outcome.composite,
        passed=outcome.passed,
        state=outcome.state,
        adjudication_reason=outcome.adjudication_reason,
        adjudicating=spoken.awaiting_adjudication,
        decision=decision,
    )
