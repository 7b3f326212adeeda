"""Reading GIFT, Moodle's plain-text question format.

Follows Moodle's importer (question/format/gift) where it and the GIFT-grammar-PEG.js
project agree, and the PEG project's expected parses where Moodle says nothing. What
maps to what is in docs/interchange.md.
"""

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from training.interchange import build
from training.interchange import types as t
from training.interchange.build import Choice, Common
from training.interchange.errors import ItemError, parse_result
from training.interchange.types import ItemDraft, ParseResult, Problem, category_path

FORMATS = ("html", "moodle", "plain", "markdown")
_ESCAPE_RE = re.compile(r"(\\[~=#{}:\\n])")
_SPACE_RE = re.compile(r"\s+")
_MASK = "\uffff"
_TAG_RE = re.compile(r"\[tag:((?:\\\]|[^\]\x00-\x1f\x7f])+?)\]")
_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_TOLERANCE_RE = re.compile(rf"\s*({_NUMBER})\s*(?::\s*({_NUMBER}))?\s*")
_RANGE_RE = re.compile(rf"\s*({_NUMBER})\s*\.\.\s*({_NUMBER})\s*")
_WEIGHT_RE = re.compile(r"%([^%\n]{0,20})%")
BLANK = "_____"


class _Units:
    """A question block, decoded, beside a mask of it in which every escaped character
    is ``_MASK``: control characters are found in the mask with plain string
    searches, so only unescaped ones count. Both strings have the same length."""

    def __init__(self, text: str, first_line: int) -> None:
        decoded: list[str] = []
        mask: list[str] = []
        for n, part in enumerate(_ESCAPE_RE.split(text)):
            if n % 2:  # an escape sequence: one character, never a control one
                decoded.append("\n" if part == "\\n" else part[1])
                mask.append(_MASK)
            else:  # a backslash before anything else is kept, as text
                decoded.append(part)
                mask.append(part.replace("\\", _MASK))
        self.text_str = "".join(decoded)
        self.plain = "".join(mask)
        self.first_line = first_line
        self.breaks = [m.start() for m in re.finditer("\n", self.plain)]

    def __len__(self) -> int:
        return len(self.plain)

    def line(self, i: int) -> int:
        return self.first_line + bisect.bisect_left(self.breaks, i)

    def control(self, i: int, c: str) -> bool:
        return 0 <= i < len(self.plain) and self.plain[i] == c

    def starts(self, i: int, seq: str) -> bool:
        return i >= 0 and self.plain.startswith(seq, i)

    def find(self, seq: str, start: int, end: int) -> int:
        return self.plain.find(seq, start, end)

    def positions(self, chars: str, a: int, b: int) -> list[int]:
        """Where any of ``chars`` occurs unescaped in [a, b)."""
        pattern = re.compile(f"[{re.escape(chars)}]")
        return [m.start() for m in pattern.finditer(self.plain, a, b)]

    def space(self, i: int) -> bool:
        return self.plain[i].isspace()

    def strip(self, a: int, b: int) -> tuple[int, int]:
        while a < b and self.plain[a].isspace():
            a += 1
        while b > a and self.plain[b - 1].isspace():
            b -= 1
        return a, b

    def raw(self, a: int, b: int) -> str:
        return self.text_str[a:b]

    def masked(self, a: int, b: int) -> bool:
        return _MASK in self.plain[a:b]

    def format_tag(self, a: int, b: int, default: str) -> tuple[str, int]:
        """A leading ``[html]``-style tag: (format, index after it)."""
        a, b = self.strip(a, b)
        for name in FORMATS:
            if self.starts(a, f"[{name}]"):
                return name, self.strip(a + len(name) + 2, b)[0]
        return default, a

    def text(self, a: int, b: int, fmt: str) -> str:
        """Decoded text; whitespace folded unless the format keeps line breaks."""
        a, b = self.strip(a, b)
        if fmt in ("html", "markdown"):
            return self.text_str[a:b]
        out: list[str] = []
        pos = a
        for run in _SPACE_RE.finditer(self.plain, a, b):
            out.append(self.text_str[pos : run.start()])
            out.append(" ")
            pos = run.end()
        out.append(self.text_str[pos:b])
        return "".join(out)

    def rich(self, a: int, b: int, default: str) -> tuple[str, str]:
        fmt, a = self.format_tag(a, b, default)
        return fmt, self.text(a, b, fmt)


@dataclass
class _Block:
    line: int
    lines: list[str]
    tags: list[str]


def _blocks(text: str) -> Iterable[_Block]:
    """Questions are separated by blank lines; ``//`` lines are comments, and the
    ``[tag:…]`` markers in them belong to the next question."""
    current: list[str] = []
    start = 0
    tags: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            if current:
                yield _Block(start, current, tags)
                current, tags = [], []
            continue
        if stripped.startswith("//"):
            tags.extend(m.group(1).replace("\\]", "]").strip() for m in _TAG_RE.finditer(stripped))
            continue
        if not current:
            start = number
        current.append(line)
    if current:
        yield _Block(start, current, tags)


def parse(text: str, *, skip_bad: bool = False) -> ParseResult:
    """Every item in a GIFT file. Raises ImportProblems listing every bad item (line and
    reason) unless ``skip_bad``, which returns the good items and lists the bad ones
    in ``skipped``. Pure; safe to call twice."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    drafts: list[ItemDraft] = []
    problems: list[Problem] = []
    categories: list[tuple[str, ...]] = []
    category: tuple[str, ...] = ()
    for block in _blocks(text):
        lines, line = block.lines, block.line
        if lines[0].lstrip().startswith("$CATEGORY:"):
            category = category_path(lines[0].lstrip()[len("$CATEGORY:") :])
            categories.append(category)
            lines, line = lines[1:], line + 1
            if not lines:
                continue
        try:
            drafts.append(
                _question("\n".join(lines), line, category, tuple(dict.fromkeys(block.tags)))
            )
        except ItemError as error:
            problems.append(error.problem())
    if not drafts and not problems and not categories:
        problems.append(Problem(0, "the file holds no GIFT questions"))
    return parse_result(drafts, problems, skip_bad=skip_bad, categories=categories)


def _question(text: str, line: int, category: tuple[str, ...], tags: tuple[str, ...]) -> ItemDraft:
    u = _Units(text, line)
    start, end = u.strip(0, len(u))
    name, start = _title(u, start, end, line)
    opening = u.find("{", start, end)
    if opening < 0:
        fmt, stem = u.rich(start, end, "moodle")
        if not stem:
            raise ItemError(line, "the question has no text")
        return build.description_item(Common(name, stem, fmt, "", line, category, tags))
    closing = _answer_block_end(u, start, opening, end)
    fmt, before_start = u.format_tag(start, opening, "")
    after_start, after_end = u.strip(closing + 1, end)
    if not fmt:
        fmt, after_start = u.format_tag(after_start, after_end, "moodle")
    before = u.text(before_start, opening, fmt)
    after = u.text(after_start, after_end, fmt)
    if not before and not after:
        raise ItemError(line, "the question has no text")
    embedded = bool(after)
    gap_left = " " if before and u.space(opening - 1) else ""
    gap_right = " " if after and u.space(closing + 1) else ""

    def stem_with(marker: str) -> str:
        if embedded:
            return f"{before}{gap_left}{marker}{gap_right}{after}"
        return before

    answers = _Answers(u, opening + 1, closing, fmt, line)
    common = Common(name, stem_with(BLANK), fmt, answers.general, line, category, tags)
    kind = answers.kind
    if kind == "essay":
        return build.essay_item(common)
    if kind == "tf":
        return answers.true_false(common)
    if kind == "mc":
        return answers.multiple_choice(common)
    if kind == "matching":
        return answers.matching(common)
    # short answer or numerical: a fill-in item with one blank
    if embedded:
        stem = stem_with("[[1]]")
    elif BLANK in before:
        stem = before.replace(BLANK, "[[1]]", 1)
    else:
        stem = f"{before}\n\n[[1]]"
    common = Common(name, stem, fmt, answers.general, line, category, tags)
    rules = answers.numeric_rules() if kind == "numerical" else answers.short_rules()
    return build.fill_in_item(common, [rules])


def _title(u: _Units, start: int, end: int, line: int) -> tuple[str, int]:
    """The ``::title::`` at ``start`` (empty if none), and where the text after it starts."""
    if not u.starts(start, "::"):
        return "", start
    close = u.find("::", start + 2, end)
    if close < 0:
        raise ItemError(line, "the title '::…' is not closed with '::'")
    return u.text(start + 2, close, "moodle"), close + 2


def _answer_block_end(u: _Units, start: int, opening: int, end: int) -> int:
    """Where the answer block opened at ``opening`` closes; refuses an unclosed,
    nested or second block and a stray ``}``."""
    closing = u.find("}", opening + 1, end)
    if closing < 0:
        raise ItemError(u.line(opening), "the answer block '{' is not closed with '}'")
    nested = u.find("{", opening + 1, closing)
    if nested >= 0:
        raise ItemError(u.line(nested), "'{' inside an answer block: write it as \\{")
    again = u.find("{", closing + 1, end)
    if again >= 0:
        raise ItemError(
            u.line(again),
            "more than one answer block in a question (embedded answers, cloze) is not supported; write a literal brace as \\{",
        )
    stray = max(u.find("}", closing + 1, end), u.find("}", start, opening))
    if stray >= 0:
        raise ItemError(u.line(stray), "'}' outside an answer block: write it as \\}")
    return closing


@dataclass
class _Entry:
    marker: str  # "=", "~" or "" (an answer without a marker)
    weight: float | None
    a: int  # answer text span, format tag included
    b: int
    feedback: str
    line: int


class _Answers:
    """The inside of an answer block, classified the way Moodle does."""

    def __init__(self, u: _Units, a: int, b: int, fmt: str, line: int) -> None:
        self.u, self.fmt, self.line = u, fmt, line
        a, b = u.strip(a, b)
        self.general = ""
        split = u.find("####", a, b)
        if split >= 0:
            self.general = u.rich(split + 4, b, fmt)[1]
            a, b = u.strip(a, split)
        self.a, self.b = a, b
        if a == b:
            self.kind = "essay"
        elif u.control(a, "#"):
            self.kind = "numerical"
        elif u.find("~", a, b) >= 0:
            self.kind = "mc"
        elif u.control(a, "="):
            entries = self.entries(a, b)
            arrows = [u.find("->", e.a, e.b) >= 0 for e in entries]
            if all(arrows):
                self.kind = "matching"
            elif any(arrows):
                bad = entries[arrows.index(False)]
                raise ItemError(
                    bad.line, "a matching question needs 'prompt -> answer' in every pair"
                )
            else:
                self.kind = "short"
        else:
            hash_at = u.find("#", a, b)
            head = u.text(a, hash_at if hash_at >= 0 else b, "moodle")
            self.kind = "tf" if head in ("T", "F", "TRUE", "FALSE") else "short"

    def entries(self, a: int, b: int) -> list[_Entry]:
        u = self.u
        starts = u.positions("=~", a, b)
        if not starts or starts[0] != a:
            if starts:
                raise ItemError(
                    u.line(a), "text before the first answer: start each answer with '=' or '~'"
                )
            starts = [a]
        entries = []
        for k, s in enumerate(starts):
            e = starts[k + 1] if k + 1 < len(starts) else b
            marker = u.plain[s] if u.control(s, "=") or u.control(s, "~") else ""
            ta = s + 1 if marker else s
            ta, e2 = u.strip(ta, e)
            weight = None
            match = _WEIGHT_RE.match(u.raw(ta, e2))
            if match and not u.masked(ta, ta + match.end()):
                try:
                    weight = float(match.group(1))
                except ValueError:
                    raise ItemError(
                        u.line(ta), f"weight '%{match.group(1)}%' is not a number"
                    ) from None
                if not -100 <= weight <= 100:
                    raise ItemError(u.line(ta), f"weight {weight:g}% is outside -100%..100%")
                ta = u.strip(ta + match.end(), e2)[0]
            hash_at = u.find("#", ta, e2)
            feedback = ""
            tb = e2
            if hash_at >= 0:
                feedback = u.rich(hash_at + 1, e2, self.fmt)[1]
                tb = hash_at
            entries.append(_Entry(marker, weight, ta, tb, feedback, u.line(s)))
        return entries

    def answer_text(self, entry: _Entry) -> str:
        return self.u.rich(entry.a, entry.b, self.fmt)[1]

    def true_false(self, common: Common) -> ItemDraft:
        u = self.u
        hashes = u.positions("#", self.a, self.b)
        if len(hashes) > 2:
            raise ItemError(u.line(hashes[2]), "a true/false answer takes at most two feedbacks")
        bounds = [self.a, *[h + 1 for h in hashes]]
        ends = [*hashes, self.b]
        parts = [u.rich(x, y, self.fmt)[1] for x, y in zip(bounds, ends, strict=True)]
        correct = parts[0] in ("T", "TRUE")
        wrong = parts[1] if len(parts) > 1 else ""
        right = parts[2] if len(parts) > 2 else ""
        # Moodle: the first feedback is for the wrong answer, the second for the right one.
        if correct:
            return build.true_false_item(common, correct=True, if_true=right, if_false=wrong)
        return build.true_false_item(common, correct=False, if_true=wrong, if_false=right)

    def multiple_choice(self, common: Common) -> ItemDraft:
        entries = self.entries(self.a, self.b)
        equals = [e for e in entries if e.marker == "="]
        multiple = len(equals) != 1
        choices = []
        for e in entries:
            text = self.answer_text(e)
            if not text:
                raise ItemError(e.line, "an empty choice")
            if e.weight is not None:
                fraction = t.fraction_from_percent(e.weight)
            elif e.marker == "=":
                fraction = 1.0 if not multiple else round(1.0 / len(equals), 7)
            else:
                fraction = 0.0
            choices.append(Choice(text, fraction, e.feedback))
        return build.choice_item(common, choices, multiple=multiple)

    def matching(self, common: Common) -> ItemDraft:
        u = self.u
        pairs = []
        for e in self.entries(self.a, self.b):
            if e.feedback or e.weight is not None:
                raise ItemError(e.line, "matching pairs take no weight or feedback")
            arrow = u.find("->", e.a, e.b)
            prompt = u.rich(e.a, arrow, self.fmt)[1]
            option = u.text(arrow + 2, e.b, "moodle")
            pairs.append((prompt, option))
        return build.matching_item(common, pairs)

    def short_rules(self) -> list[tuple[dict[str, Any], str]]:
        rules = []
        for e in self.entries(self.a, self.b):
            if e.marker == "~":
                raise ItemError(e.line, "a short answer takes only '=' answers")
            text = self.answer_text(e)
            if not text:
                raise ItemError(e.line, "an empty answer")
            fraction = 1.0 if e.weight is None else t.fraction_from_percent(e.weight)
            rules.append(
                (build.text_rule(text, case_sensitive=False, fraction=fraction), e.feedback)
            )
        return rules

    def numeric_rules(self) -> list[tuple[dict[str, Any], str]]:
        u = self.u
        a = u.strip(self.a + 1, self.b)[0]
        if not (u.control(a, "=") or u.control(a, "~")):
            hash_at = u.find("#", a, self.b)
            feedback = u.rich(hash_at + 1, self.b, self.fmt)[1] if hash_at >= 0 else ""
            end = hash_at if hash_at >= 0 else self.b
            return [(_numeric(u.raw(a, end), 1.0, u.line(a)), feedback)]
        rules = []
        for e in self.entries(a, self.b):
            text = u.raw(*u.strip(e.a, e.b))
            default = 1.0 if e.marker == "=" else 0.0
            fraction = default if e.weight is None else t.fraction_from_percent(e.weight)
            if not text and e.marker == "~":
                rules.append((build.rule("regex", build.CATCH_ALL, fraction=fraction), e.feedback))
                continue
            rules.append((_numeric(text, fraction, e.line), e.feedback))
        return rules


def _numeric(text: str, fraction: float, line: int) -> dict[str, Any]:
    match = _RANGE_RE.fullmatch(text)
    if match:
        low, high = float(match.group(1)), float(match.group(2))
        if low > high:
            raise ItemError(
                line, f"numerical range {text.strip()!r}: the low end is above the high end"
            )
        return build.rule("numeric", "", fraction=fraction, low=low, high=high)
    match = _TOLERANCE_RE.fullmatch(text)
    if not match:
        raise ItemError(line, f"{text.strip()!r} is not a number (write 12, 12:0.5 or 10..20)")
    value = match.group(1)
    tolerance = float(match.group(2) or 0)
    if tolerance < 0:
        raise ItemError(line, f"numerical tolerance {tolerance:g} is negative")
    return build.rule(
        "numeric", _canonical_number(value), fraction=fraction, tolerance=abs(tolerance)
    )


def _canonical_number(text: str) -> str:
    try:
        number = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the regex only lets numbers through
        return text
    return t.number_text(float(number))
