"""Verifying any credential JSON against this site's issuer, keys and status lists."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.utils import timezone

from certification.credentials.issuer import issuer_id, key_resolve
from certification.credentials.status_lists import status_lists_for_urls
from certification.credentials.vc import (
    StatusListError,
    VerificationKey,
    VerificationReport,
    credential_verify,
    did_key_resolve,
    status_entries_parse,
)
from core.errors import ApplicationError

# JSON-LD expansion cost grows with the document: the API and the page refuse more.
CREDENTIAL_MAX_BYTES = 256 * 1024


class PayloadTooLarge(ApplicationError):
    status_code = 413
    code = "too_large"


def _key_resolve(verification_method: str) -> VerificationKey | None:
    return key_resolve(verification_method) or did_key_resolve(verification_method)


def credential_check(*, document: Any, now: datetime | None = None) -> VerificationReport:
    """Runs every check on ``document`` (any JSON value): contexts, terms, proof, key,
    issuer (only this site's issuer is trusted), dates, revocation, suspension. Keys and
    status lists are resolved from this site's database; nothing is fetched. Never
    raises for a bad credential."""
    # Every list the credential names, in one query; unknown URLs resolve to None.
    lists = status_lists_for_urls(_status_list_urls(document))
    return credential_verify(
        document,
        trusted_issuers={issuer_id()},
        key_resolver=_key_resolve,
        status_resolver=lists.get,
        now=now or timezone.now(),
    )


def _status_list_urls(document: Any) -> list[str]:
    """The list URLs of the credential's status entries, read the way the verifier
    reads them (a malformed entry gives none: the verifier reports it). At most 8, so
    that a hostile document cannot make the query large."""
    if not isinstance(document, Mapping):
        return []
    try:
        entries = status_entries_parse(document=document)
    except StatusListError:
        return []
    return [entry.list_credential for entry in entries[:8]]
