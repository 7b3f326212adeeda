"""Moodle XML (``<quiz>``): parse and write. Parsing goes through defusedxml.

Kinds that exist in both GIFT and Moodle XML map the same way, so GIFT → drafts →
Moodle XML → drafts gives equal drafts. What maps to what is in docs/interchange.md.
"""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any
from xml.etree.ElementTree import Element, SubElement, indent, tostring

from training.interchange import build
from training.interchange import types as t
from training.interchange.build import Choice, Common
from training.interchange.errors import ImportProblems, ItemError, parse_result
from training.interchange.types import ItemDraft, ParseResult, Problem, category_path, category_text
from training.interchange.xmlsafe import XmlDocument, parse_xml

_FORMATS_IN = {
    "html": "html",
    "moodle_auto_format": "moodle",
    "plain_text": "plain",
    "markdown": "markdown",
}
_FORMATS_OUT = {v: k for k, v in _FORMATS_IN.items()}
SUPPORTED_TYPES = (
    "multichoice",
    "truefalse",
    "shortanswer",
    "numerical",
    "matching",
    "essay",
    "description",
    "ordering",
)
BLANK = "_____"


# --- reading -------------------------------------------------------------------------


def _text(element: Element | None, path: str = "text") -> str:
    if element is None:
        return ""
    node = element.find(path) if path else element
    return (node.text or "").strip() if node is not None else ""


def _flag(element: Element, path: str, default: bool) -> bool:
    node = element.find(path)
    if node is None or node.text is None:
        return default
    return node.text.strip().lower() in ("1", "true", "yes")


def _number(text: str, line: int, what: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ItemError(line, f"{what} {text!r} is not a number") from None


def parse(data: str | bytes, *, skip_bad: bool = False) -> ParseResult:
    """Every item in a Moodle XML file. Raises ImportProblems listing every bad item
    (line and reason) unless ``skip_bad``, which returns the good items and lists the
    bad ones in ``skipped``. Pure; safe to call twice."""
    doc = parse_xml(data)
    if doc.root.tag != "quiz":
        raise ImportProblems(
            [Problem(doc.line(doc.root), "not Moodle XML: the root element must be <quiz>")]
        )
    drafts: list[ItemDraft] = []
    problems: list[Problem] = []
    categories: list[tuple[str, ...]] = []
    category: tuple[str, ...] = ()
    for question in doc.root.iter("question"):
        qtype = question.get("type", "")
        line = doc.line(question)
        if qtype == "category":
            category = category_path(_text(question.find("category")))
            categories.append(category)
            continue
        try:
            drafts.append(_question(doc, question, qtype, category))
        except ItemError as error:
            problems.append(error.problem())
        except (KeyError, ValueError, TypeError) as error:  # a malformed element
            problems.append(Problem(line, f"malformed <question type={qtype!r}>: {error}"))
    if not drafts and not problems and not categories:
        problems.append(Problem(doc.line(doc.root), "the file holds no questions"))
    return parse_result(drafts, problems, skip_bad=skip_bad, categories=categories)


def _common(
    doc: XmlDocument, q: Element, category: tuple[str, ...], stem: str | None = None
) -> Common:
    line = doc.line(q)
    text_node = q.find("questiontext")
    fmt = _FORMATS_IN.get(
        text_node.get("format", "html") if text_node is not None else "html", "html"
    )
    grade = _text(q, "defaultgrade")
    points = _number(grade, line, "defaultgrade") if grade else None
    tags = tuple(dict.fromkeys(_text(tag) for tag in q.findall("tags/tag") if _text(tag)))
    return Common(
        name=_text(q.find("name")),
        stem=_text(text_node) if stem is None else stem,
        stem_format=fmt,
        general_feedback=_text(q.find("generalfeedback")),
        line=line,
        category=category,
        tags=tags,
        points=points,
    )


def _answers(doc: XmlDocument, q: Element) -> list[tuple[str, float, str, Element]]:
    out = []
    for answer in q.findall("answer"):
        fraction = _number(answer.get("fraction", "0"), doc.line(answer), "fraction")
        if not -100 <= fraction <= 100:
            raise ItemError(doc.line(answer), f"fraction {fraction:g} is outside -100..100")
        out.append(
            (
                _text(answer),
                t.fraction_from_percent(fraction),
                _text(answer.find("feedback")),
                answer,
            )
        )
    return out


def _question(doc: XmlDocument, q: Element, qtype: str, category: tuple[str, ...]) -> ItemDraft:
    line = doc.line(q)
    if qtype not in SUPPORTED_TYPES:
        raise ItemError(line, f"unsupported question type {qtype!r}")
    common = _common(doc, q, category)
    if not common.stem:
        raise ItemError(line, "the question has no text")
    if qtype == "description":
        return build.description_item(common)
    if qtype == "essay":
        return build.essay_item(common, model_answer=_text(q.find("graderinfo")))
    if qtype == "multichoice":
        choices = [
            Choice(text, fraction, feedback) for text, fraction, feedback, _ in _answers(doc, q)
        ]
        if any(not c.text for c in choices):
            raise ItemError(line, "an empty choice")
        single = _flag(q, "single", True)
        return build.choice_item(
            common, choices, multiple=not single, shuffle=_flag(q, "shuffleanswers", True)
        )
    if qtype == "truefalse":
        answers = {
            text.lower(): (fraction, feedback) for text, fraction, feedback, _ in _answers(doc, q)
        }
        if set(answers) != {"true", "false"}:
            raise ItemError(line, "a true/false question needs one 'true' and one 'false' answer")
        return build.true_false_item(
            common,
            correct=answers["true"][0] > answers["false"][0],
            if_true=answers["true"][1],
            if_false=answers["false"][1],
        )
    if qtype == "matching":
        pairs = [(_text(sub), _text(sub, "answer/text")) for sub in q.findall("subquestion")]
        return build.matching_item(common, pairs, shuffle=_flag(q, "shuffleanswers", True))
    if qtype == "ordering":
        items = [text for text, _, _, _ in _answers(doc, q)]
        return build.ordering_item(common, items, list(range(len(items))))
    # shortanswer and numerical: fill-in with one blank
    stem = (
        common.stem.replace(BLANK, "[[1]]", 1)
        if BLANK in common.stem
        else f"{common.stem}\n\n[[1]]"
    )
    common = _common(doc, q, category, stem)
    if qtype == "shortanswer":
        return build.fill_in_item(common, [_short_answer_rules(doc, q)])
    return build.fill_in_item(common, [_numerical_rules(doc, q)])


def _short_answer_rules(doc: XmlDocument, q: Element) -> list[tuple[dict[str, Any], str]]:
    case_sensitive = _flag(q, "usecase", False)
    rules = []
    for text, fraction, feedback, answer in _answers(doc, q):
        if not text:
            raise ItemError(doc.line(answer), "an empty answer")
        rules.append(
            (build.text_rule(text, case_sensitive=case_sensitive, fraction=fraction), feedback)
        )
    return rules


def _numerical_rules(doc: XmlDocument, q: Element) -> list[tuple[dict[str, Any], str]]:
    rules: list[tuple[dict[str, Any], str]] = []
    for text, fraction, feedback, answer in _answers(doc, q):
        if text == "*":
            rules.append((build.rule("regex", build.CATCH_ALL, fraction=fraction), feedback))
            continue
        value = _number(text, doc.line(answer), "numerical answer")
        tolerance = abs(_number(_text(answer, "tolerance") or "0", doc.line(answer), "tolerance"))
        rule = build.rule("numeric", t.number_text(value), fraction=fraction, tolerance=tolerance)
        rules.append((rule, feedback))
    return rules


# --- writing -------------------------------------------------------------------------


class _Unsupported(Exception):
    pass


def _add_text(parent: Element, tag: str, text: str, fmt: str | None = None) -> Element:
    node = SubElement(parent, tag)
    if fmt is not None:
        node.set("format", fmt)
    SubElement(node, "text").text = text
    return node


def _answer(
    parent: Element, fraction: float, text: str, feedback: str, fmt: str = "html"
) -> Element:
    node = SubElement(parent, "answer", fraction=t.percent_text(fraction), format=fmt)
    SubElement(node, "text").text = text
    _add_text(node, "feedback", feedback, "html")
    return node


def write(drafts: Iterable[ItemDraft]) -> str:
    """A Moodle XML file holding ``drafts``. Items Moodle XML cannot express
    (programming, fill-in with several blanks, …) become an XML comment saying so."""
    quiz = Element("quiz")
    notes: list[tuple[int, str]] = []
    category: tuple[str, ...] = ()
    for draft in drafts:
        if draft.category != category:
            node = SubElement(quiz, "question", type="category")
            _add_text(node, "category", category_text(draft.category))
            category = draft.category
        try:
            quiz.append(_question_element(draft))
        except _Unsupported as error:
            notes.append((len(quiz), f"not exported: {' '.join(draft.name.split())} ({error})"))
    indent(quiz)
    body = tostring(quiz, encoding="unicode")
    if notes:
        comments = "".join(f"<!-- {text.replace('--', '- -')} -->\n" for _, text in notes)
        body = comments + body
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def _question_element(d: ItemDraft) -> Element:
    qtype, build_body = _WRITERS.get(d.kind, (None, None))
    if qtype is None or build_body is None:
        raise _Unsupported(f"{d.kind} has no Moodle XML form")
    q = Element("question", type=qtype)
    _add_text(q, "name", d.name)
    stem = d.stem
    if d.kind == t.FILL_IN:
        stem = (
            stem[: -len("\n\n[[1]]")]
            if stem.endswith("\n\n[[1]]")
            else stem.replace("[[1]]", BLANK)
        )
    _add_text(q, "questiontext", stem, _FORMATS_OUT.get(d.stem_format, "markdown"))
    _add_text(q, "generalfeedback", d.feedback.get("general", ""), "html")
    SubElement(q, "defaultgrade").text = t.number_text(d.points)
    SubElement(q, "penalty").text = "0"
    SubElement(q, "hidden").text = "0"
    qtype_override = build_body(q, d)
    if qtype_override:
        q.set("type", qtype_override)
    if d.tags:
        tags = SubElement(q, "tags")
        for tag in d.tags:
            _add_text(tags, "tag", tag)
    return q


def _choices(q: Element, d: ItemDraft) -> None:
    SubElement(q, "single").text = "true" if d.kind == t.SINGLE_CHOICE else "false"
    SubElement(q, "shuffleanswers").text = "true" if d.data.get("shuffle", True) else "false"
    SubElement(q, "answernumbering").text = "abc"
    feedback = d.feedback.get("choices", {})
    for choice in d.data["choices"]:
        _answer(
            q,
            float(d.key["fractions"].get(choice["id"], 0)),
            choice["text"],
            feedback.get(choice["id"], ""),
        )


def _true_false(q: Element, d: ItemDraft) -> None:
    feedback = d.feedback.get("choices", {})
    correct = bool(d.key["correct"])
    _answer(q, 1.0 if correct else 0.0, "true", feedback.get("true", ""), "moodle_auto_format")
    _answer(q, 0.0 if correct else 1.0, "false", feedback.get("false", ""), "moodle_auto_format")


def _matching(q: Element, d: ItemDraft) -> None:
    SubElement(q, "shuffleanswers").text = "true"
    options = {o["id"]: o["text"] for o in d.data["options"]}
    used = set(d.key["pairs"].values())
    for prompt in d.data["prompts"]:
        sub = _add_text(q, "subquestion", prompt["text"], "html")
        _add_text(sub, "answer", options[d.key["pairs"][prompt["id"]]])
    for oid, text in options.items():
        if oid not in used:
            sub = _add_text(q, "subquestion", "", "html")
            _add_text(sub, "answer", text)


def _essay(q: Element, d: ItemDraft) -> None:
    SubElement(q, "responseformat").text = "editor"
    SubElement(q, "responserequired").text = "1"
    SubElement(q, "responsefieldlines").text = "15"
    _add_text(q, "graderinfo", str(d.key.get("model_answer") or ""), "markdown")
    _add_text(q, "responsetemplate", "", "html")


def _ordering(q: Element, d: ItemDraft) -> None:
    # qtype_ordering (core since Moodle 4.4): answers in the correct order, scored by
    # absolute position like our ordering kind.
    SubElement(q, "layouttype").text = "VERTICAL"
    SubElement(q, "selecttype").text = "ALL"
    SubElement(q, "selectcount").text = "0"
    SubElement(q, "gradingtype").text = "ABSOLUTE_POSITION"
    texts = {item["id"]: item["text"] for item in d.data["items"]}
    for item_id in d.key["order"]:
        _answer(q, 1.0, texts[item_id], "")


def _fill_in(q: Element, d: ItemDraft) -> str:
    if list(d.data["blanks"]) != ["1"]:
        raise _Unsupported("Moodle XML holds one blank per short-answer or numerical question")
    rules: list[dict[str, Any]] = d.key["blanks"]["1"]
    feedbacks = d.feedback.get("blanks", {}).get("1", [""] * len(rules))
    if any(r["match"] == "numeric" for r in rules):
        for r, fb in zip(rules, feedbacks, strict=False):
            fraction = float(r["fraction"])
            if r["match"] == "regex" and r["value"] == build.CATCH_ALL:
                _answer(q, fraction, "*", fb, "moodle_auto_format")
                continue
            if r["match"] != "numeric":
                raise _Unsupported("a numerical blank mixes in text answers")
            if r.get("min") is not None and r.get("max") is not None:
                # Moodle has no ranges: the same interval as midpoint ± half-width.
                low, high = Decimal(repr(float(r["min"]))), Decimal(repr(float(r["max"])))
                value, tolerance = str((low + high) / 2), float((high - low) / 2)
            else:
                value, tolerance = str(r["value"]), float(r.get("tolerance") or 0)
            node = _answer(q, fraction, value, fb, "moodle_auto_format")
            SubElement(node, "tolerance").text = t.number_text(tolerance)
        return "numerical"
    texts = [build.rule_as_text(r) for r in rules]
    if any(x is None for x in texts):
        raise _Unsupported("a regular expression Moodle cannot express")
    cases = {x[1] for x in texts if x is not None}
    if len(cases) > 1:
        raise _Unsupported("case-sensitive and case-insensitive answers in one blank")
    SubElement(q, "usecase").text = "1" if cases == {True} else "0"
    for r, x, fb in zip(rules, texts, feedbacks, strict=False):
        assert x is not None
        _answer(q, float(r["fraction"]), x[0], fb, "moodle_auto_format")
    return "shortanswer"


def _none(q: Element, d: ItemDraft) -> None:
    return None


_WRITERS: dict[str, tuple[str, Any]] = {
    t.SINGLE_CHOICE: ("multichoice", _choices),
    t.MULTIPLE_CHOICE: ("multichoice", _choices),
    t.TRUE_FALSE: ("truefalse", _true_false),
    t.FILL_IN: ("shortanswer", _fill_in),
    t.MATCHING: ("matching", _matching),
    t.ORDERING: ("ordering", _ordering),
    t.SHORT_ANSWER: ("essay", _essay),
    t.CASE_ANALYSIS: ("essay", _essay),
    t.DESCRIPTION: ("description", _none),
}
