"""The reads on the credential hot path, one statement each.

Signing a credential needs its status entries and the issuer's active key; verifying
one needs the key its proof names and the status lists it names. Each pair is read in
one round trip (``UNION ALL`` of two plain selects, only the columns used), on every
call: nothing read here is cached (only the parsing of a stored public key, a pure
function of its value), so a key rotated or revoked, or a bit set in a status list,
counts for the very next signature or verification. Plain SQL because the
ORM's compilation of these small queries cost more than the database did.
"""

import functools
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.db import connection

from certification.credentials.vc import (
    StatusEntry,
    StatusList,
    VerificationKey,
    public_key_from_multikey,
)
from certification.models import CredentialStatusList, IssuerKey

# Revocation first, as ``status_lists.PURPOSES`` orders them.
_PURPOSE_ORDER = {
    CredentialStatusList.Purpose.REVOCATION.value: 0,
    CredentialStatusList.Purpose.SUSPENSION.value: 1,
}
# At most this many status list URLs are looked up for one credential (a hostile
# document cannot make the statement large).
MAX_LIST_URLS = 8


@dataclass(frozen=True)
class SigningInputs:
    """What signing one credential of a certificate reads from the database."""

    status_entries: list[StatusEntry]  # revocation first
    key_url: str | None  # the active key, None when there is none yet
    sealed_key: str | None  # its ``secret_encrypted``


# The tables of ``CredentialStatusIndex``, ``CredentialStatusList`` and ``IssuerKey``
# (their default names, checked by the tests); the statements are constants.
_SIGNING_SQL = """
SELECT l.url, i."index", l.purpose, NULL
  FROM certification_credentialstatusindex i
  JOIN certification_credentialstatuslist l ON l.id = i.status_list_id
 WHERE i.certificate_id = %s AND i.credential_id = %s
UNION ALL
SELECT k.key_url, NULL, NULL, k.secret_encrypted
  FROM certification_issuerkey k
 WHERE k.issuer_id = %s AND k.state = %s
"""

_CHECK_SQL = """
SELECT 'key', k.key_url, k.issuer_id, k.public_multikey, k.state, k.revoked_reason, NULL
  FROM certification_issuerkey k
 WHERE k.key_url = %s
UNION ALL
SELECT 'list', l.url, l.purpose, NULL, NULL, NULL, l.bits
  FROM certification_credentialstatuslist l
 WHERE l.url IN (%s, %s, %s, %s, %s, %s, %s, %s)
"""


def credential_signing_inputs(
    *, certificate_id: int, credential_id: str, issuer: str
) -> SigningInputs:
    """The status entries of ``credential_id`` of the certificate and ``issuer``'s
    active key, in one query."""
    params: list[int | str] = [certificate_id, credential_id, issuer, IssuerKey.State.ACTIVE]
    with connection.cursor() as cursor:
        cursor.execute(_SIGNING_SQL, params)
        rows = cursor.fetchall()
    entries: list[StatusEntry] = []
    key_url = sealed = None
    for url, list_index, purpose, secret in rows:
        if list_index is None:
            key_url, sealed = url, secret
        else:
            entries.append(StatusEntry(list_credential=url, index=list_index, purpose=purpose))
    entries.sort(key=lambda entry: _PURPOSE_ORDER[entry.purpose])
    return SigningInputs(status_entries=entries, key_url=key_url, sealed_key=sealed)


@dataclass(frozen=True)
class CheckInputs:
    """What verifying one credential reads from the database."""

    key: VerificationKey | None  # the key the proof names, if it is one of ours
    status_lists: dict[str, StatusList]  # our lists among the URLs asked for


@functools.lru_cache(maxsize=64)
def _public_key(public_multikey: str) -> Ed25519PublicKey:
    # A pure function of the stored value (a key's public half never changes; its
    # state is read on every call).
    return public_key_from_multikey(multibase=public_multikey)


def credential_check_inputs(*, key_url: str | None, list_urls: list[str]) -> CheckInputs:
    """The issuer key at ``key_url`` (any state: the verifier reports a revoked one)
    and the status lists at ``list_urls`` (purpose and bits only), in one query; no
    query when there is nothing to look up."""
    urls = list(dict.fromkeys(list_urls))[:MAX_LIST_URLS]
    if key_url is None and not urls:
        return CheckInputs(key=None, status_lists={})
    # Unused places hold NULL, which matches no row.
    params: list[str | None] = [key_url, *urls, *[None] * (MAX_LIST_URLS - len(urls))]
    with connection.cursor() as cursor:
        cursor.execute(_CHECK_SQL, params)
        rows = cursor.fetchall()
    key: VerificationKey | None = None
    status_lists: dict[str, StatusList] = {}
    for kind, url, column_a, public_multikey, state, revoked_reason, bits in rows:
        if kind == "key":
            key = VerificationKey(
                id=url,
                controller=column_a,
                public_key=_public_key(public_multikey),
                revoked=state == IssuerKey.State.REVOKED,
                revoked_reason=revoked_reason,
            )
        else:
            status_lists[url] = StatusList(url=url, purpose=column_a, bits=bytes(bits))
    return CheckInputs(key=key, status_lists=status_lists)
