"""IMS QTI 2.1 ``assessmentItem``: import (``reader``, through defusedxml) and export
(``writer``: a content package). What maps to what is in docs/interchange.md."""

from training.interchange.qti.reader import parse
from training.interchange.qti.writer import Unsupported, write, write_item

__all__ = ["Unsupported", "parse", "write", "write_item"]
