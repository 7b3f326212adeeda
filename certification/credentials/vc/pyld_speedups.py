"""Exact, faster stand-ins for pyld's per-value predicates (``canon`` installs them).

pyld asks a handful of one-line module-level questions thousands of times per
credential: is this value a keyword (a scan of a 29-item list), an absolute IRI (a
regular expression), a number (``float(v)``, raising for every ordinary string), an
integer or a double (``isinstance`` against the ``numbers`` ABCs, a Python-level
check each time), a dict, a list, a string. Together they were about a fifth of the
time spent signing plus verifying a credential. Each stand-in gives pyld's own answer
for every value (``tests/credentials/test_pyld_speedups.py`` compares them with the
originals in :data:`PYLD_ORIGINALS` and canonicalises with both sets); only the way
of getting there changes:

- answers about a plain ``str`` that depend only on its value (absolute IRI,
  numeric) are memoised, for strings short enough to be IRIs or numbers (a bounded
  memo, so a hostile document cannot grow it);
- a keyword is looked up in a frozenset (for a plain ``str``; anything else takes
  pyld's path);
- ``str`` is no number, so the integer and double tests answer a plain ``str``
  without asking the ABCs (installed only while ``str`` is not registered as one);
- the dict, list and string tests are the types' own ``__instancecheck__``, which is
  what ``isinstance`` calls (pyld's dict test also accepts ``frozendict``: installed
  only while that is a dict subclass).
"""

import re
from collections.abc import Callable
from numbers import Integral, Real
from typing import Any

from frozendict import frozendict
from pyld import jsonld

_NAMES = (
    "_is_absolute_iri",
    "_is_array",
    "_is_double",
    "_is_integer",
    "_is_keyword",
    "_is_numeric",
    "_is_object",
    "_is_string",
)
# pyld's own functions, for the tests (and for anything a stand-in does not answer).
PYLD_ORIGINALS: dict[str, Callable[[Any], Any]] = {name: getattr(jsonld, name) for name in _NAMES}

# The pattern of pyld's ``_is_absolute_iri`` (the test checks that it still is).
PYLD_ABSOLUTE_IRI_PATTERN = r"^([A-Za-z][A-Za-z0-9+-.]*|_):[^\s]*$"
_absolute_iri_match = re.compile(PYLD_ABSOLUTE_IRI_PATTERN).match

# Memo bounds: strings longer than this are answered without the memo (IRIs and
# numbers in credentials are far shorter); the memo is emptied when full.
MEMO_MAX_LENGTH = 256
MEMO_MAX_ENTRIES = 4096

_KEYWORDS = frozenset(jsonld.KEYWORDS)
_pyld_is_numeric = PYLD_ORIGINALS["_is_numeric"]
_pyld_is_integer = PYLD_ORIGINALS["_is_integer"]
_pyld_is_double = PYLD_ORIGINALS["_is_double"]


class StringMemo:
    """A predicate whose answer for a plain ``str`` is ``test(value)``, a pure function
    of the value, memoised for strings of at most :data:`MEMO_MAX_LENGTH` characters;
    for anything else (``str`` subclasses included) it is ``original(value)``."""

    def __init__(self, *, original: Callable[[Any], Any], test: Callable[[str], bool]) -> None:
        self._original = original
        self._test = test
        self.known: dict[str, bool] = {}

    def __call__(self, value: Any) -> bool:
        if type(value) is not str:
            return bool(self._original(value))
        known = self.known.get(value)
        if known is None:
            known = self._test(value)
            if len(value) <= MEMO_MAX_LENGTH:
                if len(self.known) >= MEMO_MAX_ENTRIES:
                    self.known.clear()
                self.known[value] = known
        return known


is_absolute_iri = StringMemo(
    original=PYLD_ORIGINALS["_is_absolute_iri"],
    test=lambda value: _absolute_iri_match(value) is not None,
)
is_numeric = StringMemo(original=_pyld_is_numeric, test=_pyld_is_numeric)


def is_keyword(value: Any) -> bool:
    if type(value) is str:
        return value in _KEYWORDS
    return isinstance(value, str) and value in jsonld.KEYWORDS


def is_integer(value: Any) -> bool:
    if type(value) is str:
        return False
    return bool(_pyld_is_integer(value))


def is_double(value: Any) -> bool:
    if type(value) is str:
        return False
    return bool(_pyld_is_double(value))


def _stand_ins() -> dict[str, Callable[[Any], Any]]:
    stand_ins: dict[str, Callable[[Any], Any]] = {
        "_is_absolute_iri": is_absolute_iri,
        "_is_keyword": is_keyword,
        "_is_numeric": is_numeric,
        "_is_array": list.__instancecheck__,
        "_is_string": str.__instancecheck__,
    }
    if not issubclass(str, (Integral, Real)):
        stand_ins["_is_integer"] = is_integer
        stand_ins["_is_double"] = is_double
    if issubclass(frozendict, dict):
        stand_ins["_is_object"] = dict.__instancecheck__
    return stand_ins


STAND_INS = _stand_ins()


def install() -> None:
    """Put the stand-ins in pyld's module (what its functions call). Idempotent."""
    for name, stand_in in STAND_INS.items():
        setattr(jsonld, name, stand_in)


def uninstall() -> None:
    """Put pyld's own predicates back (for the tests)."""
    for name, original in PYLD_ORIGINALS.items():
        setattr(jsonld, name, original)
