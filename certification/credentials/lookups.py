"""The reads on the credential hot path, one statement each.

Signing a credential needs its status entries and the issuer's active key; verifying
one needs the key its proof names and, in each status list it names, the byte that
holds its index (not the whole 16 KiB list). Each pair is read in one round trip
(``UNION ALL`` of two plain selects, only the columns used), on every call: nothing
read here is cached (only the parsing of a stored public key, a pure function of its
value), so a key rotated or revoked, or a bit set in a status list, counts for the
very next signature or verification. Plain SQL because the ORM's compilation of these
small queries cost more than the database did.
"""

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.db import connection

from certification.credentials.vc import (
    StatusEntry,
    StatusListExcerpt,
    VerificationKey,
    public_key_from_multikey,
)
from certification.models import CredentialStatusList, IssuerKey

# Revocation first, as ``status_lists.PURPOSES`` orders them.
_PURPOSE_ORDER = {
    CredentialStatusList.Purpose.REVOCATION.value: 0,
    CredentialStatusList.Purpose.SUSPENSION.value: 1,
}
# At most this many status entries are looked up for one credential (a hostile
# document cannot make the statement large).
MAX_STATUS_ENTRIES = 8
# get_byte takes an integer offset; a larger index is outside any list (the size
# read tells the verifier so).
_MAX_OCTET = 2**31 - 1


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

# One (url, byte offset) place per status entry: MAX_STATUS_ENTRIES of them.
_CHECK_SQL = """
SELECT 'key', k.key_url, k.issuer_id, k.public_multikey, k.state, k.revoked_reason,
       NULL, NULL, NULL
  FROM certification_issuerkey k
 WHERE k.key_url = %s
UNION ALL
SELECT 'list', l.url, l.purpose, NULL, NULL, NULL, octet_length(l.bits), e.octet,
       CASE WHEN e.octet < octet_length(l.bits) THEN get_byte(l.bits, e.octet) END
  FROM certification_credentialstatuslist l
  JOIN (VALUES (%s, %s::integer), (%s, %s::integer), (%s, %s::integer), (%s, %s::integer),
               (%s, %s::integer), (%s, %s::integer), (%s, %s::integer), (%s, %s::integer)
       ) AS e(url, octet) ON l.url = e.url
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
    status_lists: dict[str, StatusListExcerpt]  # our lists among those asked for


@functools.lru_cache(maxsize=64)
def _public_key(public_multikey: str) -> Ed25519PublicKey:
    # A pure function of the stored value (a key's public half never changes; its
    # state is read on every call).
    return public_key_from_multikey(multibase=public_multikey)


def credential_check_inputs(
    *, key_url: str | None, status_entries: Sequence[StatusEntry]
) -> CheckInputs:
    """The issuer key at ``key_url`` (any state: the verifier reports a revoked one)
    and, for each of the first 8 ``status_entries`` whose list is ours, the list's
    purpose, size and the byte that holds the entry's index, in one query; no query
    when there is nothing to look up. An index beyond the first 8 entries is not read
    (the excerpt says so when asked: the check fails rather than pass unread)."""
    entries = list(status_entries)[:MAX_STATUS_ENTRIES]
    if key_url is None and not entries:
        return CheckInputs(key=None, status_lists={})
    params: list[str | int | None] = [key_url]
    for entry in entries:
        octet = entry.index // 8
        params += [entry.list_credential, octet if octet <= _MAX_OCTET else None]
    # Unused places hold NULL, which matches no row.
    params += [None, None] * (MAX_STATUS_ENTRIES - len(entries))
    with connection.cursor() as cursor:
        cursor.execute(_CHECK_SQL, params)
        rows = cursor.fetchall()
    key: VerificationKey | None = None
    lists: dict[str, tuple[str, int]] = {}
    octets: dict[str, dict[int, int]] = {}
    for kind, url, column_a, public_multikey, state, reason, size, offset, value in rows:
        if kind == "key":
            key = VerificationKey(
                id=url,
                controller=column_a,
                public_key=_public_key(public_multikey),
                revoked=state == IssuerKey.State.REVOKED,
                revoked_reason=reason,
            )
            continue
        lists[url] = (column_a, size * 8)
        read = octets.setdefault(url, {})
        if value is not None:
            read[offset] = value
    status_lists = {
        url: StatusListExcerpt(
            url=url,
            purpose=purpose,  # type: ignore[arg-type]  # a Purpose value
            size=size,
            octets=octets[url],
        )
        for url, (purpose, size) in lists.items()
    }
    return CheckInputs(key=key, status_lists=status_lists)
