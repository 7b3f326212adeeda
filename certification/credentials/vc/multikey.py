"""Multibase (base58btc) and Multikey encodings of Ed25519 keys.

A Multikey public key is ``z`` + base58btc(0xed 0x01 + 32-byte key), hence ``z6Mk...``;
a secret key is ``z`` + base58btc(0x80 0x26 + 32-byte seed), hence ``z3u2...``.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .errors import KeyFormatError

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {char: value for value, char in enumerate(_ALPHABET)}

ED25519_PUB_PREFIX = b"\xed\x01"
ED25519_PRIV_PREFIX = b"\x80\x26"

MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"
DID_CONTEXT = "https://www.w3.org/ns/did/v1"


def base58btc_encode(data: bytes) -> str:
    """Bitcoin-alphabet base58 of ``data`` (leading zero bytes become ``1``s)."""
    zeros = len(data) - len(data.lstrip(b"\0"))
    number = int.from_bytes(data, "big")
    out = []
    while number:
        number, rem = divmod(number, 58)
        out.append(_ALPHABET[rem])
    return "1" * zeros + "".join(reversed(out))


def base58btc_decode(text: str) -> bytes:
    """Inverse of :func:`base58btc_encode`; raises :class:`KeyFormatError` on bad input."""
    number = 0
    for char in text:
        try:
            number = number * 58 + _INDEX[char]
        except KeyError:
            raise KeyFormatError(f"invalid base58btc character {char!r}") from None
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def multibase_base58btc_encode(data: bytes) -> str:
    """Multibase base58btc: ``"z"`` + base58btc(data)."""
    return "z" + base58btc_encode(data)


def multibase_base58btc_decode(text: str) -> bytes:
    """Decode a ``z``-prefixed multibase string; raises :class:`KeyFormatError`."""
    if not isinstance(text, str) or not text.startswith("z"):
        raise KeyFormatError("expected a multibase base58btc value starting with 'z'")
    return base58btc_decode(text[1:])


def _raw_public(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def multikey_from_public_key(*, public_key: Ed25519PublicKey) -> str:
    """Encode an Ed25519 public key as a Multikey ``publicKeyMultibase`` (``z6Mk...``)."""
    return multibase_base58btc_encode(ED25519_PUB_PREFIX + _raw_public(public_key))


def public_key_from_multikey(*, multibase: str) -> Ed25519PublicKey:
    """Decode a ``z6Mk...`` Multikey; raises :class:`KeyFormatError` if not Ed25519."""
    raw = multibase_base58btc_decode(multibase)
    if len(raw) != 34 or raw[:2] != ED25519_PUB_PREFIX:
        raise KeyFormatError("not an Ed25519 public Multikey (multicodec 0xed01, 32 bytes)")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def multikey_from_private_key(*, private_key: Ed25519PrivateKey) -> str:
    """Encode an Ed25519 private key (its 32-byte seed) as ``secretKeyMultibase``."""
    seed = private_key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    return multibase_base58btc_encode(ED25519_PRIV_PREFIX + seed)


def private_key_from_multikey(*, multibase: str) -> Ed25519PrivateKey:
    """Decode a ``secretKeyMultibase`` (multicodec 0x8026); raises :class:`KeyFormatError`."""
    raw = multibase_base58btc_decode(multibase)
    if len(raw) != 34 or raw[:2] != ED25519_PRIV_PREFIX:
        raise KeyFormatError("not an Ed25519 secret Multikey (multicodec 0x8026, 32 bytes)")
    return Ed25519PrivateKey.from_private_bytes(raw[2:])


def private_key_generate() -> Ed25519PrivateKey:
    """A new random Ed25519 private key."""
    return Ed25519PrivateKey.generate()


def verification_method_build(
    *, id: str, controller: str, public_key: Ed25519PublicKey
) -> dict[str, Any]:
    """The Multikey verification method object to publish for a key.

    ``id`` is the full key URL (``{controller}#{fragment}``, what a proof's
    ``verificationMethod`` names); ``controller`` is the issuer id.
    """
    return {
        "@context": MULTIKEY_CONTEXT,
        "id": id,
        "type": "Multikey",
        "controller": controller,
        "publicKeyMultibase": multikey_from_public_key(public_key=public_key),
    }


def controller_document_build(
    *, id: str, methods: list[tuple[str, Ed25519PublicKey]]
) -> dict[str, Any]:
    """A controller (e.g. ``did:web``) document listing keys for ``assertionMethod``.

    ``methods`` is ``[(key_url, public_key), ...]``; include retired keys too, so that
    credentials they signed keep verifying. Leave out revoked (compromised) keys.
    """
    vms = []
    for key_id, public_key in methods:
        vm = verification_method_build(id=key_id, controller=id, public_key=public_key)
        del vm["@context"]
        vms.append(vm)
    return {
        "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
        "id": id,
        "verificationMethod": vms,
        "assertionMethod": [vm["id"] for vm in vms],
    }


def did_key_from_public_key(*, public_key: Ed25519PublicKey) -> str:
    """The ``did:key`` verification method URL for a key (``did:key:z6Mk...#z6Mk...``)."""
    multikey = multikey_from_public_key(public_key=public_key)
    return f"did:key:{multikey}#{multikey}"
