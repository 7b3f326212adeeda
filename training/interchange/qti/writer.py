"""Writing IMS QTI 2.1: one ``assessmentItem`` per draft (``write_item``), in a
content package (``write``). Each kind of item builds its response declarations,
interactions and response processing (``_Parts``); ``_assemble`` puts them in the
item in QTI's order."""

import html
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element, SubElement, indent, tostring

from training.interchange import types as t
from training.interchange.errors import ImportProblems
from training.interchange.qti.reader import BLANK
from training.interchange.types import ItemDraft
from training.interchange.xmlsafe import local, parse_xml
from training.markup import render_markdown

QTI_NS = "http://www.imsglobal.org/xsd/imsqti_v2p1"
MATHML_NS = "http://www.w3.org/1998/Math/MathML"
_XML_ENTITIES = {"lt", "gt", "amp", "quot", "apos"}
_VOID_RE = re.compile(r"<(br|img|hr|input|col|area|source|wbr)\b([^>]*?)\s*/?>", re.I)
_ENTITY_RE = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")
_BARE_AMP_RE = re.compile(r"&(?!#?[A-Za-z0-9]+;)")
MAP_RESPONSE = "http://www.imsglobal.org/question/qti_v2p1/rptemplates/map_response"
MATCH_CORRECT = "http://www.imsglobal.org/question/qti_v2p1/rptemplates/match_correct"


class Unsupported(Exception):
    """A draft QTI 2.1 cannot hold; the message says why."""


def _q(tag: str) -> str:
    # Plain names, with ``xmlns`` written on the root: ElementTree's
    # default_namespace cannot serialise unqualified attributes.
    return tag


def _el(parent: Element | None, tag: str, text: str | None = None, **attrs: str) -> Element:
    node = Element(_q(tag), attrs) if parent is None else SubElement(parent, _q(tag), attrs)
    if text is not None:
        node.text = text
    return node


def _to_xhtml(markup: str) -> str:
    """HTML as XML: void elements closed, named entities as numbers, bare ``&``
    escaped."""

    def entity(match: re.Match[str]) -> str:
        if match.group(1) in _XML_ENTITIES:
            return match.group(0)
        text = html.unescape(match.group(0))
        return (
            "".join(f"&#{ord(c)};" for c in text)
            if text != match.group(0)
            else "&amp;" + match.group(0)[1:]
        )

    markup = _VOID_RE.sub(r"<\1\2/>", markup)
    markup = _BARE_AMP_RE.sub("&amp;", markup)
    return _ENTITY_RE.sub(entity, markup)


def _fill(parent: Element, markup: str, interactions: dict[str, Element] | None = None) -> None:
    """Puts ``markup`` (HTML) into ``parent`` as QTI XHTML; each key of
    ``interactions`` found in it is replaced by that element. Markup that will not
    parse as XML goes in as text."""
    interactions = interactions or {}
    placeholders = {key: f"<qti-slot n='{n}'/>" for n, key in enumerate(interactions)}
    for key, slot in placeholders.items():
        markup = markup.replace(key, slot, 1)
    try:
        wrapper = parse_xml(f"<div>{_to_xhtml(markup)}</div>").root
    except ImportProblems:
        wrapper = Element("div")
        wrapper.text = markup
    slots = list(interactions.values())

    def adopt(node: Element, in_math: bool) -> Element:
        name = local(node.tag)
        if name == "qti-slot":
            replacement = slots[int(node.get("n", "0"))]
            replacement.tail = node.tail
            return replacement
        attrs = {k: v for k, v in node.attrib.items() if not k.startswith("{") and k != "xmlns"}
        if name == "math" and not in_math:
            attrs["xmlns"] = MATHML_NS
        copy = Element(name, attrs)
        copy.text, copy.tail = node.text, node.tail
        copy.extend(adopt(child, in_math or name == "math") for child in node)
        return copy

    parent.text = (parent.text or "") + (wrapper.text or "")
    parent.extend(adopt(child, False) for child in wrapper)


def _stem_html(draft: ItemDraft) -> str:
    if draft.stem_format == "html":
        return draft.stem
    return str(render_markdown(draft.stem))  # Markdown + LaTeX, sanitised


def _markup(draft: ItemDraft, text: str) -> str:
    """A choice's text as HTML: HTML items keep theirs; Markdown is rendered, a lone
    paragraph unwrapped."""
    if draft.stem_format == "html":
        return text
    rendered = str(render_markdown(text)).strip()
    inner = rendered[3:-4]
    if rendered.startswith("<p>") and rendered.endswith("</p>") and "<p>" not in inner:
        return inner
    return rendered


@dataclass
class _Parts:
    """What an item's kind contributes: response declarations, the interactions that
    go inline in the text (by the marker they replace) or as blocks after it, and the
    response processing (a standard template, or custom rules)."""

    declarations: list[Element] = field(default_factory=list)
    inline: dict[str, Element] = field(default_factory=dict)
    blocks: list[Element] = field(default_factory=list)
    template: str | None = MAP_RESPONSE
    custom_rp: Element | None = None


def write_item(draft: ItemDraft, identifier: str) -> str:
    """``draft`` as one QTI 2.1 ``assessmentItem``. Raises Unsupported for what QTI
    cannot hold here (description, programming, regex or toleranced numeric blanks)."""
    root = _el(
        None,
        "assessmentItem",
        xmlns=QTI_NS,
        identifier=identifier,
        title=draft.name,
        adaptive="false",
        timeDependent="false",
    )
    _assemble(root, draft, _parts(draft))
    _indent_outside_body(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="unicode") + "\n"


def _parts(draft: ItemDraft) -> _Parts:
    kind = draft.kind
    if kind in (t.SINGLE_CHOICE, t.MULTIPLE_CHOICE, t.TRUE_FALSE):
        return _choice_parts(draft)
    if kind == t.FILL_IN:
        return _fill_in_parts(draft)
    if kind == t.ORDERING:
        return _ordering_parts(draft)
    if kind == t.MATCHING:
        return _matching_parts(draft)
    if kind in (t.SHORT_ANSWER, t.CASE_ANALYSIS):
        return _text_parts(draft)
    raise Unsupported(f"{kind} has no QTI 2.1 form here")


def _assemble(root: Element, draft: ItemDraft, parts: _Parts) -> None:
    """Declarations, outcomes, the body with its interactions, response processing
    and general feedback, in QTI's order."""
    for decl in parts.declarations:
        root.append(decl)
    _el(
        root,
        "outcomeDeclaration",
        identifier="SCORE",
        cardinality="single",
        baseType="float",
        normalMaximum=t.number_text(draft.points),
    )
    general = draft.feedback.get("general") or ""
    if general or parts.custom_rp is not None:
        cardinality = "multiple" if draft.kind == t.MULTIPLE_CHOICE else "single"
        _el(
            root,
            "outcomeDeclaration",
            identifier="FEEDBACK",
            cardinality=cardinality,
            baseType="identifier",
        )
    body = _el(root, "itemBody")
    _fill(body, _stem_html(draft), parts.inline)
    missing = [key for key, node in parts.inline.items() if node not in list(body.iter())]
    if missing:
        raise Unsupported(f"the text has no place for {missing[0]}")
    body.extend(parts.blocks)
    if parts.custom_rp is not None:
        root.append(parts.custom_rp)
    elif parts.template is not None:
        _el(root, "responseProcessing", template=parts.template)
    if general:
        _el(
            root,
            "modalFeedback",
            general,
            outcomeIdentifier="FEEDBACK",
            identifier="GENERAL",
            showHide="hide",
        )


def _declaration(identifier: str, cardinality: str, base_type: str) -> Element:
    return _el(
        None,
        "responseDeclaration",
        identifier=identifier,
        cardinality=cardinality,
        baseType=base_type,
    )


def _choices_and_fractions(draft: ItemDraft) -> tuple[list[dict[str, Any]], dict[str, float]]:
    if draft.kind == t.TRUE_FALSE:
        correct = bool(draft.key["correct"])
        choices = [{"id": "true", "text": "True"}, {"id": "false", "text": "False"}]
        return choices, {"true": 1.0 if correct else 0.0, "false": 0.0 if correct else 1.0}
    choices = draft.data["choices"]
    return choices, {c["id"]: float(draft.key["fractions"].get(c["id"], 0)) for c in choices}


def _choice_parts(draft: ItemDraft) -> _Parts:
    """One choice interaction (inline where a single-choice stem holds the blank)
    with a mapped score; per-choice feedback needs custom response processing."""
    choices, fractions = _choices_and_fractions(draft)
    multiple = draft.kind == t.MULTIPLE_CHOICE
    decl = _declaration("RESPONSE", "multiple" if multiple else "single", "identifier")
    correct_node = _el(decl, "correctResponse")
    best = max(fractions.values())
    for c in choices:
        if (fractions[c["id"]] > 0) if multiple else (fractions[c["id"]] == best):
            _el(correct_node, "value", c["id"])
    points = t.number_text(draft.points)
    mapping = _el(decl, "mapping", lowerBound="0", upperBound=points, defaultValue="0")
    for c in choices:
        if fractions[c["id"]]:
            value = t.number_text(fractions[c["id"]] * draft.points)
            _el(mapping, "mapEntry", mapKey=c["id"], mappedValue=value)
    parts = _Parts(declarations=[decl])
    inline = draft.kind == t.SINGLE_CHOICE and BLANK in draft.stem
    shuffle = str(bool(draft.data.get("shuffle", True))).lower()
    if inline:
        node = _el(None, "inlineChoiceInteraction", responseIdentifier="RESPONSE", shuffle=shuffle)
        parts.inline[BLANK] = node
    else:
        node = _el(
            None,
            "choiceInteraction",
            responseIdentifier="RESPONSE",
            shuffle=shuffle,
            maxChoices="0" if multiple else "1",
        )
        parts.blocks.append(node)
    feedback: dict[str, str] = draft.feedback.get("choices", {})
    for c in choices:
        option = _el(node, "inlineChoice" if inline else "simpleChoice", identifier=c["id"])
        _fill(option, _markup(draft, c["text"]))
        if feedback.get(c["id"]) and not inline:
            _el(
                option,
                "feedbackInline",
                feedback[c["id"]],
                outcomeIdentifier="FEEDBACK",
                identifier=c["id"],
                showHide="show",
            )
    if any(feedback.values()) and not inline:
        parts.custom_rp = _el(None, "responseProcessing")
        set_score = _el(parts.custom_rp, "setOutcomeValue", identifier="SCORE")
        _el(set_score, "mapResponse", identifier="RESPONSE")
        set_feedback = _el(parts.custom_rp, "setOutcomeValue", identifier="FEEDBACK")
        _el(set_feedback, "variable", identifier="RESPONSE")
    return parts


def _blank_declaration(draft: ItemDraft, name: str, rid: str) -> Element:
    """A text entry's declaration: its exact, case-insensitive or exact numeric
    answers, mapped to their points."""
    rules = [
        r for r in draft.key["blanks"][name] if not (r["match"] == "regex" and not r["fraction"])
    ]
    matches = {r["match"] for r in rules}
    if not rules or not (matches <= {"exact", "ci"} or matches == {"numeric"}):
        raise Unsupported("QTI text entries take exact, case-insensitive or exact numeric answers")
    numeric = matches == {"numeric"}
    if numeric and any(r.get("tolerance") or r.get("min") is not None for r in rules):
        raise Unsupported("QTI mappings have no numeric tolerance or range")
    decl = _declaration(rid, "single", "float" if numeric else "string")
    best = max(rules, key=lambda r: float(r["fraction"]))
    _el(_el(decl, "correctResponse"), "value", str(best["value"]))
    points = t.number_text(draft.points)
    mapping = _el(decl, "mapping", lowerBound="0", upperBound=points, defaultValue="0")
    for r in rules:
        entry = _el(
            mapping,
            "mapEntry",
            mapKey=str(r["value"]),
            mappedValue=t.number_text(float(r["fraction"]) * draft.points),
        )
        if not numeric:
            entry.set("caseSensitive", "true" if r["match"] == "exact" else "false")
    return decl


def _fill_in_parts(draft: ItemDraft) -> _Parts:
    """A text entry per blank; with several blanks, the score is their mean."""
    blanks = draft.data["blanks"]
    parts = _Parts()
    for n, name in enumerate(blanks, start=1):
        rid = "RESPONSE" if len(blanks) == 1 else f"RESPONSE_{n}"
        parts.declarations.append(_blank_declaration(draft, name, rid))
        parts.inline[f"[[{name}]]"] = _el(None, "textEntryInteraction", responseIdentifier=rid)
    if len(blanks) > 1:
        parts.template = None
        parts.custom_rp = _el(None, "responseProcessing")
        total = _el(_el(parts.custom_rp, "setOutcomeValue", identifier="SCORE"), "divide")
        summed = _el(total, "sum")
        for n in range(1, len(blanks) + 1):
            _el(summed, "mapResponse", identifier=f"RESPONSE_{n}")
        _el(total, "baseValue", str(len(blanks)), baseType="float")
    return parts


def _ordering_parts(draft: ItemDraft) -> _Parts:
    decl = _declaration("RESPONSE", "ordered", "identifier")
    correct_node = _el(decl, "correctResponse")
    for item_id in draft.key["order"]:
        _el(correct_node, "value", item_id)
    node = _el(None, "orderInteraction", responseIdentifier="RESPONSE", shuffle="true")
    for item in draft.data["items"]:
        _fill(_el(node, "simpleChoice", identifier=item["id"]), _markup(draft, item["text"]))
    return _Parts(declarations=[decl], blocks=[node], template=MATCH_CORRECT)


def _matching_parts(draft: ItemDraft) -> _Parts:
    prompts, options = draft.data["prompts"], draft.data["options"]
    decl = _declaration("RESPONSE", "multiple", "directedPair")
    correct_node = _el(decl, "correctResponse")
    points = t.number_text(draft.points)
    mapping = _el(decl, "mapping", lowerBound="0", upperBound=points, defaultValue="0")
    for p in prompts:
        pair = f"{p['id']} {draft.key['pairs'][p['id']]}"
        _el(correct_node, "value", pair)
        value = t.number_text(draft.points / len(prompts))
        _el(mapping, "mapEntry", mapKey=pair, mappedValue=value)
    node = _el(
        None,
        "matchInteraction",
        responseIdentifier="RESPONSE",
        shuffle="true",
        maxAssociations=str(len(prompts)),
    )
    for group, limit in ((prompts, "1"), (options, str(len(prompts)))):
        match_set = _el(node, "simpleMatchSet")
        for entry in group:
            choice = _el(
                match_set, "simpleAssociableChoice", identifier=entry["id"], matchMax=limit
            )
            _fill(choice, _markup(draft, entry["text"]))
    return _Parts(declarations=[decl], blocks=[node])


def _text_parts(draft: ItemDraft) -> _Parts:
    decl = _declaration("RESPONSE", "single", "string")
    if draft.key.get("model_answer"):
        _el(_el(decl, "correctResponse"), "value", str(draft.key["model_answer"]))
    node = _el(None, "extendedTextInteraction", responseIdentifier="RESPONSE")
    return _Parts(declarations=[decl], blocks=[node], template=None)  # graded by an examiner


def _indent_outside_body(root: Element) -> None:
    """Indents the declarations and processing; content (``itemBody``, feedback) keeps
    its exact whitespace, which matters in ``<pre>``."""
    root.text = "\n  "
    for child in root:
        if local(child.tag) in ("responseDeclaration", "outcomeDeclaration", "responseProcessing"):
            indent(child, level=1)
        child.tail = "\n  "
    if len(root):
        root[-1].tail = "\n"


def write(drafts: Iterable[ItemDraft]) -> bytes:
    """A QTI 2.1 content package (zip): one item file per draft, ``imsmanifest.xml``
    listing them, and ``not-exported.txt`` naming the drafts QTI cannot hold."""
    buffer = io.BytesIO()
    resources: list[str] = []
    notes: list[str] = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for n, draft in enumerate(drafts, start=1):
            identifier = f"item{n:04d}"
            try:
                text = write_item(draft, identifier)
            except Unsupported as error:
                notes.append(f"{' '.join(draft.name.split())}: {error}")
                continue
            archive.writestr(f"items/{identifier}.xml", text)
            resources.append(identifier)
        archive.writestr("imsmanifest.xml", _manifest(resources))
        if notes:
            archive.writestr("not-exported.txt", "\n".join(notes) + "\n")
    return buffer.getvalue()


def _manifest(identifiers: list[str]) -> str:
    manifest = Element(
        "manifest", xmlns="http://www.imsglobal.org/xsd/imscp_v1p1", identifier="manifest"
    )
    SubElement(manifest, "organizations")
    resources = SubElement(manifest, "resources")
    for identifier in identifiers:
        href = f"items/{identifier}.xml"
        resource = SubElement(
            resources, "resource", identifier=identifier, type="imsqti_item_xmlv2p1", href=href
        )
        SubElement(resource, "file", href=href)
    indent(manifest)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(manifest, encoding="unicode") + "\n"
    )
