"""GIFT, Moodle's plain-text question format: ``parse`` (reader) and ``write``
(writer). What maps to what is in docs/interchange.md."""

from training.interchange.gift.reader import parse
from training.interchange.gift.writer import escape, write

__all__ = ["escape", "parse", "write"]
