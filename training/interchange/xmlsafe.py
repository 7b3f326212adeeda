"""Parsing untrusted XML: always through defusedxml (no DTDs, no entities, no
external references), keeping each element's line for error messages."""

from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from training.interchange.errors import ImportProblems
from training.interchange.types import Problem


@dataclass(frozen=True)
class XmlDocument:
    root: Element
    _lines: dict[int, int]

    def line(self, element: Element) -> int:
        return self._lines.get(id(element), 0)


class _Target:
    """A TreeBuilder that notes the line each element starts on."""

    def __init__(self) -> None:
        self.builder = TreeBuilder()
        self.lines: dict[int, int] = {}
        self.parser: Any = None
        self.keep: list[Element] = []  # keeps ids stable while the tree is built

    def start(self, tag: str, attrs: dict[str, str]) -> Element:
        element = self.builder.start(tag, attrs)
        self.lines[id(element)] = int(self.parser.parser.CurrentLineNumber)
        self.keep.append(element)
        return element

    def end(self, tag: str) -> Element:
        return self.builder.end(tag)

    def data(self, data: str) -> None:
        self.builder.data(data)

    def close(self) -> Element:
        return self.builder.close()


def parse_xml(data: str | bytes) -> XmlDocument:
    """The document, or ImportProblems with the line of the first syntax error (a
    malformed file has no good items to keep, whatever ``skip_bad`` says)."""
    target = _Target()
    parser = DefusedXMLParser(
        target=target, forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    target.parser = parser
    try:
        parser.feed(data)
        root = parser.close()
    except ParseError as error:
        line = error.position[0] if error.position else 0
        raise ImportProblems([Problem(line, f"not well-formed XML: {error}")]) from None
    except DefusedXmlException:
        line = int(parser.parser.CurrentLineNumber)
        raise ImportProblems(
            [Problem(line, "DTDs, entity declarations and external references are not allowed")]
        ) from None
    return XmlDocument(root, target.lines)


def local(tag: str) -> str:
    """A tag without its namespace."""
    return tag.rsplit("}", 1)[-1]
