"""Reading IMS QTI 2.1 ``assessmentItem`` files and content packages (through
defusedxml).

Supported interactions: choice (one or several answers), text entry (one or more
blanks), extended text, inline choice, order and match. Anything else is reported
as an unsupported interaction. What maps to what is in docs/interchange.md.
"""

import html
import io
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element

from training.interchange import build
from training.interchange import types as t
from training.interchange.build import Choice, Common
from training.interchange.errors import ImportProblems, ItemError, parse_result
from training.interchange.types import ItemDraft, ParseResult, Problem
from training.interchange.xmlsafe import XmlDocument, local, parse_xml

SUPPORTED = (
    "choiceInteraction",
    "textEntryInteraction",
    "extendedTextInteraction",
    "inlineChoiceInteraction",
    "orderInteraction",
    "matchInteraction",
)
_BLOCK = {"choiceInteraction", "extendedTextInteraction", "orderInteraction", "matchInteraction"}
_SKIPPED = {
    "feedbackInline",
    "feedbackBlock",
    "templateInline",
    "templateBlock",
    "rubricBlock",
    "printedVariable",
}
_VOID = {"br", "img", "hr", "col", "input", "area", "source", "wbr"}
BLANK = "_____"


def parse(data: str | bytes, *, skip_bad: bool = False) -> ParseResult:
    """The item in a QTI 2.1 ``assessmentItem`` file, or every item in a content
    package (a zip with ``imsmanifest.xml``). An unsupported interaction or a malformed
    item raises ImportProblems with its line and reason (with ``skip_bad`` it comes
    back in ``skipped``). Pure; safe to call twice."""
    if isinstance(data, bytes) and data[:4] == b"PK\x03\x04":
        return _parse_package(data, skip_bad=skip_bad)
    doc = parse_xml(data)  # an unreadable file has nothing to skip to
    drafts, problems = _parse_item(doc)
    return parse_result(drafts, problems, skip_bad=skip_bad)


def _parse_item(doc: XmlDocument, prefix: str = "") -> tuple[list[ItemDraft], list[Problem]]:
    root = doc.root
    name = local(root.tag)
    if name == "questestinterop":
        return [], [
            Problem(doc.line(root), prefix + "QTI 1.x is not supported; export QTI 2.1 items")
        ]
    if name != "assessmentItem":
        reason = "not a QTI 2.1 item: the root element must be <assessmentItem>"
        return [], [Problem(doc.line(root), prefix + reason)]
    try:
        return [_Item(doc, root).draft()], []
    except ItemError as error:
        return [], [Problem(error.line, prefix + error.reason)]
    except RecursionError:
        return [], [Problem(doc.line(root), prefix + "the item is nested too deeply")]


PACKAGE_MAX_FILES = 1000
PACKAGE_MAX_BYTES = 20 * 1024 * 1024


def _parse_package(data: bytes, *, skip_bad: bool) -> ParseResult:
    """Items of an IMS content package, in manifest order (every ``.xml`` file but the
    manifest when it lists no items). Sizes are checked before anything is inflated."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = {info.filename: info for info in archive.infolist() if not info.is_dir()}
    except (zipfile.BadZipFile, OSError):
        raise ImportProblems([Problem(0, "not a readable zip file")]) from None
    total = sum(info.file_size for info in members.values())
    if len(members) > PACKAGE_MAX_FILES or total > PACKAGE_MAX_BYTES:
        raise ImportProblems([Problem(0, "the package is too large once unpacked")])
    names = [n for n in members if n.lower().endswith(".xml") and n != "imsmanifest.xml"]
    if "imsmanifest.xml" in members:
        manifest = parse_xml(archive.read("imsmanifest.xml"))
        listed = [
            resource.get("href", "")
            for resource in _descendants(manifest.root, "resource")
            if resource.get("type", "").startswith("imsqti_item_xmlv2p")
        ]
        names = listed or names
    drafts: list[ItemDraft] = []
    problems: list[Problem] = []
    for name in names:
        if name not in members:
            problems.append(Problem(0, f"{name}: listed in the manifest but not in the package"))
            continue
        try:
            found, bad = _parse_item(parse_xml(archive.read(name)), prefix=f"{name}: ")
        except ImportProblems as error:
            found, bad = [], [Problem(p.line, f"{name}: {p.reason}") for p in error.problems]
        except (zipfile.BadZipFile, zlib.error, OSError, RuntimeError, NotImplementedError):
            found, bad = [], [Problem(0, f"{name}: cannot be unpacked")]
        drafts += found
        problems += bad
    if not drafts and not problems:
        problems.append(Problem(0, "the package holds no QTI items"))
    return parse_result(drafts, problems, skip_bad=skip_bad)


def _children(element: Element, name: str) -> list[Element]:
    return [child for child in element if local(child.tag) == name]


def _descendants(element: Element, name: str) -> list[Element]:
    return [node for node in element.iter() if local(node.tag) == name]


def _values(declaration: Element | None, container: str) -> list[str]:
    if declaration is None:
        return []
    found = _children(declaration, container)
    return [(v.text or "").strip() for v in _children(found[0], "value")] if found else []


@dataclass
class _Mapping:
    entries: dict[str, float]
    case_sensitive: dict[str, bool]
    default: float
    upper: float | None


def _mapping(declaration: Element | None, line: int) -> _Mapping | None:
    found = _children(declaration, "mapping") if declaration is not None else []
    if not found:
        return None
    node = found[0]
    try:
        entries = {
            e.get("mapKey", ""): float(e.get("mappedValue", "0"))
            for e in _children(node, "mapEntry")
        }
        upper = float(node.get("upperBound")) if node.get("upperBound") else None  # type: ignore[arg-type]
        default = float(node.get("defaultValue", "0"))
    except ValueError:
        raise ItemError(line, "a <mapping> value is not a number") from None
    case = {
        e.get("mapKey", ""): e.get("caseSensitive", "true").lower() != "false"
        for e in _children(node, "mapEntry")
    }
    return _Mapping(entries, case, default, upper)


@dataclass
class _Item:
    doc: XmlDocument
    root: Element
    blanks: dict[int, str] = field(default_factory=dict)

    @property
    def line(self) -> int:
        return self.doc.line(self.root)

    def declaration(self, interaction: Element) -> Element | None:
        rid = interaction.get("responseIdentifier")
        for node in _children(self.root, "responseDeclaration"):
            if node.get("identifier") == rid:
                return node
        return None

    def draft(self) -> ItemDraft:
        bodies = _children(self.root, "itemBody")
        if not bodies:
            raise ItemError(self.line, "the item has no <itemBody>")
        body = bodies[0]
        interactions = [n for n in body.iter() if local(n.tag).endswith("Interaction")]
        for node in interactions:
            if local(node.tag) not in SUPPORTED:
                raise ItemError(
                    self.doc.line(node),
                    f"unsupported interaction <{local(node.tag)}> (supported: {', '.join(SUPPORTED)})",
                )
        if not interactions:
            raise ItemError(self.line, "the item has no interaction")
        kinds = {local(n.tag) for n in interactions}
        if len(interactions) > 1 and kinds != {"textEntryInteraction"}:
            raise ItemError(
                self.doc.line(interactions[1]),
                "more than one interaction in an item is not supported",
            )
        for n, node in enumerate(interactions, start=1):
            self.blanks[id(node)] = (
                f"[[{n}]]" if local(node.tag) == "textEntryInteraction" else BLANK
            )
        stem = _squash(_inner_html(body, self.blanks))
        points = 1.0
        for outcome in _children(self.root, "outcomeDeclaration"):
            if outcome.get("identifier") == "SCORE" and outcome.get("normalMaximum"):
                points = float(outcome.get("normalMaximum", "1"))
        common = Common(
            name=self.root.get("title") or self.root.get("identifier") or "",
            stem=stem,
            stem_format="html",
            general_feedback=self.general_feedback(),
            line=self.line,
            points=points,
        )
        first = interactions[0]
        kind = local(first.tag)
        if kind == "textEntryInteraction":
            return build.fill_in_item(common, [self.text_rules(node) for node in interactions])
        if kind == "extendedTextInteraction":
            correct = _values(self.declaration(first), "correctResponse")
            return build.essay_item(common, model_answer=correct[0] if correct else "")
        if kind in ("choiceInteraction", "inlineChoiceInteraction"):
            return self.choice(common, first)
        if kind == "orderInteraction":
            return self.order(common, first)
        return self.match(common, first)

    def general_feedback(self) -> str:
        """``modalFeedback showHide="hide"`` whose identifier no choice has: shown
        whatever the answer, which is how general feedback is written in QTI."""
        choice_ids = {
            n.get("identifier")
            for n in self.root.iter()
            if local(n.tag) in ("simpleChoice", "inlineChoice", "simpleAssociableChoice")
        }
        texts = [
            _text([m])
            for m in _children(self.root, "modalFeedback")
            if m.get("showHide") == "hide" and m.get("identifier") not in choice_ids
        ]
        return " ".join(t for t in texts if t)

    def choice(self, common: Common, node: Element) -> ItemDraft:
        inline = local(node.tag) == "inlineChoiceInteraction"
        options = _children(node, "inlineChoice" if inline else "simpleChoice")
        ids = [o.get("identifier", "") for o in options]
        declaration = self.declaration(node)
        multiple = not inline and (
            node.get("maxChoices", "1") != "1"
            or (declaration is not None and declaration.get("cardinality") == "multiple")
        )
        correct = _values(declaration, "correctResponse")
        unknown = [c for c in correct if c not in ids]
        if unknown:
            raise ItemError(
                self.doc.line(node),
                f"the correct response names unknown choices: {', '.join(unknown)}",
            )
        mapping = _mapping(declaration, self.doc.line(node))
        if mapping is not None:
            positive = [v for v in mapping.entries.values() if v > 0]
            best = (sum(positive) if multiple else max(positive, default=0.0)) or 1.0
            top = mapping.upper or best  # the item's maximum score
            fractions = [mapping.entries.get(i, mapping.default) / top for i in ids]
        elif multiple:
            # all-or-nothing in QTI; here each correct choice earns its share and any
            # wrong one cancels the item.
            fractions = (
                [1 / len(correct) if i in correct else -1.0 for i in ids]
                if correct
                else [0.0] * len(ids)
            )
        else:
            fractions = [1.0 if i in correct else 0.0 for i in ids]
        feedback = {
            i: _text(_children(o, "feedbackInline")) for i, o in zip(ids, options, strict=True)
        }
        for modal in _children(self.root, "modalFeedback"):
            target, text = modal.get("identifier", ""), _text([modal])
            if target not in ids or not text:
                continue
            shown = (
                [target]
                if modal.get("showHide", "show") == "show"
                else [i for i in ids if i != target]
            )
            for i in shown:
                feedback[i] = f"{feedback[i]} {text}".strip()
        choices = [
            Choice(_squash(_inner_html(o, {})), round(max(-1.0, min(1.0, f)), 7), feedback[i])
            for i, o, f in zip(ids, options, fractions, strict=True)
        ]
        return build.choice_item(
            common, choices, multiple=multiple, shuffle=node.get("shuffle") == "true"
        )

    def text_rules(self, node: Element) -> list[tuple[dict[str, Any], str]]:
        declaration = self.declaration(node)
        if declaration is None:
            raise ItemError(self.doc.line(node), "a text entry has no <responseDeclaration>")
        numeric = declaration.get("baseType") in ("float", "integer")
        mapping = _mapping(declaration, self.doc.line(node))
        if mapping is not None and mapping.entries:
            top = mapping.upper or max(mapping.entries.values()) or 1.0
            answers = [
                (key, value / top, mapping.case_sensitive[key])
                for key, value in mapping.entries.items()
            ]
        else:
            answers = [(value, 1.0, True) for value in _values(declaration, "correctResponse")]
        rules = []
        for text, fraction, case_sensitive in answers:
            fraction = round(max(-1.0, min(1.0, fraction)), 7)
            if numeric:
                try:
                    value = t.number_text(float(text))
                except ValueError:
                    raise ItemError(self.doc.line(node), f"{text!r} is not a number") from None
                rules.append((build.rule("numeric", value, fraction=fraction), ""))
            else:
                rules.append(
                    (build.rule("exact" if case_sensitive else "ci", text, fraction=fraction), "")
                )
        return rules

    def order(self, common: Common, node: Element) -> ItemDraft:
        options = _children(node, "simpleChoice")
        ids = [o.get("identifier", "") for o in options]
        correct = _values(self.declaration(node), "correctResponse")
        if sorted(correct) != sorted(ids):
            raise ItemError(self.doc.line(node), "the correct order must name every choice once")
        items = [_squash(_inner_html(o, {})) for o in options]
        return build.ordering_item(common, items, [ids.index(c) for c in correct])

    def match(self, common: Common, node: Element) -> ItemDraft:
        sets = _children(node, "simpleMatchSet")
        if len(sets) != 2:
            raise ItemError(self.doc.line(node), "a match interaction needs two <simpleMatchSet>s")
        left = {
            c.get("identifier", ""): _squash(_inner_html(c, {}))
            for c in _children(sets[0], "simpleAssociableChoice")
        }
        right = {
            c.get("identifier", ""): _squash(_inner_html(c, {}))
            for c in _children(sets[1], "simpleAssociableChoice")
        }
        pairs: dict[str, str] = {}
        for value in _values(self.declaration(node), "correctResponse"):
            source, _, target = value.partition(" ")
            if source not in left or target not in right:
                raise ItemError(
                    self.doc.line(node), f"the correct pair {value!r} names unknown choices"
                )
            if source in pairs:
                raise ItemError(
                    self.doc.line(node),
                    f"{left[source]!r} matches more than one answer: not supported",
                )
            pairs[source] = target
        missing = [text for key, text in left.items() if key not in pairs]
        if missing:
            raise ItemError(self.doc.line(node), f"no correct answer for {missing[0]!r}")
        used = set(pairs.values())
        listed = [(left[s], right[o]) for s, o in pairs.items()]
        listed += [("", text) for key, text in right.items() if key not in used]
        return build.matching_item(common, listed)


def _text(nodes: list[Element]) -> str:
    return " ".join(" ".join("".join(n.itertext()).split()) for n in nodes).strip()


def _inner_html(element: Element, blanks: dict[int, str]) -> str:
    """The element's content as HTML, namespaces dropped, feedback left out and each
    interaction replaced: inline ones by their blank, block ones by their prompt."""
    parts: list[str] = [_escape(element.text)]
    for child in element:
        parts.append(_outer_html(child, blanks))
        parts.append(_escape(child.tail))
    return "".join(parts)


def _outer_html(element: Element, blanks: dict[int, str]) -> str:
    name = local(element.tag)
    if name in _SKIPPED or name == "prompt":
        return ""
    if id(element) in blanks:
        if name in _BLOCK:
            prompts = _children(element, "prompt")
            return "".join(f"<p>{_squash(_inner_html(p, blanks))}</p>" for p in prompts)
        return blanks[id(element)]
    attrs = "".join(
        f' {key}="{html.escape(value)}"'
        for key, value in element.attrib.items()
        if not key.startswith("{")
    )
    if name in _VOID:
        return f"<{name}{attrs}>"
    return f"<{name}{attrs}>{_inner_html(element, blanks)}</{name}>"


def _escape(text: str | None) -> str:
    return html.escape(text, quote=False) if text else ""


def _squash(markup: str) -> str:
    """Whitespace runs to one space, as a browser shows them (``<pre>`` kept as is)."""
    return markup.strip() if "<pre" in markup else " ".join(markup.split())
