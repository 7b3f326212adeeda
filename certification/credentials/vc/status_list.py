"""Bitstring Status List v1.0: encode/decode, entries, list credentials, index picks.

Bit order follows the spec: index 0 is the most significant (left-most) bit of the
first byte. ``encodedList`` is multibase base64url (``u`` prefix, no padding) of the
GZIP-compressed bitstring, which must hold at least 131,072 bits (16 KiB).
"""

from __future__ import annotations

import base64
import binascii
import gzip
import secrets
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from .contexts import VC_V2
from .errors import StatusListError
from .proof import xsd_datetime

MIN_BITS = 131_072
MAX_DECODED_BYTES = 16 * 1024 * 1024  # refuse gzip bombs
StatusPurpose = Literal["revocation", "suspension"]
PURPOSES: tuple[StatusPurpose, ...] = ("revocation", "suspension")


def status_bits_new(*, size: int = MIN_BITS) -> bytearray:
    """An all-zero bitstring of ``size`` bits (a multiple of 8, at least 131,072)."""
    if size < MIN_BITS or size % 8:
        raise StatusListError(f"size must be a multiple of 8 and >= {MIN_BITS}")
    return bytearray(size // 8)


def status_bit_get(*, bits: bytes | bytearray, index: int) -> bool:
    """The bit at ``index`` (0 = MSB of byte 0); :class:`StatusListError` if out of range."""
    if not 0 <= index < len(bits) * 8:
        raise StatusListError(f"status index {index} outside the list (0..{len(bits) * 8 - 1})")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def status_bit_set(*, bits: bytearray, index: int, value: bool) -> None:
    """Set or clear the bit at ``index`` in place; idempotent."""
    status_bit_get(bits=bits, index=index)  # range check
    if value:
        bits[index // 8] |= 0x80 >> (index % 8)
    else:
        bits[index // 8] &= ~(0x80 >> (index % 8)) & 0xFF


def status_bits_from_indexes(*, indexes: Iterable[int], size: int = MIN_BITS) -> bytearray:
    """A bitstring of ``size`` bits with exactly ``indexes`` set (e.g. revoked rows)."""
    bits = status_bits_new(size=size)
    for index in indexes:
        status_bit_set(bits=bits, index=index, value=True)
    return bits


def status_list_encode(*, bits: bytes | bytearray) -> str:
    """``encodedList`` for ``bits``: ``"u"`` + base64url(gzip(bits)), no padding.

    Deterministic (gzip mtime 0), so an unchanged list re-encodes identically.
    """
    if len(bits) * 8 < MIN_BITS:
        raise StatusListError(f"a status list must hold at least {MIN_BITS} bits")
    compressed = gzip.compress(bytes(bits), compresslevel=9, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode("ascii").rstrip("=")


def status_list_decode(*, encoded: str) -> bytes:
    """Inverse of :func:`status_list_encode`; raises :class:`StatusListError` if malformed
    or shorter than 131,072 bits."""
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise StatusListError("encodedList must be multibase base64url (prefix 'u')")
    body = encoded[1:]
    try:
        compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        decompressor = zlib.decompressobj(wbits=31)
        bits = decompressor.decompress(compressed, MAX_DECODED_BYTES)
    except (binascii.Error, ValueError, zlib.error) as exc:
        raise StatusListError(f"encodedList is not base64url-encoded gzip: {exc}") from None
    if decompressor.unconsumed_tail:
        raise StatusListError("encodedList decompresses to more than 16 MiB")
    if len(bits) * 8 < MIN_BITS:
        raise StatusListError(f"status list holds {len(bits) * 8} bits, fewer than {MIN_BITS}")
    return bits


def status_index_random(*, size: int = MIN_BITS) -> int:
    """A uniformly random index in ``[0, size)`` from :mod:`secrets`.

    Random positions keep a list from revealing issue order. The caller stores it
    under a unique constraint (list, index) and retries on conflict; see
    :func:`status_index_pick` for an in-memory variant.
    """
    return secrets.randbelow(size)


def status_index_pick(
    *, is_taken: Callable[[int], bool], size: int = MIN_BITS, attempts: int = 64
) -> int:
    """A random free index; raises :class:`StatusListError` after ``attempts`` collisions
    (the list is nearly full: start a new one)."""
    for _ in range(attempts):
        index = status_index_random(size=size)
        if not is_taken(index):
            return index
    raise StatusListError("no free status index found; the status list is (nearly) full")


@dataclass(frozen=True)
class StatusEntry:
    """A ``BitstringStatusListEntry`` in a credential's ``credentialStatus``."""

    list_credential: str
    index: int
    purpose: StatusPurpose

    def to_json(self) -> dict[str, Any]:
        """JSON form; ``id`` is ``{list_credential}#{index}``."""
        return {
            "id": f"{self.list_credential}#{self.index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": self.purpose,
            "statusListIndex": str(self.index),
            "statusListCredential": self.list_credential,
        }


def status_entries_parse(*, document: Mapping[str, Any]) -> list[StatusEntry]:
    """The ``BitstringStatusListEntry`` items of a credential (other types ignored).

    Raises :class:`StatusListError` for a malformed entry (missing list URL, index not
    a non-negative integer string).
    """
    raw = document.get("credentialStatus")
    if raw is None:
        return []
    items = raw if isinstance(raw, list) else [raw]
    entries = []
    for item in items:
        if not isinstance(item, dict) or item.get("type") != "BitstringStatusListEntry":
            continue
        url = item.get("statusListCredential")
        index = item.get("statusListIndex")
        purpose = item.get("statusPurpose")
        if not isinstance(url, str) or not url:
            raise StatusListError("status entry has no statusListCredential")
        if not isinstance(index, str) or not index.isdigit():
            raise StatusListError(f"statusListIndex {index!r} is not a non-negative integer")
        if purpose not in PURPOSES:
            raise StatusListError(f"unsupported statusPurpose {purpose!r}")
        entries.append(StatusEntry(list_credential=url, index=int(index), purpose=purpose))
    return entries


@dataclass(frozen=True)
class StatusList:
    """A decoded status list: what a ``status_resolver`` returns to the verifier."""

    url: str
    purpose: StatusPurpose
    bits: bytes

    def is_set(self, index: int) -> bool:
        """True if the credential at ``index`` is revoked/suspended."""
        return status_bit_get(bits=self.bits, index=index)


@dataclass(frozen=True)
class StatusListExcerpt:
    """Part of a status list: its size and the bytes that hold some indexes (what a
    verifier reads from its own database for one credential, instead of the whole
    16 KiB list). ``is_set`` answers as :class:`StatusList` does at those indexes and
    raises :class:`StatusListError` at any other, so a check never passes on a bit
    that was not read."""

    url: str
    purpose: StatusPurpose
    size: int  # bits in the whole list
    octets: Mapping[int, int]  # byte offset -> byte, for the bytes read

    def is_set(self, index: int) -> bool:
        """True if the credential at ``index`` is revoked/suspended."""
        if not 0 <= index < self.size:
            raise StatusListError(f"status index {index} outside the list (0..{self.size - 1})")
        octet = self.octets.get(index // 8)
        if octet is None:
            raise StatusListError(f"status index {index} was not read from the list")
        return bool(octet & (0x80 >> (index % 8)))


def status_list_credential_build(
    *,
    url: str,
    issuer_id: str,
    purpose: StatusPurpose,
    bits: bytes | bytearray,
    valid_from: datetime,
    valid_until: datetime | None = None,
) -> dict[str, Any]:
    """An unsigned ``BitstringStatusListCredential`` at ``url``; sign it like any other."""
    credential: dict[str, Any] = {
        "@context": [VC_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id,
        "validFrom": xsd_datetime(valid_from),
    }
    if valid_until is not None:
        credential["validUntil"] = xsd_datetime(valid_until)
    credential["credentialSubject"] = {
        "id": f"{url}#list",
        "type": "BitstringStatusList",
        "statusPurpose": purpose,
        "encodedList": status_list_encode(bits=bits),
    }
    return credential


def status_list_from_credential(*, document: Mapping[str, Any]) -> StatusList:
    """Decode a ``BitstringStatusListCredential`` (does NOT check its proof: run
    ``credential_verify`` on it first when it comes from elsewhere)."""
    subject = document.get("credentialSubject")
    if not isinstance(subject, dict) or subject.get("type") != "BitstringStatusList":
        raise StatusListError("not a BitstringStatusListCredential")
    purpose = subject.get("statusPurpose")
    if purpose not in PURPOSES:
        raise StatusListError(f"unsupported statusPurpose {purpose!r}")
    url = document.get("id")
    if not isinstance(url, str):
        raise StatusListError("status list credential has no id")
    return StatusList(
        url=url, purpose=purpose, bits=status_list_decode(encoded=subject.get("encodedList", ""))
    )
