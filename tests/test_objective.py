from decimal import Decimal

import pytest

from grading.objective import InvalidResponse, response_score, response_validate
from training.models import Question


def single(correct=1, points=2):
    return Question(kind=Question.Kind.SINGLE_CHOICE, stem="?", choices=["a", "b", "c"], key={"correct": correct}, points=Decimal(points))


def fill(accepted, case_sensitive=False):
    return Question(kind=Question.Kind.FILL_IN, stem="?", key={"accepted": accepted, "case_sensitive": case_sensitive}, points=Decimal(1))


def test_single_choice_scores_the_correct_option_only():
    q = single()
    assert response_score(question=q, response={"choice": 1}) == Decimal(2)
    assert response_score(question=q, response={"choice": 0}) == 0
    assert response_score(question=q, response=None) == 0


@pytest.mark.parametrize("given,expected", [("cnn", 1), (" CNN ", 1), ("C N N", 0), ("RNN", 0)])
def test_fill_in_is_case_insensitive_and_trims_whitespace(given, expected):
    assert response_score(question=fill(["CNN"]), response={"text": given}) == expected


def test_fill_in_case_sensitive_when_asked():
    assert response_score(question=fill(["Adam"], case_sensitive=True), response={"text": "adam"}) == 0


@pytest.mark.parametrize("response", [None, [], {"choice": "1"}, {"choice": True}, {"choice": 3}, {"choice": -1}, {}])
def test_invalid_single_choice_responses_are_refused(response):
    with pytest.raises(InvalidResponse):
        response_validate(question=single(), response=response)


def test_fill_in_response_must_be_bounded_text():
    with pytest.raises(InvalidResponse):
        response_validate(question=fill(["x"]), response={"text": "x" * 2001})
    assert response_validate(question=fill(["x"]), response={"text": "x", "extra": 1}) == {"text": "x"}
