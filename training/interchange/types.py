"""The format-neutral shape every importer produces and every exporter consumes.

An :class:`ItemDraft` is one item as it would be stored as version 1 of a
``training.Question``: ``data``, ``key`` and ``feedback`` follow docs/items.md exactly.
"""

import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple

SINGLE_CHOICE = "single_choice"
MULTIPLE_CHOICE = "multiple_choice"
TRUE_FALSE = "true_false"
FILL_IN = "fill_in"
MATCHING = "matching"
ORDERING = "ordering"
SHORT_ANSWER = "short_answer"
CASE_ANALYSIS = "case_analysis"
PROGRAMMING = "programming"
DESCRIPTION = "description"

STEM_FORMATS = ("markdown", "html", "moodle", "plain")
NAME_MAX = 200


class Problem(NamedTuple):
    """One thing wrong with an input file: the 1-based line it starts on (0 when the
    whole file is at fault) and a reason a person can act on."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}" if self.line else self.reason


@dataclass(frozen=True)
class ItemDraft:
    """One importable item. ``source_line`` is where it starts in the file it came
    from; it takes no part in equality, so a round trip compares content only."""

    kind: str
    name: str
    stem: str
    stem_format: str = "markdown"
    data: dict[str, Any] = field(default_factory=dict)
    key: dict[str, Any] = field(default_factory=dict)
    feedback: dict[str, Any] = field(default_factory=dict)
    points: float = 1.0
    category: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    source_line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class ParseResult:
    """What a parser returns: the good drafts, the items it skipped (only with
    ``skip_bad=True``; otherwise a bad item raises) and every category path the file
    declares, in order, including those no item uses."""

    drafts: tuple[ItemDraft, ...]
    skipped: tuple[Problem, ...] = ()
    categories: tuple[tuple[str, ...], ...] = ()


def choice_id(index: int) -> str:
    """``a`` … ``z``, then ``aa``, ``ab`` …: short ids unique within an item."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    if index < len(letters):
        return letters[index]
    return choice_id(index // len(letters) - 1) + letters[index % len(letters)]


_TAG = re.compile(r"<[^>]*>")
_CONTEXT_RE = re.compile(r"^\$[a-z0-9]+\$$", re.I)


def default_name(stem: str) -> str:
    """A name for an item whose file gives none: the start of its stem, markup and
    blanks removed (Moodle does the same)."""
    text = _TAG.sub(" ", stem).replace("[[1]]", "_____")
    text = " ".join(text.split())
    return text[:60] or "item"


def fraction_from_percent(value: float) -> float:
    """Percent weights (GIFT, Moodle XML) to fractions, kept to Moodle's precision."""
    return round(value / 100.0, 7)


def percent_text(fraction: float) -> str:
    """A fraction as the shortest percentage text that reads back to it."""
    text = f"{fraction * 100:.5f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def number_text(value: float) -> str:
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def category_path(text: str) -> tuple[str, ...]:
    """``$course$/top/A/B`` → ``("A", "B")``: Moodle's context and ``top`` are dropped;
    ``//`` is a literal slash."""
    parts = [p.replace("\0", "/").strip() for p in text.replace("//", "\0").split("/")]
    parts = [p for p in parts if p]
    if parts and _CONTEXT_RE.match(parts[0]):
        parts = parts[1:]
    if parts and parts[0] == "top":
        parts = parts[1:]
    return tuple(parts)


def category_text(path: tuple[str, ...]) -> str:
    """The Moodle form of a category path, for export."""
    return "/".join(part.replace("/", "//") for part in ("$course$", "top", *path))
