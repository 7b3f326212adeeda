"""JSON-LD contexts pinned in this package, and a document loader that serves only them.

No JSON-LD operation in this package ever touches the network: :func:`document_loader`
answers from the files in ``contexts/`` and raises :class:`ContextNotPinnedError` for
any other URL. See ``contexts/NOTICE.md`` for provenance and licences.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from .errors import ContextNotPinnedError, CredentialError

VC_V2 = "https://www.w3.org/ns/credentials/v2"
VC_EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"
OB_V3P0 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"

_FILES: dict[str, str] = {
    VC_V2: "credentials-v2.jsonld",
    VC_EXAMPLES_V2: "credentials-examples-v2.jsonld",
    OB_V3P0: "ob-context-3.0.3.json",
}

# SHA-256 of each file as published (the VC 2.0 one is the digest the VC Data Model
# 2.0 specification lists for its context). Editing a file would silently change
# every canonical form and so break every signature: refuse to load it instead.
_SHA256: dict[str, str] = {
    VC_V2: "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734",
    VC_EXAMPLES_V2: "57393fbc69d6efb9b9b5dc9cb6b9880b0944360abfe2eaf459c9e58cf2279d7c",
    OB_V3P0: "ef2fa9c7846dce233cc166b43639027278be4ee44f00bb1d45c75de2dd0cd761",
}

#: Every URL the document loader will serve.
PINNED_CONTEXTS: frozenset[str] = frozenset(_FILES)

#: Contexts a production credential may use. The W3C examples context defines every
#: term through ``@vocab`` and is pinned only to reproduce the W3C test vectors.
PRODUCTION_CONTEXTS: frozenset[str] = frozenset({VC_V2, OB_V3P0})


@cache
def _context_document(url: str) -> Mapping[str, Any]:
    name = _FILES[url]
    raw = resources.files(__package__).joinpath("contexts").joinpath(name).read_bytes()
    if hashlib.sha256(raw).hexdigest() != _SHA256[url]:
        raise CredentialError(f"pinned context file {name} does not match its SHA-256 digest")
    document: Mapping[str, Any] = json.loads(raw)
    return document


def context_document(*, url: str) -> dict[str, Any]:
    """Return a fresh copy of the pinned context document for ``url``.

    Raises :class:`ContextNotPinnedError` if ``url`` is not pinned.
    """
    if url not in _FILES:
        raise ContextNotPinnedError(url)
    return copy.deepcopy(dict(_context_document(url)))


def document_loader(url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """pyld document loader serving only :data:`PINNED_CONTEXTS`.

    Returns pyld's remote-document shape. Raises :class:`ContextNotPinnedError` for
    any other URL (pyld wraps it in a ``JsonLdError`` whose cause chain holds it).
    Never performs I/O beyond reading this package's files; safe to call repeatedly.
    """
    return {
        "contextUrl": None,
        "documentUrl": url,
        "document": context_document(url=url),
        # pyld keeps a remote context in its process-wide cache only when tagged;
        # pinned contexts never change, so they are cached for the process lifetime.
        "tag": "static",
    }
