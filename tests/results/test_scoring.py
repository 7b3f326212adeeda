"""The result rules as pure functions (certification.results.scoring): no database."""

from decimal import Decimal

import pytest

from certification.models import BlueprintComponent, Interview, InterviewRating
from certification.results.scoring import (
    RESULT_BORDERLINE,
    RESULT_COMPLETE,
    RESULT_PENDING,
    ComponentScore,
    InterviewScore,
    composite_decide,
    interview_score,
)

Kind = BlueprintComponent.Kind
D = Decimal
CALM = InterviewScore(D(80), 2, D(0), False, False, False)  # two close ratings


def part(kind, percent, *, weight="0.5", minimum="0"):
    return ComponentScore(
        kind, kind, D(weight), D(minimum), None if percent is None else D(percent)
    )


def decide(components, *, cut="70", margin="0", interview=CALM):
    return composite_decide(
        components=components, cut_score=D(cut), borderline_margin=D(margin), interview=interview
    )


def test_the_composite_is_the_weighted_mean_and_passes_at_the_cut():
    outcome = decide([part(Kind.WRITTEN, 60, weight="0.4"), part(Kind.PRACTICAL, 90, weight="0.6")])
    assert (outcome.composite, outcome.passed, outcome.state) == (D("78.00"), True, RESULT_COMPLETE)
    exactly = decide([part(Kind.WRITTEN, 70, weight="1")])
    assert (exactly.composite, exactly.passed) == (D("70.00"), True)


def test_pending_while_a_weighted_component_is_unscored_but_not_for_weight_zero():
    assert decide([part(Kind.WRITTEN, 90), part(Kind.PRACTICAL, None)]).state == RESULT_PENDING
    outcome = decide([part(Kind.WRITTEN, 90, weight="1"), part(Kind.PRACTICAL, None, weight="0")])
    assert (outcome.composite, outcome.passed) == (D("90.00"), True)


def test_a_component_below_its_minimum_fails_a_composite_above_the_cut():
    outcome = decide([part(Kind.WRITTEN, 50, minimum="60"), part(Kind.PRACTICAL, 100)])
    assert (outcome.composite, outcome.passed, outcome.state) == (
        D("75.00"),
        False,
        RESULT_COMPLETE,
    )


def test_within_the_margin_is_borderline_and_an_interview_goes_to_a_third_rater_first():
    without_interview = decide([part(Kind.WRITTEN, 68, weight="1")], margin="3")
    assert (without_interview.state, without_interview.passed) == (RESULT_BORDERLINE, False)
    with_interview = decide(
        [part(Kind.WRITTEN, 70), part(Kind.INTERVIEW, 68)], margin="3", interview=CALM
    )
    assert (with_interview.composite, with_interview.state) == (None, RESULT_PENDING)
    assert with_interview.adjudication_reason == "borderline"
    adjudicated = InterviewScore(D(68), 3, D(20), True, False, False)
    settled = decide(
        [part(Kind.WRITTEN, 70), part(Kind.INTERVIEW, 68)], margin="3", interview=adjudicated
    )
    assert (settled.composite, settled.state, settled.passed) == (
        D("69.00"),
        RESULT_BORDERLINE,
        False,
    )


def test_a_disagreement_is_reported_even_while_pending():
    split = InterviewScore(None, 2, D(30), False, False, True)
    outcome = decide([part(Kind.WRITTEN, 90), part(Kind.INTERVIEW, None)], interview=split)
    assert (outcome.state, outcome.adjudication_reason) == (RESULT_PENDING, "disagreement")


def rating(percent, role=InterviewRating.Role.RATER):
    return InterviewRating(percent=D(percent), role=role)


@pytest.mark.parametrize(
    ("percents", "threshold", "expected", "needs"),
    [
        ([80], "15", None, False),  # one rating: not scored yet
        ([80, 70], "15", D("75.00"), False),  # close: the mean
        ([90, 60], "15", None, True),  # too far apart: a third rater is needed
        ([90, 75], "15", D("82.50"), False),  # exactly at the threshold is still close
    ],
)
def test_interview_score_from_two_ratings(percents, threshold, expected, needs):
    score = interview_score(
        ratings=[rating(p) for p in percents], interview=Interview(), threshold=D(threshold)
    )
    assert (score.percent, score.needs_adjudication) == (expected, needs)


def test_the_adjudicator_averages_with_the_closer_rating():
    ratings = [rating(90), rating(60), rating(80, InterviewRating.Role.ADJUDICATOR)]
    score = interview_score(ratings=ratings, interview=Interview(), threshold=D(15))
    assert (score.percent, score.adjudicated, score.disagreement) == (D("85.00"), True, D(30))


def test_an_assigned_adjudicator_holds_the_score_until_rating():
    waiting = Interview(adjudicator_id=7)
    score = interview_score(ratings=[rating(90), rating(60)], interview=waiting, threshold=D(15))
    assert (score.percent, score.awaiting_adjudication, score.needs_adjudication) == (
        None,
        True,
        False,
    )
