"""Scoring of objective items (single choice, fill-in). Pure functions of the item's
key and the candidate's response: no database, no side effects."""

from decimal import Decimal
from typing import Any

from config.errors import ApplicationError
from training.models import Question


class InvalidResponse(ApplicationError):
    code = "invalid_response"


def response_validate(*, question: Question, response: Any) -> dict[str, Any]:
    """Returns the response in its canonical shape or raises InvalidResponse.

    single_choice: ``{"choice": <index>}``; fill_in: ``{"text": <string>}``.
    """
    if not isinstance(response, dict):
        raise InvalidResponse("答案格式无效 / The answer must be an object.")
    if question.kind == Question.Kind.SINGLE_CHOICE:
        choice = response.get("choice")
        if not isinstance(choice, int) or isinstance(choice, bool):
            raise InvalidResponse("请选择一个选项 / Choose one option.")
        if not 0 <= choice < len(question.choices):
            raise InvalidResponse("选项不存在 / No such option.")
        return {"choice": choice}
    if question.kind == Question.Kind.FILL_IN:
        text = response.get("text")
        if not isinstance(text, str) or len(text) > 2000:
            raise InvalidResponse("填空答案需为不超过 2000 字的文本 / Text up to 2000 characters.")
        return {"text": text}
    raise InvalidResponse(f"Unsupported item type {question.kind!r}.")


def response_score(*, question: Question, response: dict[str, Any] | None) -> Decimal:
    """Points earned by ``response`` (a validated response, or None when unanswered)."""
    if response is None:
        return Decimal(0)
    key = question.key
    if question.kind == Question.Kind.SINGLE_CHOICE:
        correct = response.get("choice") == key["correct"]
    elif question.kind == Question.Kind.FILL_IN:
        given = " ".join(str(response.get("text", "")).split())
        accepted = [" ".join(a.split()) for a in key["accepted"]]
        if not key.get("case_sensitive", False):
            given, accepted = given.casefold(), [a.casefold() for a in accepted]
        correct = given in accepted
    else:
        correct = False
    return question.points if correct else Decimal(0)
