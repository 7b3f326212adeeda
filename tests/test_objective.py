from decimal import Decimal

import pytest

from grading.objective import InvalidResponse, response_fraction, response_points, response_validate
from training.models import QuestionVersion

Kind = QuestionVersion.Kind
CHOICES = {"choices": [{"id": i, "text": i} for i in "abcd"]}


def v(kind, data=None, key=None, points="2"):
    return QuestionVersion(
        kind=kind, stem="?", data=data or {}, key=key or {}, points=Decimal(points)
    )


def score(version, response):
    return response_fraction(
        version=version, response=response_validate(version=version, response=response)
    )


def test_single_choice_scores_the_chosen_fraction():
    q = v(Kind.SINGLE_CHOICE, CHOICES, {"fractions": {"b": 1, "c": 0.5}})
    assert [score(q, {"choice": c}) for c in "abcd"] == [0, 1, 0.5, 0]
    assert response_points(version=q, response={"choice": "c"}) == Decimal("1.00")
    assert response_fraction(version=q, response=None) == 0


def test_multiple_choice_partial_credit_never_below_zero():
    q = v(Kind.MULTIPLE_CHOICE, CHOICES, {"fractions": {"a": 0.5, "b": 0.5, "c": -1, "d": -1}})
    assert score(q, {"choices": ["a", "b"]}) == 1
    assert score(q, {"choices": ["a"]}) == 0.5
    assert score(q, {"choices": ["a", "c"]}) == 0
    assert score(q, {"choices": ["c", "d"]}) == 0
    assert score(q, {"choices": []}) == 0
    assert response_validate(version=q, response={"choices": ["b", "a", "a"]}) == {
        "choices": ["a", "b"]
    }


def test_true_false():
    q = v(Kind.TRUE_FALSE, key={"correct": False})
    assert score(q, {"value": False}) == 1 and score(q, {"value": True}) == 0


@pytest.mark.parametrize(
    "rule,answer,expected",
    [
        ({"match": "exact", "value": "CNN"}, "CNN", 1),
        ({"match": "exact", "value": "CNN"}, "cnn", 0),
        ({"match": "ci", "value": "CNN"}, " cnn ", 1),
        ({"match": "regex", "value": r"[Cc]onv(olutional)?"}, "Convolutional", 1),
        ({"match": "regex", "value": r"[Cc]onv"}, "Convolutional", 0),
        ({"match": "regex", "value": "("}, "(", 0),
        ({"match": "numeric", "value": "3.14", "tolerance": 0.01}, "3.15", 1),
        ({"match": "numeric", "value": "3.14", "tolerance": 0.01}, "3.2", 0),
        ({"match": "numeric", "value": "3.14", "tolerance": 0.01}, "3,141", 1),
        ({"match": "numeric", "min": 1, "max": 5, "value": ""}, "5", 1),
        ({"match": "numeric", "min": 1, "max": 5, "value": ""}, "5.01", 0),
        ({"match": "numeric", "value": "1"}, "nan", 0),
        ({"match": "numeric", "value": "1"}, "one", 0),
    ],
)
def test_fill_in_rules(rule, answer, expected):
    q = v(Kind.FILL_IN, {"blanks": ["1"]}, {"blanks": {"1": [rule]}})
    assert score(q, {"blanks": {"1": answer}}) == expected


def test_fill_in_several_blanks_and_partial_rules():
    q = v(
        Kind.FILL_IN,
        {"blanks": ["1", "2"]},
        {
            "blanks": {
                "1": [
                    {"match": "ci", "value": "CNN"},
                    {"match": "ci", "value": "convnet", "fraction": 0.5},
                ],
                "2": [{"match": "numeric", "value": "64"}],
            }
        },
    )
    assert score(q, {"blanks": {"1": "cnn", "2": "64"}}) == 1
    assert score(q, {"blanks": {"1": "ConvNet", "2": "64"}}) == 0.75
    assert score(q, {"blanks": {"2": "64"}}) == 0.5


def test_matching_and_ordering_give_partial_credit():
    m = v(
        Kind.MATCHING,
        {"prompts": [{"id": "p1"}, {"id": "p2"}], "options": [{"id": "o1"}, {"id": "o2"}]},
        {"pairs": {"p1": "o1", "p2": "o2"}},
    )
    assert score(m, {"pairs": {"p1": "o1", "p2": "o1"}}) == 0.5
    o = v(
        Kind.ORDERING,
        {"items": [{"id": "x"}, {"id": "y"}, {"id": "z"}, {"id": "w"}]},
        {"order": ["x", "y", "z", "w"]},
    )
    assert score(o, {"order": ["x", "y", "w", "z"]}) == 0.5
    assert score(o, {"order": ["x", "y", "z", "w"]}) == 1


def test_manual_and_programming_items_are_not_scored_automatically():
    for kind, response in [
        (Kind.SHORT_ANSWER, {"text": "x"}),
        (Kind.CASE_ANALYSIS, {"text": "x"}),
        (Kind.PROGRAMMING, {"code": "x"}),
    ]:
        assert score(v(kind), response) is None
    assert response_fraction(version=v(Kind.DESCRIPTION, points="0"), response=None) == 0


@pytest.mark.parametrize(
    "kind,data,response",
    [
        (Kind.SINGLE_CHOICE, CHOICES, {"choice": "z"}),
        (Kind.SINGLE_CHOICE, CHOICES, {"choice": 1}),
        (Kind.SINGLE_CHOICE, CHOICES, ["a"]),
        (Kind.MULTIPLE_CHOICE, CHOICES, {"choices": ["a", "z"]}),
        (Kind.MULTIPLE_CHOICE, CHOICES, {"choices": "a"}),
        (Kind.TRUE_FALSE, {}, {"value": "true"}),
        (Kind.FILL_IN, {"blanks": ["1"]}, {"blanks": {"2": "x"}}),
        (Kind.FILL_IN, {"blanks": ["1"]}, {"blanks": {"1": "x" * 2001}}),
        (
            Kind.MATCHING,
            {"prompts": [{"id": "p"}], "options": [{"id": "o"}]},
            {"pairs": {"p": "q"}},
        ),
        (Kind.ORDERING, {"items": [{"id": "x"}, {"id": "y"}]}, {"order": ["x", "x"]}),
        (Kind.ORDERING, {"items": [{"id": "x"}, {"id": "y"}]}, {"order": ["x"]}),
        (Kind.SHORT_ANSWER, {}, {"text": 5}),
        (Kind.DESCRIPTION, {}, {"text": "x"}),
    ],
)
def test_tampered_or_malformed_responses_are_refused(kind, data, response):
    with pytest.raises(InvalidResponse):
        response_validate(version=v(kind, data), response=response)


def test_catastrophic_regex_is_bounded():
    q = v(
        Kind.FILL_IN, {"blanks": ["1"]}, {"blanks": {"1": [{"match": "regex", "value": "(a+)+$"}]}}
    )
    assert score(q, {"blanks": {"1": "a" * 1000 + "!"}}) == 0
