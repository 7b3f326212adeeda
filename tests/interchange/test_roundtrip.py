"""Round trips: GIFT → drafts → GIFT → drafts, Moodle XML likewise, and GIFT → Moodle
XML → drafts give equal drafts. Markdown, LaTeX and code in stems survive."""

from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from training.interchange import gift, moodle_xml
from training.interchange import types as t
from training.interchange.types import ItemDraft

DATA = Path(__file__).parent / "data"
GIFT_FILES = sorted(p.name for p in (DATA / "gift-peg").glob("*.gift"))
# Files that declare only a category: there is no item to write back.
NO_ITEMS = {"category1.gift", "categorySpecialCharacter.gift"}


def _gift(name: str) -> tuple[ItemDraft, ...]:
    return gift.parse((DATA / "gift-peg" / name).read_text(encoding="utf-8")).drafts


def _as_moodle_sees_ranges(draft: ItemDraft) -> ItemDraft:
    """Moodle XML has no numeric ranges: ``low..high`` travels as midpoint ± half."""
    if draft.kind != t.FILL_IN:
        return draft
    blanks: dict[str, list[dict[str, Any]]] = {}
    for name, rules in draft.key["blanks"].items():
        blanks[name] = []
        for rule in rules:
            if rule["match"] == "numeric" and rule["min"] is not None:
                low, high = Decimal(repr(rule["min"])), Decimal(repr(rule["max"]))
                rule = {
                    **rule,
                    "value": t.number_text(float((low + high) / 2)),
                    "min": None,
                    "max": None,
                    "tolerance": float((high - low) / 2),
                }
            blanks[name].append(rule)
    return replace(draft, key={"blanks": blanks})


@pytest.mark.parametrize("name", [n for n in GIFT_FILES if n not in NO_ITEMS])
def test_gift_round_trip_keeps_every_draft(name: str) -> None:
    drafts = _gift(name)

    again = gift.parse(gift.write(drafts)).drafts

    assert again == drafts


@pytest.mark.parametrize("name", [n for n in GIFT_FILES if n not in NO_ITEMS])
def test_gift_to_moodle_xml_keeps_every_draft(name: str) -> None:
    drafts = _gift(name)

    via_xml = moodle_xml.parse(moodle_xml.write(drafts)).drafts

    assert via_xml == tuple(_as_moodle_sees_ranges(d) for d in drafts)


def test_moodle_xml_round_trip_keeps_every_draft() -> None:
    drafts = moodle_xml.parse((DATA / "moodle" / "sample.xml").read_bytes()).drafts
    assert {d.kind for d in drafts} == {
        t.SINGLE_CHOICE,
        t.MULTIPLE_CHOICE,
        t.TRUE_FALSE,
        t.FILL_IN,
        t.MATCHING,
        t.SHORT_ANSWER,
        t.ORDERING,
        t.DESCRIPTION,
    }

    again = moodle_xml.parse(moodle_xml.write(drafts)).drafts

    assert again == drafts


def test_moodle_xml_to_gift_keeps_what_gift_can_say() -> None:
    drafts = moodle_xml.parse((DATA / "moodle" / "sample.xml").read_bytes()).drafts
    # GIFT has no points, shuffle flag, model answer or ordering items.
    comparable = [
        replace(
            d,
            points=0.0 if d.kind == t.DESCRIPTION else 1.0,
            data={**d.data, "shuffle": True} if "shuffle" in d.data else d.data,
            key={**d.key, "model_answer": ""} if d.kind == t.SHORT_ANSWER else d.key,
        )
        for d in drafts
        if d.kind != t.ORDERING
    ]

    text = gift.write(drafts)

    assert "// not exported: Training loop (ordering has no GIFT form)" in text
    assert gift.parse(text).drafts == tuple(comparable)


RICH_STEMS = [
    "Given $f(x) = \\frac{1}{1 + e^{-x}}$, what is $f'(0)$?",
    "Display math: $$\\sum_{i=1}^{n} x_i = \\mathbf{1}^\\top x$$ and \\[ a \\neq b \\]",
    "Read the code:\n\n```python\ndef f(x: dict[str, int]) -> int:  # {braces} = ~tilde~ #hash\n"
    "    // not a comment\n    return x['a'] \\\n        + 1\n```\n\nWhat does `f({'a': 1})` return?",
    "A list:\n\n- item with **bold** and `code`\n    - nested: a->b\n\n> quote: 50%",
    'print("a\\nb") prints two lines; \\n stays literal here.',
]


def _rich_drafts() -> list[ItemDraft]:
    out = []
    for n, stem in enumerate(RICH_STEMS):
        out.append(
            ItemDraft(
                kind=t.SINGLE_CHOICE,
                name=f"rich {n}: {{x}} :: #1",
                stem=stem,
                stem_format="markdown",
                data={
                    "choices": [
                        {"id": "a", "text": "$\\sigma(0) = 0.5$"},
                        {"id": "b", "text": "`x = {}`"},
                    ],
                    "shuffle": True,
                },
                key={"fractions": {"a": 1.0, "b": 0.0}},
                feedback={
                    "general": "See $$e^{i\\pi} + 1 = 0$$\n\n```\n{a: 1}\n```",
                    "choices": {"b": "no: ~ = #"},
                },
                category=("Maths", "Calculus/Analysis"),
                tags=("topic:latex",),
            )
        )
        out.append(
            ItemDraft(
                kind=t.FILL_IN,
                name=f"blank {n}",
                stem=f"{stem}\n\nAnswer: [[1]] (in `code`)",
                stem_format="markdown",
                data={"blanks": ["1"]},
                key={
                    "blanks": {
                        "1": [
                            {
                                "match": "ci",
                                "value": "x{1}",
                                "tolerance": 0.0,
                                "min": None,
                                "max": None,
                                "fraction": 1.0,
                            }
                        ]
                    }
                },
                feedback={"general": "", "blanks": {"1": ["$x_1$"]}},
            )
        )
        out.append(
            ItemDraft(
                kind=t.SHORT_ANSWER,
                name=f"essay {n}",
                stem=stem,
                stem_format="markdown",
                key={"model_answer": "", "rubric": None},
                feedback={"general": ""},
            )
        )
    return out


@pytest.mark.parametrize("fmt", ["gift", "moodle-xml"])
def test_markdown_latex_and_code_survive_a_round_trip(fmt: str) -> None:
    drafts = _rich_drafts()
    module: Any = gift if fmt == "gift" else moodle_xml

    again = module.parse(module.write(drafts)).drafts

    assert list(again) == drafts
    assert again[2].stem == RICH_STEMS[0] and "    // not a comment" in again[6].stem


def test_gift_writes_embedded_blanks_back_in_place() -> None:
    drafts = gift.parse(
        "Two plus two equals {=four =4}.\n\n{ =Asia } is the largest continent.\n"
    ).drafts

    text = gift.write(drafts)

    assert "Two plus two equals {" in text and "}." in text
    assert [d.stem for d in gift.parse(text).drafts] == [
        "Two plus two equals [[1]].",
        "[[1]] is the largest continent.",
    ]
