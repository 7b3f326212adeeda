"""Validation and automatic scoring of responses, for every item kind in
docs/items.md. Pure functions of an item version and a response: no database.

``response_validate`` returns the canonical response or raises InvalidResponse (a
tampered choice id, a wrong shape); ``response_fraction`` returns the fraction of
the item's points earned, in [0, 1], or None when a person must grade it.
"""

import math
import re
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from core.errors import ApplicationError
from training.models import QuestionVersion

Kind = QuestionVersion.Kind
MAX_TEXT = 20_000
MAX_CODE = 100_000


class InvalidResponse(ApplicationError):
    code = "invalid_response"


def _ids(entries: list[dict[str, Any]]) -> list[str]:
    return [str(entry["id"]) for entry in entries]


def _text(value: Any, limit: int, what: str) -> str:
    if not isinstance(value, str) or len(value) > limit:
        raise InvalidResponse(f"{what}: text up to {limit} characters / 文本过长或格式错误")
    return value


def response_validate(*, version: QuestionVersion, response: Any) -> dict[str, Any]:
    """The response in canonical shape. Raises InvalidResponse for anything that does
    not fit the item, including ids the item does not have."""
    if not isinstance(response, dict):
        raise InvalidResponse(_("答案格式无效"))
    data, kind = version.data, version.kind
    if kind == Kind.SINGLE_CHOICE:
        choice = response.get("choice")
        if not isinstance(choice, str) or choice not in _ids(data["choices"]):
            raise InvalidResponse(_("选项不存在"))
        return {"choice": choice}
    if kind == Kind.MULTIPLE_CHOICE:
        choices = response.get("choices")
        valid = set(_ids(data["choices"]))
        if not isinstance(choices, list) or not all(
            isinstance(c, str) and c in valid for c in choices
        ):
            raise InvalidResponse(_("选项不存在"))
        return {"choices": sorted(set(choices))}
    if kind == Kind.TRUE_FALSE:
        value = response.get("value")
        if not isinstance(value, bool):
            raise InvalidResponse(_("请选择对或错"))
        return {"value": value}
    if kind == Kind.FILL_IN:
        blanks = response.get("blanks")
        names = [str(b) for b in data["blanks"]]
        if not isinstance(blanks, dict) or not set(blanks) <= set(names):
            raise InvalidResponse(_("填空不存在"))
        return {
            "blanks": {name: _text(blanks[name], 2000, "blank") for name in names if name in blanks}
        }
    if kind == Kind.MATCHING:
        pairs = response.get("pairs")
        prompts, options = set(_ids(data["prompts"])), set(_ids(data["options"]))
        if not isinstance(pairs, dict) or not all(
            p in prompts and isinstance(o, str) and o in options for p, o in pairs.items()
        ):
            raise InvalidResponse(_("匹配项不存在"))
        return {"pairs": dict(sorted(pairs.items()))}
    if kind == Kind.ORDERING:
        order = response.get("order")
        if not isinstance(order, list) or sorted(map(str, order)) != sorted(_ids(data["items"])):
            raise InvalidResponse(_("排序必须包含每一项且仅一次"))
        return {"order": [str(i) for i in order]}
    if kind in (Kind.SHORT_ANSWER, Kind.CASE_ANALYSIS):
        return {"text": _text(response.get("text"), MAX_TEXT, "answer")}
    if kind == Kind.PROGRAMMING:
        return {"code": _text(response.get("code"), MAX_CODE, "code")}
    raise InvalidResponse(_("该题无需作答"))


def response_fraction(*, version: QuestionVersion, response: dict[str, Any] | None) -> float | None:
    """Fraction of the points earned, in [0, 1]. None for items a person grades
    (short answer, case analysis) or that the sandbox grades (programming).
    ``description`` items score 0 and carry no points."""
    kind, key = version.kind, version.key
    if version.is_manual or kind == Kind.PROGRAMMING:
        return None
    if response is None or kind == Kind.DESCRIPTION:
        return 0.0
    if kind == Kind.SINGLE_CHOICE:
        return _clamp(float(key["fractions"].get(response["choice"], 0)))
    if kind == Kind.MULTIPLE_CHOICE:
        return _clamp(sum(float(key["fractions"].get(c, 0)) for c in response["choices"]))
    if kind == Kind.TRUE_FALSE:
        return 1.0 if response["value"] is key["correct"] else 0.0
    if kind == Kind.FILL_IN:
        rules = key["blanks"]
        given = response.get("blanks", {})
        scores = [_blank_fraction(rules[name], given.get(name)) for name in rules]
        return sum(scores) / len(scores) if scores else 0.0
    if kind == Kind.MATCHING:
        pairs = key["pairs"]
        right = sum(1 for p, o in response["pairs"].items() if pairs.get(p) == o)
        return right / len(pairs) if pairs else 0.0
    if kind == Kind.ORDERING:
        order = key["order"]
        right = sum(1 for a, b in zip(response["order"], order, strict=False) if a == b)
        return right / len(order) if order else 0.0
    return 0.0


def response_points(*, version: QuestionVersion, response: dict[str, Any] | None) -> Decimal | None:
    fraction = response_fraction(version=version, response=response)
    if fraction is None:
        return None
    return (version.points * Decimal(str(round(fraction, 6)))).quantize(Decimal("0.01"))


def _clamp(value: float) -> float:
    return max(0.0, min(1.0, value))


def _blank_fraction(rules: list[dict[str, Any]], given: str | None) -> float:
    if given is None:
        return 0.0
    answer = " ".join(given.split())
    best = 0.0
    for rule in rules:
        if _rule_matches(rule, answer):
            best = max(best, float(rule.get("fraction", 1.0)))
    return _clamp(best)


def _rule_matches(rule: dict[str, Any], answer: str) -> bool:
    match = rule.get("match", "exact")
    value = str(rule.get("value", ""))
    if match == "exact":
        return answer == " ".join(value.split())
    if match == "ci":
        return answer.casefold() == " ".join(value.split()).casefold()
    if match == "regex":
        if len(answer) > 500:  # bounds the cost of an instructor's pattern (ReDoS)
            return False
        try:
            return re.fullmatch(value, answer) is not None
        except re.error:
            return False
    if match == "numeric":
        try:
            number = float(answer.replace(",", "."))
        except ValueError:
            return False
        if not math.isfinite(number):
            return False
        if rule.get("min") is not None and rule.get("max") is not None:
            return float(rule["min"]) <= number <= float(rule["max"])
        return abs(number - float(value)) <= float(rule.get("tolerance") or 0)
    return False
