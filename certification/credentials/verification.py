"""Verifying any credential JSON against this site's issuer, keys and status lists."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.utils import timezone

from certification.credentials.issuer import issuer_id, key_resolve
from certification.credentials.lookups import credential_check_inputs
from certification.credentials.vc import (
    ProofError,
    StatusEntry,
    StatusListError,
    VerificationKey,
    VerificationReport,
    credential_verify,
    did_key_resolve,
    proof_parts,
    status_entries_parse,
)
from core.errors import ApplicationError

# JSON-LD expansion cost grows with the document: the API and the page refuse more.
CREDENTIAL_MAX_BYTES = 256 * 1024


class PayloadTooLarge(ApplicationError):
    status_code = 413
    code = "too_large"


def credential_check(*, document: Any, now: datetime | None = None) -> VerificationReport:
    """Runs every check on ``document`` (any JSON value): contexts, terms, proof, key,
    issuer (only this site's issuer is trusted), dates, revocation, suspension. Keys and
    status bits are resolved from this site's database, on every call (a revoked key
    or a new revocation counts at once), in one query; nothing is fetched. Never
    raises for a bad credential."""
    key_url = _verification_method(document)
    inputs = credential_check_inputs(key_url=key_url, status_entries=_status_entries(document))

    def key_resolver(verification_method: str) -> VerificationKey | None:
        # The verifier asks for the method read above (it reads the same proof).
        found = inputs.key if verification_method == key_url else key_resolve(verification_method)
        return found or did_key_resolve(verification_method)

    return credential_verify(
        document,
        trusted_issuers={issuer_id()},
        key_resolver=key_resolver,
        status_resolver=inputs.status_lists.get,  # unknown URLs resolve to None
        now=now or timezone.now(),
    )


def _verification_method(document: Any) -> str | None:
    """The proof's verification method, read the way the verifier reads it (None
    when the proof is unusable: the verifier reports it)."""
    if not isinstance(document, Mapping):
        return None
    try:
        return proof_parts(document=document).verification_method
    except ProofError:
        return None


def _status_entries(document: Any) -> list[StatusEntry]:
    """The credential's status entries, read the way the verifier reads them (a
    malformed entry gives none: the verifier reports it)."""
    if not isinstance(document, Mapping):
        return []
    try:
        return status_entries_parse(document=document)
    except StatusListError:
        return []
