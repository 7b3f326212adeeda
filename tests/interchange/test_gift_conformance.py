"""Conformance with the GIFT-grammar-PEG.js corpus (data/gift-peg, MIT licence beside
it): for every corpus file, the drafts we import agree with that project's expected
parse in type, stem, choices, correctness, weights, feedback and global feedback.

The PEG project's JSON is its own shape; ``_expect`` translates each entry into what
docs/interchange.md says it maps to, and compares.
"""

import json
import re
from pathlib import Path
from typing import Any

import pytest

from training.interchange import build, gift
from training.interchange import types as t
from training.interchange.types import ItemDraft

DATA = Path(__file__).parent / "data" / "gift-peg"

# Files whose expected parse uses a feature we do not import, with the reason. Every
# other file in the corpus is checked in full below. None is needed today: every item
# type in the corpus maps to a kind. Not compared, because ItemDraft has no place for
# them: the ``id`` from ``// [id:…]`` comments, and the format of single choices and
# feedbacks (``~[plain]blue``; an item has one ``stem_format``).
UNSUPPORTED: dict[str, str] = {}

SUPPORTED = sorted(p.stem for p in DATA.glob("*.gift") if p.stem not in UNSUPPORTED)


def _blank_norm(text: str) -> str:
    """The PEG parser writes an embedded answer as `` _____ `` with a space either
    side; we keep the author's spacing. Compare with spacing around blanks evened out."""
    return re.sub(r"\s*_____\s*", " _____ ", text).strip()


def _text(node: dict[str, Any] | None) -> str:
    return "" if node is None else str(node["text"])


def _fraction(choice: dict[str, Any], *, full: float) -> float:
    if choice["weight"] is not None:
        return round(choice["weight"] / 100, 7)
    return full if choice["isCorrect"] else 0.0


def _expect(draft: ItemDraft, peg: dict[str, Any], category: tuple[str, ...]) -> None:
    kind = peg["type"]
    assert draft.category == category
    assert draft.tags == tuple(peg.get("tags") or ())
    assert draft.name == (peg["title"] if peg["title"] is not None else t.default_name(draft.stem))
    assert draft.stem_format == peg["stem"]["format"]
    assert draft.feedback["general"] == _text(peg.get("globalFeedback"))
    stem = draft.stem
    expected_stem = peg["stem"]["text"]
    if kind in ("Short", "Numerical"):
        assert draft.kind == t.FILL_IN
        stem = stem.replace("[[1]]", "_____")
        if not peg["hasEmbeddedAnswers"] and "_____" not in expected_stem:
            expected_stem += " _____"  # a blank after the text
        assert draft.data == {"blanks": ["1"]}
    assert _blank_norm(stem) == _blank_norm(expected_stem)

    if kind == "MC":
        correct = [c for c in peg["choices"] if c["isCorrect"]]
        single = len(correct) == 1
        assert draft.kind == (t.SINGLE_CHOICE if single else t.MULTIPLE_CHOICE)
        full = 1.0 if single else round(1 / max(len(correct), 1), 7)
        ids = [c["id"] for c in draft.data["choices"]]
        assert [c["text"] for c in draft.data["choices"]] == [
            _text(c["text"]) for c in peg["choices"]
        ]
        assert [draft.key["fractions"][i] for i in ids] == [
            _fraction(c, full=full) for c in peg["choices"]
        ]
        assert [draft.feedback["choices"].get(i, "") for i in ids] == [
            _text(c["feedback"]) for c in peg["choices"]
        ]
    elif kind == "TF":
        assert draft.kind == t.TRUE_FALSE
        truth = peg["isTrue"]
        assert draft.key == {"correct": truth}
        # The PEG project names the two feedbacks by position; in Moodle the first is
        # shown for the wrong answer and the second for the right one.
        shown = draft.feedback["choices"]
        assert shown.get(str(not truth).lower(), "") == _text(peg["trueFeedback"])
        assert shown.get(str(truth).lower(), "") == _text(peg["falseFeedback"])
    elif kind == "Short":
        rules = draft.key["blanks"]["1"]
        expected = [
            build.text_rule(_text(c["text"]), case_sensitive=False, fraction=_fraction(c, full=1.0))
            for c in peg["choices"]
        ]
        assert rules == expected
        assert all(r["match"] in ("ci", "regex") for r in rules)
        assert draft.feedback["blanks"]["1"] == [_text(c["feedback"]) for c in peg["choices"]]
    elif kind == "Numerical":
        rules = draft.key["blanks"]["1"]
        choices = peg["choices"]
        if isinstance(choices, dict):
            choices = [{"isCorrect": True, "weight": None, "text": choices, "feedback": None}]
        assert len(rules) == len(choices)
        for r, c in zip(rules, choices, strict=True):
            answer = c["text"]
            assert r["fraction"] == _fraction(c, full=1.0)
            if answer.get("text") == "*":  # Moodle's "any other answer"
                assert (r["match"], r["value"]) == ("regex", ".*")
            elif answer["type"] == "high-low":
                assert (r["match"], r["min"], r["max"]) == (
                    "numeric",
                    answer["numberLow"],
                    answer["numberHigh"],
                )
            else:
                assert r["match"] == "numeric"
                assert float(r["value"]) == answer["number"]
                assert r["tolerance"] == answer.get("range", 0)
        assert draft.feedback["blanks"]["1"] == [_text(c["feedback"]) for c in choices]
    elif kind == "Matching":
        assert draft.kind == t.MATCHING
        options = {o["id"]: o["text"] for o in draft.data["options"]}
        pairs = [p for p in peg["matchPairs"] if p["subquestion"]["text"]]
        assert [p["text"] for p in draft.data["prompts"]] == [
            p["subquestion"]["text"] for p in pairs
        ]
        assert [options[draft.key["pairs"][p["id"]]] for p in draft.data["prompts"]] == [
            p["subanswer"] for p in pairs
        ]
        assert set(options.values()) == {p["subanswer"] for p in peg["matchPairs"]}
    elif kind == "Essay":
        assert draft.kind == t.SHORT_ANSWER
        assert draft.key == {"model_answer": "", "rubric": None}
    elif kind == "Description":
        assert draft.kind == t.DESCRIPTION
        assert draft.points == 0
    else:  # pragma: no cover - the corpus has no other type
        pytest.fail(f"unexpected PEG type {kind}")


@pytest.mark.parametrize("name", SUPPORTED)
def test_gift_corpus_file_imports_as_the_reference_parser_expects(name: str) -> None:
    expected = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    result = gift.parse((DATA / f"{name}.gift").read_text(encoding="utf-8"))

    assert result.skipped == ()
    drafts = iter(result.drafts)
    category: tuple[str, ...] = ()
    categories = []
    for peg in expected:
        if peg["type"] == "Category":
            category = t.category_path(peg["title"])
            categories.append(category)
            continue
        _expect(next(drafts), peg, category)
    assert next(drafts, None) is None
    assert list(result.categories) == categories


def test_every_corpus_file_is_either_checked_or_listed_with_a_reason() -> None:
    names = {p.stem for p in DATA.glob("*.gift")}
    assert names == set(SUPPORTED) | set(UNSUPPORTED)
    assert len(names) == 51
    assert (DATA / "LICENSE").is_file()


def test_category_paths_drop_moodle_context_and_top() -> None:
    assert t.category_path("$course$/top/Default for Unit 1: Topic") == (
        "Default for Unit 1: Topic",
    )
    assert t.category_path("$system$/top/A/B//C") == ("A", "B/C")
    assert t.category_path("Plain/Path") == ("Plain", "Path")
