"""A small valid version of each item kind, for the editor to start a new item
from (``training.services.item_rules`` accepts every one)."""

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from training.models import QuestionVersion, Rubric

Kind = QuestionVersion.Kind


def version_example(*, kind: str) -> dict[str, Any]:
    """A small valid version of ``kind`` (stem, data, key, feedback, points) to start
    a new item from. A rubric item names the first rubric there is (none: null,
    which the author must then fill in). Raises ValueError for an unknown kind."""
    if kind not in Kind.values:
        raise ValueError(f"unknown item kind {kind!r}")
    choices = [{"id": "a", "text": "选项 A"}, {"id": "b", "text": "选项 B"}]
    rule = {"match": "ci", "value": "答案", "fraction": 1.0}
    test = {"name": "example", "call": "solve(1)", "expected": "2"}
    rubric = Rubric.objects.order_by("pk").values_list("pk", flat=True).first()
    parts: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {
        Kind.SINGLE_CHOICE: (
            _("题干"),
            {"choices": choices, "shuffle": True},
            {"fractions": {"a": 1.0}},
        ),
        Kind.MULTIPLE_CHOICE: (
            _("题干"),
            {"choices": choices, "shuffle": True},
            {"fractions": {"a": 0.5, "b": 0.5}},
        ),
        Kind.TRUE_FALSE: (_("题干"), {}, {"correct": True}),
        Kind.FILL_IN: (_("题干") + " [[1]]", {"blanks": ["1"]}, {"blanks": {"1": [rule]}}),
        Kind.MATCHING: (
            _("题干"),
            {
                "prompts": [{"id": "p1", "text": "提示"}],
                "options": [{"id": "o1", "text": "选项 1"}, {"id": "o2", "text": "选项 2"}],
            },
            {"pairs": {"p1": "o1"}},
        ),
        Kind.ORDERING: (
            _("题干"),
            {"items": [{"id": "i1", "text": "第一步"}, {"id": "i2", "text": "第二步"}]},
            {"order": ["i1", "i2"]},
        ),
        Kind.SHORT_ANSWER: (_("题干"), {}, {"model_answer": "", "rubric": rubric}),
        Kind.CASE_ANALYSIS: (_("题干"), {}, {"model_answer": "", "rubric": rubric}),
        Kind.PROGRAMMING: (
            "实现 `solve(x)`：返回 x + 1。",
            {
                "language": "python",
                "starter": "def solve(x):\n    ...\n",
                "sample_tests": [test],
            },
            {"tests": [{**test, "weight": 1}], "time_limit": 10},
        ),
        Kind.DESCRIPTION: ("说明", {}, {}),
    }
    stem, data, key = parts[kind]
    return {
        "stem": stem,
        "data": data,
        "key": key,
        "feedback": {"general": ""},
        "points": Decimal(0) if kind == Kind.DESCRIPTION else Decimal(1),
    }
