"""Writing GIFT, Moodle's plain-text question format. What maps to what is in
docs/interchange.md."""

from collections.abc import Iterable, Sequence
from typing import Any

from training.interchange import build
from training.interchange import types as t
from training.interchange.gift.reader import FORMATS
from training.interchange.types import ItemDraft, category_text


def escape(text: str) -> str:
    """Text as GIFT: control characters escaped, line breaks as ``\\n``."""
    out = text.replace("\r\n", "\n").replace("\\", "\\\\")
    for c in "~=#{}:":
        out = out.replace(c, "\\" + c)
    return out.replace("\n", "\\n")


def write(drafts: Iterable[ItemDraft]) -> str:
    """A GIFT file holding ``drafts``. Items GIFT cannot express (ordering, programming,
    fill-in with several blanks, …) become a ``//`` comment saying so."""
    chunks: list[str] = []
    category: tuple[str, ...] = ()
    for draft in drafts:
        if draft.category != category:
            chunks.append(f"$CATEGORY: {category_text(draft.category)}")
            category = draft.category
        try:
            chunks.append(_write_item(draft))
        except _Unsupported as error:
            chunks.append(f"// not exported: {' '.join(draft.name.split())} ({error})")
    return "\n\n".join(chunks) + "\n"


class _Unsupported(Exception):
    pass


def _tag_escape(tag: str) -> str:
    return tag.replace("]", "\\]")


def _write_item(d: ItemDraft) -> str:
    head = []
    if d.tags:
        head.append("// " + " ".join(f"[tag:{_tag_escape(tag)}]" for tag in d.tags))
    fmt = f"[{d.stem_format}]" if d.stem_format in FORMATS and d.stem_format != "moodle" else ""
    title = f"::{escape(d.name)}::"
    general = d.feedback.get("general") or ""
    tail = f"\n\t####{escape(general)}" if general else ""
    if d.kind == t.DESCRIPTION:
        return "\n".join([*head, f"{title}{fmt}{escape(d.stem)}"])
    if d.kind in (t.SINGLE_CHOICE, t.MULTIPLE_CHOICE):
        body = _choices(d) + tail + "\n"
        return "\n".join([*head, f"{title}{fmt}{escape(d.stem)}{{{body}}}"])
    if d.kind == t.TRUE_FALSE:
        correct = bool(d.key["correct"])
        fb = d.feedback.get("choices", {})
        right, wrong = fb.get(str(correct).lower(), ""), fb.get(str(not correct).lower(), "")
        answer = "TRUE" if correct else "FALSE"
        if wrong or right:
            answer += f"#{escape(wrong) or ' '}"
        if right:
            answer += f"#{escape(right)}"
        return "\n".join([*head, f"{title}{fmt}{escape(d.stem)}{{{answer}{tail}}}"])
    if d.kind == t.MATCHING:
        options = {o["id"]: o["text"] for o in d.data["options"]}
        used = set(d.key["pairs"].values())
        lines = [
            f"\n\t={escape(p['text'])} -> {escape(options[d.key['pairs'][p['id']]])}"
            for p in d.data["prompts"]
        ]
        lines += [f"\n\t= -> {escape(text)}" for oid, text in options.items() if oid not in used]
        return "\n".join([*head, f"{title}{fmt}{escape(d.stem)}{{{''.join(lines)}{tail}\n}}"])
    if d.kind in (t.SHORT_ANSWER, t.CASE_ANALYSIS):
        if d.kind == t.CASE_ANALYSIS:
            raise _Unsupported("case analysis has no GIFT form")
        return "\n".join([*head, f"{title}{fmt}{escape(d.stem)}{{{tail.strip()}}}"])
    if d.kind == t.FILL_IN:
        return "\n".join([*head, _fill_in(d, title, fmt, tail)])
    raise _Unsupported(f"{d.kind} has no GIFT form")


def _choices(d: ItemDraft) -> str:
    fractions: dict[str, float] = d.key["fractions"]
    feedback: dict[str, str] = d.feedback.get("choices", {})
    single = d.kind == t.SINGLE_CHOICE
    # A single-choice item is the one with exactly one '=': the best choice carries it.
    best = (
        max(d.data["choices"], key=lambda c: float(fractions.get(c["id"], 0)))["id"]
        if single
        else None
    )
    lines = []
    for choice in d.data["choices"]:
        fraction = float(fractions.get(choice["id"], 0))
        if choice["id"] == best:
            marker = "=" if fraction == 1 else f"=%{t.percent_text(fraction)}%"
        else:
            marker = "~" if fraction == 0 else f"~%{t.percent_text(fraction)}%"
        fb = feedback.get(choice["id"], "")
        lines.append(f"\n\t{marker}{escape(choice['text'])}" + (f"#{escape(fb)}" if fb else ""))
    return "".join(lines)


def _fill_in(d: ItemDraft, title: str, fmt: str, tail: str) -> str:
    if list(d.data["blanks"]) != ["1"]:
        raise _Unsupported("GIFT holds one blank per question")
    rules: list[dict[str, Any]] = d.key["blanks"]["1"]
    feedbacks: Sequence[str] = d.feedback.get("blanks", {}).get("1", [""] * len(rules))
    numeric = any(r["match"] == "numeric" for r in rules)
    answers = []
    for r, fb in zip(rules, feedbacks, strict=False):
        fb_text = f"#{escape(fb)}" if fb else ""
        fraction = float(r["fraction"])
        weight = "" if fraction == 1 else f"%{t.percent_text(fraction)}%"
        if numeric:
            if r["match"] == "regex" and r["value"] == build.CATCH_ALL:
                answers.append(f"~{weight if fraction else ''}{fb_text}")
                continue
            if r["match"] != "numeric":
                raise _Unsupported("a numerical blank mixes in text answers")
            if r.get("min") is not None and r.get("max") is not None:
                number = f"{t.number_text(r['min'])}..{t.number_text(r['max'])}"
            else:
                number = f"{r['value']}:{t.number_text(float(r.get('tolerance') or 0))}"
            answers.append(f"={weight}{number}{fb_text}")
        else:
            as_text = build.rule_as_text(r)
            if as_text is None or as_text[1]:
                raise _Unsupported("GIFT short answers are case-insensitive words or * wildcards")
            answers.append(f"={weight}{escape(as_text[0])}{fb_text}")
    body = ("#" if numeric else "") + "".join(f"\n\t{a}" for a in answers) + tail + "\n"
    stem = d.stem
    if stem.rstrip().endswith("[[1]]") and stem.count("[[1]]") == 1:
        return f"{title}{fmt}{escape(stem.rstrip()[:-5].rstrip())}{{{body}}}"
    before, _, after = stem.partition("[[1]]")
    if not after.strip():
        raise _Unsupported("the blank is missing from the text")
    return f"{title}{fmt}{escape(before)}{{{body}}}{escape(after)}"
