"""Question import and export: GIFT and Moodle XML (both ways), QTI 2.1 items and
content packages (import; export through ``qti.write``).

Parsers turn a file into :class:`~training.interchange.types.ItemDraft` objects and
touch no database; ``training.services.interchange`` stores them.
"""

from collections.abc import Iterable

from training.interchange import gift, moodle_xml, qti
from training.interchange.errors import ImportProblems
from training.interchange.types import ItemDraft, ParseResult, Problem

IMPORT_FORMATS = ("gift", "moodle-xml", "qti")
EXPORT_FORMATS = ("gift", "moodle-xml")

__all__ = [
    "EXPORT_FORMATS",
    "IMPORT_FORMATS",
    "ImportProblems",
    "ItemDraft",
    "ParseResult",
    "Problem",
    "parse",
    "write",
]


def parse(fmt: str, data: str | bytes, *, skip_bad: bool = False) -> ParseResult:
    """Drafts from a file in ``fmt`` (one of IMPORT_FORMATS). Raises ImportProblems
    listing every problem with its line, unless ``skip_bad``: then the good drafts
    come back and the bad items are listed in ``skipped``. Raises ValueError for an
    unknown format. Pure; safe to call twice."""
    if fmt == "gift":
        if isinstance(data, bytes):
            try:
                data = data.decode("utf-8-sig")
            except UnicodeDecodeError as error:
                raise ImportProblems(
                    [Problem(0, f"the file is not UTF-8 text ({error.reason})")]
                ) from None
        return gift.parse(data, skip_bad=skip_bad)
    if fmt == "moodle-xml":
        return moodle_xml.parse(data, skip_bad=skip_bad)
    if fmt == "qti":
        return qti.parse(data, skip_bad=skip_bad)
    raise ValueError(f"unknown import format {fmt!r}; use one of {', '.join(IMPORT_FORMATS)}")


def write(fmt: str, drafts: Iterable[ItemDraft]) -> str:
    """``drafts`` as a file in ``fmt`` (one of EXPORT_FORMATS). Items the format cannot
    hold are left out with a comment in the file saying so."""
    if fmt == "gift":
        return gift.write(drafts)
    if fmt == "moodle-xml":
        return moodle_xml.write(drafts)
    raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
