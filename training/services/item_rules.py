"""The rules an item version must keep, by kind: what grading relies on when it
reads a version's JSON (grading/objective.py, grading/programming.py,
certification/exams/manual_grading.py). ``version_validate`` lists every problem;
``training.services.item_examples.version_example`` gives a valid version of each
kind to start from."""

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, TypeGuard

from django.utils.translation import gettext

from core.errors import ApplicationError
from training.models import Category, Question, QuestionVersion, Rubric, Tag

Kind = QuestionVersion.Kind
MAX_POINTS = Decimal("9999.99")  # QuestionVersion.points: 6 digits, 2 decimals
MAX_TIME_LIMIT = 300  # seconds a programming item's hidden tests may run
NAME_MAX: int = Question._meta.get_field("name").max_length  # type: ignore[assignment]
TAG_MAX: int = Tag._meta.get_field("name").max_length  # type: ignore[assignment]
CATEGORY_NAME_MAX: int = Category._meta.get_field("name").max_length  # type: ignore[assignment]
RULE_MATCHES = ("exact", "ci", "regex", "numeric")
CHOICE_KINDS = frozenset({Kind.SINGLE_CHOICE, Kind.MULTIPLE_CHOICE})
_EPSILON = 1e-6


@dataclass(frozen=True)
class ItemProblem:
    """One thing wrong with an item: the form field it belongs to (``name``,
    ``category``, ``tags``, ``kind``, ``stem``, ``data``, ``key``, ``feedback`` or
    ``points``) and a bilingual reason."""

    field: str
    reason: str


class ItemInvalid(ApplicationError):
    """The item breaks a rule; ``problems`` lists every one. Nothing was written."""

    code = "item_invalid"

    def __init__(self, problems: Sequence[ItemProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__(
            gettext("题目有误，未保存"),
            extra={"problems": [{"field": p.field, "reason": p.reason} for p in self.problems]},
        )


# --- Validation -----------------------------------------------------------------


class ProblemList:
    """Collects problems as they are found: ``add(field, chinese, english)``."""

    def __init__(self) -> None:
        self.found: list[ItemProblem] = []

    def add(self, field: str, zh: str, en: str) -> None:
        self.found.append(ItemProblem(field, f"{zh} / {en}"))


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _object(out: ProblemList, field: str, value: Any) -> dict[str, Any] | None:
    if isinstance(value, dict):
        return value
    out.add(field, "必须是 JSON 对象 {…}", "must be a JSON object {…}")
    return None


def _entries(
    out: ProblemList, field: str, data: dict[str, Any], name: str, *, least: int
) -> list[str] | None:
    """The ids of ``data[name]``, a list of ``{"id", "text"}``; None when it is not one."""
    entries = data.get(name)
    if not isinstance(entries, list):
        out.add(field, f"缺少列表 {name}", f"{name} must be a list")
        return None
    ids: list[str] = []
    for position, entry in enumerate(entries, start=1):
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("id"), str)
            or not entry["id"].strip()
        ):
            out.add(
                field,
                f"{name} 第 {position} 项需要非空字符串 id",
                f"{name} entry {position} needs a non-empty string id",
            )
            return None
        if not isinstance(entry.get("text"), str):
            out.add(
                field,
                f"{name} 中 {entry['id']} 需要字符串 text",
                f"{name} entry {entry['id']} needs a string text",
            )
        ids.append(entry["id"])
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        out.add(
            field,
            f"{name} 的 id 重复：{', '.join(duplicates)}",
            f"{name} ids repeat: {', '.join(duplicates)}",
        )
    if len(ids) < least:
        out.add(field, f"{name} 至少需要 {least} 项", f"{name} needs at least {least} entries")
    return ids


def _choices(out: ProblemList, kind: str, data: dict[str, Any], key: dict[str, Any]) -> set[str]:
    ids = _entries(out, "data", data, "choices", least=2)
    if "shuffle" in data and not isinstance(data["shuffle"], bool):
        out.add("data", "shuffle 必须是 true 或 false", "shuffle must be true or false")
    fractions = key.get("fractions")
    if not isinstance(fractions, dict):
        out.add(
            "key",
            "缺少对象 fractions {选项 id: 得分比例}",
            "fractions must be an object {id: fraction}",
        )
        return set(ids or ())
    if ids is not None:
        unknown = sorted(set(fractions) - set(ids))
        if unknown:
            out.add(
                "key",
                f"fractions 含有不存在的选项：{', '.join(unknown)}",
                f"fractions name choices that do not exist: {', '.join(unknown)}",
            )
    values = list(fractions.values())
    if not all(_is_number(v) and -1 <= v <= 1 for v in values):
        out.add(
            "key", "每个得分比例必须是 -1 到 1 的数", "each fraction must be a number from -1 to 1"
        )
        return set(ids or ())
    if kind == Kind.SINGLE_CHOICE and not any(abs(v - 1) < _EPSILON for v in values):
        out.add(
            "key", "单选题需要一个得分比例为 1 的选项", "a single choice needs a choice worth 1"
        )
    if kind == Kind.MULTIPLE_CHOICE and sum(v for v in values if v > 0) < 1 - _EPSILON:
        out.add(
            "key",
            "正得分比例之和必须至少为 1，否则无人能得满分",
            "the positive fractions must add up to at least 1, or nobody can earn full marks",
        )
    return set(ids or ())


def _blank_rule(out: ProblemList, blank: str, position: int, rule: Any) -> float:
    """The rule's fraction (0 for a broken rule), after reporting what is wrong."""
    where_zh, where_en = f"空 {blank} 第 {position} 条规则", f"blank {blank} rule {position}"
    if not isinstance(rule, dict) or rule.get("match") not in RULE_MATCHES:
        out.add(
            "key",
            f"{where_zh}：match 必须是 {' | '.join(RULE_MATCHES)}",
            f"{where_en}: match must be one of {' | '.join(RULE_MATCHES)}",
        )
        return 0.0
    fraction = rule.get("fraction", 1.0)
    if not _is_number(fraction) or not -1 <= fraction <= 1:
        out.add(
            "key",
            f"{where_zh}：fraction 必须是 -1 到 1 的数",
            f"{where_en}: fraction must be -1 to 1",
        )
        return 0.0
    match, value = rule["match"], rule.get("value")
    if match in ("exact", "ci", "regex") and (not isinstance(value, str) or not value.strip()):
        out.add("key", f"{where_zh}：value 必须是非空字符串", f"{where_en}: value must be a text")
        return 0.0
    if match == "regex":
        try:
            re.compile(str(value))
        except re.error as error:
            out.add(
                "key",
                f"{where_zh}：正则表达式无效（{error}）",
                f"{where_en}: the regular expression does not compile ({error})",
            )
            return 0.0
    if match == "numeric":
        return _numeric_rule(out, where_zh, where_en, rule, float(fraction))
    return float(fraction)


def _numeric_rule(
    out: ProblemList, where_zh: str, where_en: str, rule: dict[str, Any], fraction: float
) -> float:
    low, high = rule.get("min"), rule.get("max")
    if low is not None or high is not None:
        if not (_is_number(low) and _is_number(high) and low <= high):
            out.add(
                "key",
                f"{where_zh}：范围需要数值 min ≤ max",
                f"{where_en}: a range needs numbers min ≤ max",
            )
            return 0.0
        return fraction
    try:
        number = float(str(rule.get("value")).replace(",", "."))
    except ValueError:
        number = math.nan
    tolerance = rule.get("tolerance") or 0
    if not math.isfinite(number) or not _is_number(tolerance) or tolerance < 0:
        out.add(
            "key",
            f"{where_zh}：需要数值 value 和非负的 tolerance，或 min 与 max",
            f"{where_en}: give a numeric value and a tolerance ≥ 0, or min and max",
        )
        return 0.0
    return fraction


def _fill_in(out: ProblemList, data: dict[str, Any], key: dict[str, Any], stem: str | None) -> None:
    names = data.get("blanks")
    if (
        not isinstance(names, list)
        or not names
        or not all(isinstance(n, str) and n.strip() for n in names)
        or len(set(names)) != len(names)
    ):
        out.add(
            "data",
            'blanks 必须是不重复的非空字符串列表，如 ["1", "2"]',
            'blanks must be a list of distinct non-empty strings, e.g. ["1", "2"]',
        )
        names = None
    rules = key.get("blanks")
    if not isinstance(rules, dict):
        out.add("key", "缺少对象 blanks {空: [规则]}", "blanks must be an object {blank: [rules]}")
        return
    if names is not None:
        if set(rules) != set(names):
            out.add(
                "key",
                "key 的 blanks 必须与 data 的 blanks 一一对应",
                "the key's blanks must be exactly the data's blanks",
            )
        if stem is not None:
            for name in names:
                if f"[[{name}]]" not in stem:
                    out.add(
                        "stem",
                        f"题干中没有空 [[{name}]] 的位置",
                        f"the stem has no place [[{name}]] for blank {name}",
                    )
    for name, blank_rules in rules.items():
        if not isinstance(blank_rules, list) or not blank_rules:
            out.add("key", f"空 {name} 没有任何规则", f"blank {name} has no rule")
            continue
        fractions = [_blank_rule(out, name, i, r) for i, r in enumerate(blank_rules, start=1)]
        if max(fractions) <= 0:
            out.add("key", f"空 {name} 没有可得分的答案", f"no answer to blank {name} earns credit")


def _matching(out: ProblemList, data: dict[str, Any], key: dict[str, Any]) -> None:
    prompts = _entries(out, "data", data, "prompts", least=1)
    options = _entries(out, "data", data, "options", least=2)
    pairs = key.get("pairs")
    if not isinstance(pairs, dict):
        out.add(
            "key", "缺少对象 pairs {提示 id: 选项 id}", "pairs must be an object {prompt: option}"
        )
        return
    if prompts is not None and set(pairs) != set(prompts):
        out.add(
            "key",
            "pairs 必须为每个提示各给一个答案",
            "pairs must give one answer for every prompt, and only for prompts",
        )
    if options is not None and not all(o in options for o in pairs.values()):
        out.add("key", "pairs 含有不存在的选项", "pairs name options that do not exist")


def _ordering(out: ProblemList, data: dict[str, Any], key: dict[str, Any]) -> None:
    items = _entries(out, "data", data, "items", least=2)
    order = key.get("order")
    if not isinstance(order, list) or not all(isinstance(i, str) for i in order):
        out.add("key", "order 必须是 id 列表", "order must be a list of ids")
        return
    if items is not None and sorted(order) != sorted(items):
        out.add(
            "key",
            "order 必须恰好包含每一项一次",
            "order must hold every item exactly once",
        )


def _manual(out: ProblemList, key: dict[str, Any], *, rubric_required: bool) -> None:
    if not isinstance(key.get("model_answer", ""), str):
        out.add("key", "model_answer 必须是字符串", "model_answer must be a text")
    rubric = key.get("rubric")
    if rubric is None and not rubric_required:
        return
    if (
        not isinstance(rubric, int)
        or isinstance(rubric, bool)
        or not Rubric.objects.filter(pk=rubric).exists()
    ):
        out.add(
            "key",
            "rubric 必须是已有评分量表的编号，人工评分需要它",
            "rubric must be the id of an existing rubric: examiners grade with it",
        )


def _tests(out: ProblemList, field: str, tests: Any, *, hidden: bool) -> None:
    name = "tests" if hidden else "sample_tests"
    if not isinstance(tests, list) or (hidden and not tests):
        out.add(
            field,
            f"{name} 必须是{'非空' if hidden else ''}测试列表",
            f"{name} must be a {'non-empty ' if hidden else ''}list of tests",
        )
        return
    seen: set[str] = set()
    for position, test in enumerate(tests, start=1):
        ok = (
            isinstance(test, dict)
            and isinstance(test.get("name"), str)
            and test["name"].strip() != ""
            and isinstance(test.get("call"), str)
            and test["call"].strip() != ""
            and isinstance(test.get("expected"), str)
        )
        if not ok:
            out.add(
                field,
                f"{name} 第 {position} 项需要字符串 name、call 和 expected（期望结果的 repr）",
                f"{name} entry {position} needs string name, call and expected (the result's repr)",
            )
            continue
        if test["name"] in seen:
            out.add(field, f"{name} 的名称重复：{test['name']}", f"{name} repeat: {test['name']}")
        seen.add(test["name"])
        weight = test.get("weight", 1)
        if hidden and (not _is_number(weight) or weight <= 0):
            out.add(
                field,
                f"测试 {test['name']} 的 weight 必须是正数",
                f"test {test['name']}: weight must be a positive number",
            )


def _programming(out: ProblemList, data: dict[str, Any], key: dict[str, Any]) -> None:
    if data.get("language") != "python":
        out.add("data", 'language 必须是 "python"', 'language must be "python"')
    if not isinstance(data.get("starter", ""), str):
        out.add("data", "starter 必须是字符串", "starter must be a text")
    _tests(out, "data", data.get("sample_tests", []), hidden=False)
    _tests(out, "key", key.get("tests"), hidden=True)
    limit = key.get("time_limit", 10)
    if not _is_number(limit) or not 0 < limit <= MAX_TIME_LIMIT:
        out.add(
            "key",
            f"time_limit 必须是 0 到 {MAX_TIME_LIMIT} 秒之间的数",
            f"time_limit must be a number of seconds above 0, at most {MAX_TIME_LIMIT}",
        )


def _feedback(out: ProblemList, kind: str, feedback: dict[str, Any], ids: set[str]) -> None:
    if not isinstance(feedback.get("general", ""), str):
        out.add("feedback", "general 必须是字符串", "general must be a text")
    choices = feedback.get("choices")
    if choices is None:
        return
    if not isinstance(choices, dict) or not all(isinstance(v, str) for v in choices.values()):
        out.add(
            "feedback", "choices 必须是 {id: 文本} 对象", "choices must be an object {id: text}"
        )
        return
    known = {"true", "false"} if kind == Kind.TRUE_FALSE else ids
    unknown = sorted(set(choices) - known)
    if kind in CHOICE_KINDS | {Kind.TRUE_FALSE} and unknown:
        out.add(
            "feedback",
            f"choices 含有不存在的选项：{', '.join(unknown)}",
            f"choices name choices that do not exist: {', '.join(unknown)}",
        )


def points_parse(value: Decimal | str | int) -> Decimal | None:
    """``value`` as a Decimal, or None when it is not a finite number."""
    try:
        points = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return points if points.is_finite() else None


def version_validate(
    *,
    kind: str,
    data: Any,
    key: Any,
    feedback: Any,
    points: Decimal | str | int,
    stem: str | None = None,
    rubric_required: bool = True,
) -> list[ItemProblem]:
    """Every problem with one version's content, each with the field it belongs to;
    an empty list when it can be stored and graded. ``stem``, when given, is checked
    too (non-empty; each fill-in blank marked ``[[name]]``). Reads rubrics only.

    Imports pass ``rubric_required=False``: a file cannot name one of our rubrics,
    so an imported essay waits for its rubric in the editor (a rubric it does name
    must still exist)."""
    out = ProblemList()
    number = points_parse(points)
    if number is None or not Decimal(0) <= number <= MAX_POINTS:
        out.add("points", f"分值必须是 0 到 {MAX_POINTS} 的数", f"points must be 0 to {MAX_POINTS}")
    elif number != number.quantize(Decimal("0.01")):
        out.add("points", "分值最多两位小数", "points take at most two decimals")
    elif kind == Kind.DESCRIPTION and number != 0:
        out.add(
            "points", "说明不计分，分值必须为 0", "a description is not graded: points must be 0"
        )
    if stem is not None and not stem.strip():
        out.add("stem", "题干不能为空", "the stem must not be empty")
    if kind not in Kind.values:
        out.add("kind", f"未知题型 {kind!r}", f"unknown item kind {kind!r}")
        return out.found
    data_obj = _object(out, "data", data)
    key_obj = _object(out, "key", key)
    feedback_obj = _object(out, "feedback", feedback)
    if data_obj is None or key_obj is None:
        return out.found
    ids: set[str] = set()
    if kind in CHOICE_KINDS:
        ids = _choices(out, kind, data_obj, key_obj)
    elif kind == Kind.TRUE_FALSE:
        if not isinstance(key_obj.get("correct"), bool):
            out.add("key", "correct 必须是 true 或 false", "correct must be true or false")
    elif kind == Kind.FILL_IN:
        _fill_in(out, data_obj, key_obj, stem)
    elif kind == Kind.MATCHING:
        _matching(out, data_obj, key_obj)
    elif kind == Kind.ORDERING:
        _ordering(out, data_obj, key_obj)
    elif kind in QuestionVersion.MANUAL_KINDS:
        _manual(out, key_obj, rubric_required=rubric_required)
    elif kind == Kind.PROGRAMMING:
        _programming(out, data_obj, key_obj)
    elif key_obj:
        out.add(
            "key", "说明没有评分规则，key 必须是 {}", "a description is not graded: key must be {}"
        )
    if feedback_obj is not None:
        _feedback(out, kind, feedback_obj, ids)
    return out.found
