"""Builders shared by the parsers: one place decides the exact JSON of each kind, so
drafts from GIFT, Moodle XML and QTI compare equal when they say the same thing."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from training.interchange import types as t
from training.interchange.errors import ItemError
from training.interchange.types import ItemDraft


@dataclass(frozen=True)
class Common:
    """What every item has besides its kind-specific parts."""

    name: str
    stem: str
    stem_format: str
    general_feedback: str
    line: int
    category: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    points: float | None = None


@dataclass(frozen=True)
class Choice:
    text: str
    fraction: float
    feedback: str = ""


def _draft(
    common: Common,
    kind: str,
    data: dict[str, Any],
    key: dict[str, Any],
    feedback: dict[str, Any],
) -> ItemDraft:
    default_points = 0.0 if kind == t.DESCRIPTION else 1.0
    points = default_points if common.points is None else common.points
    if points < 0:
        raise ItemError(common.line, f"points must not be negative (got {points:g})")
    if kind == t.DESCRIPTION:
        points = 0.0
    name = (common.name.strip() or t.default_name(common.stem))[: t.NAME_MAX]
    return ItemDraft(
        kind=kind,
        name=name,
        stem=common.stem,
        stem_format=common.stem_format,
        data=data,
        key=key,
        feedback={"general": common.general_feedback, **feedback},
        points=points,
        category=common.category,
        tags=common.tags,
        source_line=common.line,
    )


def choice_item(
    common: Common, choices: Sequence[Choice], *, multiple: bool, shuffle: bool = True
) -> ItemDraft:
    """single_choice or multiple_choice. Refuses an item nobody can score on."""
    if len(choices) < 2:
        raise ItemError(common.line, "a choice question needs at least two choices")
    for choice in choices:
        if not -1.0 <= choice.fraction <= 1.0:
            raise ItemError(
                common.line, f"choice {choice.text!r}: weight must be between -100% and 100%"
            )
    if max(c.fraction for c in choices) <= 0:
        raise ItemError(common.line, "no choice is correct (give one '=' or a positive weight)")
    ids = [t.choice_id(i) for i in range(len(choices))]
    data = {
        "choices": [{"id": i, "text": c.text} for i, c in zip(ids, choices, strict=True)],
        "shuffle": shuffle,
    }
    key = {"fractions": {i: c.fraction for i, c in zip(ids, choices, strict=True)}}
    feedback = {"choices": {i: c.feedback for i, c in zip(ids, choices, strict=True) if c.feedback}}
    kind = t.MULTIPLE_CHOICE if multiple else t.SINGLE_CHOICE
    return _draft(common, kind, data, key, feedback)


def true_false_item(
    common: Common, *, correct: bool, if_true: str = "", if_false: str = ""
) -> ItemDraft:
    """``if_true``/``if_false``: the feedback shown to a candidate who answered that."""
    choices = {name: text for name, text in (("true", if_true), ("false", if_false)) if text}
    return _draft(common, t.TRUE_FALSE, {}, {"correct": correct}, {"choices": choices})


def rule(
    match: str,
    value: str = "",
    *,
    fraction: float = 1.0,
    tolerance: float = 0.0,
    low: float | None = None,
    high: float | None = None,
) -> dict[str, Any]:
    return {
        "match": match,
        "value": value,
        "tolerance": tolerance,
        "min": low,
        "max": high,
        "fraction": fraction,
    }


CATCH_ALL = ".*"


def fill_in_item(
    common: Common, blanks: Sequence[Sequence[tuple[dict[str, Any], str]]]
) -> ItemDraft:
    """``blanks``: per blank, its rules each with the feedback for an answer matching
    it. The stem must already mark each blank as ``[[n]]``."""
    names = [str(i + 1) for i in range(len(blanks))]
    for name, rules in zip(names, blanks, strict=True):
        if f"[[{name}]]" not in common.stem:
            raise ItemError(common.line, f"the text has no place for blank {name}")
        if not rules:
            raise ItemError(common.line, f"blank {name} has no accepted answer")
        for r, _ in rules:
            if not -1.0 <= r["fraction"] <= 1.0:
                raise ItemError(common.line, "a weight must be between -100% and 100%")
        if max(r["fraction"] for r, _ in rules) <= 0:
            raise ItemError(common.line, f"blank {name}: no answer earns credit")
    key = {"blanks": {n: [r for r, _ in rules] for n, rules in zip(names, blanks, strict=True)}}
    feedback = {
        "blanks": {n: [f for _, f in rules] for n, rules in zip(names, blanks, strict=True)}
    }
    return _draft(common, t.FILL_IN, {"blanks": names}, key, feedback)


def matching_item(
    common: Common, pairs: Sequence[tuple[str, str]], *, shuffle: bool = True
) -> ItemDraft:
    """``pairs``: (prompt, option); an empty prompt adds the option as a distractor.
    Options with the same text are one option."""
    del shuffle  # matching data has no shuffle flag: the exam engine always shuffles options
    prompts: list[dict[str, str]] = []
    options: list[dict[str, str]] = []
    by_text: dict[str, str] = {}
    key: dict[str, str] = {}
    for prompt, option in pairs:
        if not option:
            raise ItemError(common.line, f"matching prompt {prompt!r} has no answer")
        if option not in by_text:
            by_text[option] = f"o{len(options) + 1}"
            options.append({"id": by_text[option], "text": option})
        if prompt:
            pid = f"p{len(prompts) + 1}"
            prompts.append({"id": pid, "text": prompt})
            key[pid] = by_text[option]
    if not prompts or len(options) < 2:
        raise ItemError(
            common.line, "a matching question needs at least one prompt and two answers"
        )
    return _draft(common, t.MATCHING, {"prompts": prompts, "options": options}, {"pairs": key}, {})


def ordering_item(common: Common, items: Sequence[str], order: Sequence[int]) -> ItemDraft:
    """``order``: indexes into ``items`` in the correct order."""
    if len(items) < 2 or sorted(order) != list(range(len(items))):
        raise ItemError(
            common.line, "an ordering question needs two or more items, each placed once"
        )
    ids = [f"i{i + 1}" for i in range(len(items))]
    data = {"items": [{"id": i, "text": text} for i, text in zip(ids, items, strict=True)]}
    return _draft(common, t.ORDERING, data, {"order": [ids[i] for i in order]}, {})


def essay_item(common: Common, *, model_answer: str = "") -> ItemDraft:
    return _draft(common, t.SHORT_ANSWER, {}, {"model_answer": model_answer, "rubric": None}, {})


def description_item(common: Common) -> ItemDraft:
    return _draft(common, t.DESCRIPTION, {}, {}, {})


def text_rule(text: str, *, case_sensitive: bool, fraction: float) -> dict[str, Any]:
    """A short-answer rule. Moodle's ``*`` wildcard becomes an anchored regex."""
    if "*" in text:
        pattern = ".*".join(re.escape(part) for part in text.split("*"))
        return rule("regex", pattern if case_sensitive else f"(?i){pattern}", fraction=fraction)
    return rule("exact" if case_sensitive else "ci", text, fraction=fraction)


def rule_as_text(r: dict[str, Any]) -> tuple[str, bool] | None:
    """The (text, case_sensitive) a short-answer rule was made from, or None when the
    rule is a regex no wildcard text can express."""
    if r["match"] in ("exact", "ci"):
        return str(r["value"]), r["match"] == "exact"
    if r["match"] != "regex":
        return None
    pattern = str(r["value"])
    case_sensitive = not pattern.startswith("(?i)")
    if not case_sensitive:
        pattern = pattern[4:]
    parts = [re.sub(r"\\(.)", r"\1", part, flags=re.S) for part in pattern.split(".*")]
    if ".*".join(re.escape(p) for p in parts) != pattern or any("*" in p for p in parts):
        return None
    return "*".join(parts), case_sensitive
