"""The one error family of the credentials package.

Every failure that a caller can act on is a :class:`CredentialError`; the project's
API edge translates it once (into its own ``ApplicationError`` or an HTTP 400).
"""

from __future__ import annotations


class CredentialError(Exception):
    """Base class: a credential could not be built, signed, canonicalised or decoded."""


class ContextNotPinnedError(CredentialError):
    """A JSON-LD context URL is not one of the locally pinned contexts.

    Raised by the document loader instead of fetching anything from the network.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        super().__init__(f"JSON-LD context {url!r} is not pinned locally; refusing to fetch it")


class UndefinedTermError(CredentialError):
    """The document uses terms (or relative IRIs) that the pinned contexts do not define.

    Such data would be silently left out of the canonical form, hence out of the
    signature. ``terms`` names each offender, e.g. ``"credentialSubject.foo"``.
    """

    def __init__(self, terms: tuple[str, ...]) -> None:
        self.terms = terms
        super().__init__(
            "terms not defined by the pinned JSON-LD contexts (they would not be "
            "signed): " + ", ".join(terms)
        )


class CanonicalizationError(CredentialError):
    """JSON-LD processing failed (invalid JSON-LD, protected term redefinition, ...)."""


class ProofError(CredentialError):
    """A proof could not be created or did not verify; the message says why."""


class KeyFormatError(CredentialError):
    """A Multikey / multibase value is malformed or of the wrong key type."""


class StatusListError(CredentialError):
    """A Bitstring Status List is malformed, too short, or an index is out of range."""
