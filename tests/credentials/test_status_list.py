"""Bitstring Status List v1.0."""

from __future__ import annotations

import base64
import gzip

import pytest

from certification.credentials.vc import (
    MIN_BITS,
    StatusList,
    StatusListError,
    StatusListExcerpt,
    canonicalize,
    credential_sign,
    status_bit_get,
    status_bit_set,
    status_bits_from_indexes,
    status_bits_new,
    status_index_pick,
    status_index_random,
    status_list_credential_build,
    status_list_decode,
    status_list_encode,
    status_list_from_credential,
)
from certification.credentials.vc.verify import status_list_credential_verify

from .conftest import ISSUED, ISSUER_ID, KEY_URL, NOW, REVOCATION_URL


def test_index_zero_is_the_most_significant_bit_of_the_first_byte() -> None:
    bits = status_bits_new()

    status_bit_set(bits=bits, index=0, value=True)
    status_bit_set(bits=bits, index=9, value=True)

    assert bits[0] == 0b1000_0000
    assert bits[1] == 0b0100_0000
    assert status_bit_get(bits=bits, index=0)
    assert not status_bit_get(bits=bits, index=1)


def test_round_trip_at_least_131072_bits() -> None:
    indexes = {0, 7, 8, 65_537, MIN_BITS - 1}
    encoded = status_list_encode(bits=status_bits_from_indexes(indexes=indexes))

    assert encoded.startswith("u")
    assert "=" not in encoded and "+" not in encoded and "/" not in encoded
    decoded = status_list_decode(encoded=encoded)
    assert len(decoded) * 8 == MIN_BITS
    assert {i for i in range(MIN_BITS) if status_bit_get(bits=decoded, index=i)} == indexes


def test_encoding_is_gzip_base64url() -> None:
    bits = status_bits_from_indexes(indexes=[3])
    encoded = status_list_encode(bits=bits)
    body = encoded[1:] + "=" * (-len(encoded[1:]) % 4)

    assert gzip.decompress(base64.urlsafe_b64decode(body)) == bytes(bits)
    assert status_list_encode(bits=bits) == encoded  # deterministic


def test_decodes_the_specification_example() -> None:
    # encodedList of the all-zero 16 KiB example in Bitstring Status List v1.0.
    decoded = status_list_decode(
        encoded="uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"
    )

    assert len(decoded) * 8 == MIN_BITS
    assert not any(decoded)


@pytest.mark.parametrize(
    "encoded",
    [
        "H4sIAAAAAAAAA",  # no multibase prefix
        "u!!!!",  # not base64url
        "u" + base64.urlsafe_b64encode(b"not gzip").decode().rstrip("="),
        "u" + base64.urlsafe_b64encode(gzip.compress(bytes(100), mtime=0)).decode().rstrip("="),
    ],
)
def test_rejects_malformed_or_short_lists(encoded: str) -> None:
    with pytest.raises(StatusListError):
        status_list_decode(encoded=encoded)


def test_rejects_out_of_range_indexes_and_short_lists() -> None:
    bits = status_bits_new()
    with pytest.raises(StatusListError):
        status_bit_get(bits=bits, index=MIN_BITS)
    with pytest.raises(StatusListError):
        status_bit_get(bits=bits, index=-1)
    with pytest.raises(StatusListError):
        status_bits_new(size=1024)


def test_an_excerpt_answers_as_the_whole_list_at_the_indexes_read() -> None:
    # Given a list with bits set around byte 8190 (indexes 65_520..65_527)
    bits = status_bits_from_indexes(indexes={65_520, 65_522, 65_527, 65_528})
    whole = StatusList(url=REVOCATION_URL, purpose="revocation", bits=bytes(bits))
    # When only the byte holding those indexes is read
    excerpt = StatusListExcerpt(
        url=REVOCATION_URL, purpose="revocation", size=MIN_BITS, octets={8190: bits[8190]}
    )
    # Then every index in that byte answers the same, and no other index passes
    for index in range(65_520, 65_528):
        assert excerpt.is_set(index) == whole.is_set(index), index
    with pytest.raises(StatusListError, match="not read"):
        excerpt.is_set(65_528)
    for index in (MIN_BITS, -1):
        with pytest.raises(StatusListError, match="outside the list") as raised:
            excerpt.is_set(index)
        with pytest.raises(StatusListError) as from_whole:
            whole.is_set(index)
        assert str(raised.value) == str(from_whole.value)


def test_random_indexes_are_spread_and_in_range() -> None:
    picks = {status_index_random() for _ in range(200)}

    assert all(0 <= pick < MIN_BITS for pick in picks)
    assert len(picks) > 190


def test_pick_skips_taken_indexes_and_gives_up_when_full() -> None:
    taken = set(range(0, MIN_BITS, 2))
    assert status_index_pick(is_taken=taken.__contains__) % 2 == 1
    with pytest.raises(StatusListError, match="full"):
        status_index_pick(is_taken=lambda index: True, attempts=5)


def test_status_list_credential_is_signed_and_decodes(issuer_key, keys) -> None:
    bits = status_bits_from_indexes(indexes=[94567])
    document = status_list_credential_build(
        url=REVOCATION_URL,
        issuer_id=ISSUER_ID,
        purpose="revocation",
        bits=bits,
        valid_from=ISSUED,
    )
    canonicalize(document=document)  # every term defined
    signed = credential_sign(document=document, private_key=issuer_key, verification_method=KEY_URL)

    status_list = status_list_credential_verify(
        signed, issuer_id=ISSUER_ID, key_resolver=keys.get, now=NOW
    )

    assert signed["credentialSubject"]["type"] == "BitstringStatusList"
    assert status_list.purpose == "revocation"
    assert status_list.is_set(94567) and not status_list.is_set(94566)
    assert status_list_from_credential(document=signed) == status_list


def test_tampered_status_list_credential_is_refused(issuer_key, keys) -> None:
    document = status_list_credential_build(
        url=REVOCATION_URL,
        issuer_id=ISSUER_ID,
        purpose="revocation",
        bits=status_bits_from_indexes(indexes=[94567]),
        valid_from=ISSUED,
    )
    signed = credential_sign(document=document, private_key=issuer_key, verification_method=KEY_URL)
    signed["credentialSubject"]["encodedList"] = status_list_encode(bits=status_bits_new())

    with pytest.raises(StatusListError, match="proof"):
        status_list_credential_verify(signed, issuer_id=ISSUER_ID, key_resolver=keys.get, now=NOW)
