"""Conformance: W3C vc-di-eddsa (eddsa-rdfc-2022) and 1EdTech Open Badges 3.0 vectors,
reproduced byte for byte, every intermediate value."""

from __future__ import annotations

import copy

import pytest

from certification.credentials.vc import (
    OB_V3P0,
    VC_V2,
    ProofError,
    canonicalize,
    credential_sign,
    multikey_from_private_key,
    multikey_from_public_key,
    private_key_from_multikey,
    proof_hash_data,
    proof_verify,
    public_key_from_multikey,
)
from certification.credentials.vc.contexts import VC_EXAMPLES_V2
from certification.credentials.vc.multikey import base58btc_decode, base58btc_encode
from certification.credentials.vc.verify import Check, credential_verify, did_key_resolve

from .conftest import vector_json, vector_text

RDFC = "w3c-vc-di-eddsa/eddsa-rdfc-2022/"


@pytest.fixture
def key_pair() -> dict[str, str]:
    return vector_json("w3c-vc-di-eddsa/keyPair.json")


@pytest.fixture
def unsigned() -> dict[str, object]:
    return vector_json("w3c-vc-di-eddsa/unsigned.json")


@pytest.fixture
def proof_config() -> dict[str, object]:
    return vector_json(RDFC + "proofConfigDataInt.json")


def test_multikey_round_trips_the_w3c_key_pair(key_pair: dict[str, str]) -> None:
    private_key = private_key_from_multikey(multibase=key_pair["privateKeyMultibase"])

    assert multikey_from_private_key(private_key=private_key) == key_pair["privateKeyMultibase"]
    assert (
        multikey_from_public_key(public_key=private_key.public_key())
        == (key_pair["publicKeyMultibase"])
    )
    public = public_key_from_multikey(multibase=key_pair["publicKeyMultibase"])
    assert multikey_from_public_key(public_key=public) == key_pair["publicKeyMultibase"]


def test_multikey_encodes_the_open_badges_example_key() -> None:
    # Public key (hex) and Multikey from the OB 3.0 implementation guide's test vector.
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    public = Ed25519PublicKey.from_public_bytes(
        bytes.fromhex("4bdeafde2ea8beefadd8c699b5c7e0704cf51154d52e17b20b71337ca04cc5a5")
    )
    assert multikey_from_public_key(public_key=public) == (
        "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
    )


def test_base58btc_keeps_leading_zero_bytes() -> None:
    assert base58btc_encode(b"\0\0\x01") == "112"
    assert base58btc_decode("112") == b"\0\0\x01"
    assert base58btc_decode(base58btc_encode(b"")) == b""


def test_canonical_document_matches(unsigned: dict[str, object]) -> None:
    assert canonicalize(document=unsigned) == vector_text(RDFC + "canonDocDataInt.txt")


def test_canonical_proof_config_matches(proof_config: dict[str, object]) -> None:
    assert canonicalize(document=proof_config) == vector_text(RDFC + "proofCanonDataInt.txt")


def test_every_hash_matches(unsigned: dict[str, object], proof_config: dict[str, object]) -> None:
    hash_data = proof_hash_data(document=unsigned, proof_config=proof_config)

    assert hash_data.canonical_document == vector_text(RDFC + "canonDocDataInt.txt")
    assert hash_data.canonical_proof_config == vector_text(RDFC + "proofCanonDataInt.txt")
    assert hash_data.document_hash.hex() == vector_text(RDFC + "docHashDataInt.txt").strip()
    assert hash_data.proof_config_hash.hex() == vector_text(RDFC + "proofHashDataInt.txt").strip()
    assert hash_data.combined.hex() == vector_text(RDFC + "combinedHashDataInt.txt").strip()


def test_signature_and_signed_document_match(
    key_pair: dict[str, str], unsigned: dict[str, object], proof_config: dict[str, object]
) -> None:
    private_key = private_key_from_multikey(multibase=key_pair["privateKeyMultibase"])

    signed = credential_sign(
        document=unsigned,
        private_key=private_key,
        verification_method=str(proof_config["verificationMethod"]),
        created=str(proof_config["created"]),
    )

    proof_value = signed["proof"]["proofValue"]
    assert proof_value == vector_text(RDFC + "sigBTC58DataInt.txt").strip()
    assert (
        base58btc_decode(proof_value[1:]).hex() == vector_text(RDFC + "sigHexDataInt.txt").strip()
    )
    assert signed == vector_json(RDFC + "signedDataInt.json")
    assert "proof" not in unsigned  # the input is not modified


def test_signed_vector_verifies(key_pair: dict[str, str]) -> None:
    signed = vector_json(RDFC + "signedDataInt.json")
    public = public_key_from_multikey(multibase=key_pair["publicKeyMultibase"])

    hash_data = proof_verify(document=signed, public_key=public)

    assert hash_data.combined.hex() == vector_text(RDFC + "combinedHashDataInt.txt").strip()


def test_signed_vector_fails_when_changed(key_pair: dict[str, str]) -> None:
    signed = copy.deepcopy(vector_json(RDFC + "signedDataInt.json"))
    signed["credentialSubject"]["alumniOf"] = "Another School"
    public = public_key_from_multikey(multibase=key_pair["publicKeyMultibase"])

    with pytest.raises(ProofError, match="signature does not match"):
        proof_verify(document=signed, public_key=public)


def test_signed_vector_through_the_verifier_with_did_key() -> None:
    signed = vector_json(RDFC + "signedDataInt.json")
    from datetime import UTC, datetime

    report = credential_verify(
        signed,
        trusted_issuers={"https://vc.example/issuers/5678"},
        key_resolver=did_key_resolve,
        status_resolver=None,
        now=datetime(2024, 1, 1, tzinfo=UTC),
        allowed_contexts={VC_V2, VC_EXAMPLES_V2},
    )

    # The vector's did:key is not controlled by its issuer URL: only that check fails.
    assert report.result(Check.PROOF).passed
    assert report.result(Check.TERMS).passed
    assert [failure.check for failure in report.failures] == [Check.KEY]


# --- 1EdTech Open Badges 3.0 ------------------------------------------------------

# The "Teamwork Badge" example of the OB 3.0 implementation guide (linked-data-proof
# test vector), in its VC 2.0 form.
OB3_EXAMPLE = {
    "@context": [VC_V2, OB_V3P0],
    "id": "http://example.com/credentials/3527",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "issuer": {
        "id": "https://example.edu/issuers/565049",
        "type": ["Profile"],
        "url": "https://www.imsglobal.org",
        "name": "Example Corp",
    },
    "validFrom": "2010-01-01T00:00:00Z",
    "name": "Teamwork Badge",
    "credentialSubject": {
        "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
        "type": ["AchievementSubject"],
        "achievement": {
            "id": "https://example.com/achievements/21st-century-skills/teamwork",
            "type": ["Achievement"],
            "criteria": {
                "narrative": "Team members are nominated for this badge by their peers and "
                "recognized upon review by Example Corp management."
            },
            "description": "This badge recognizes the development of the capacity to "
            "collaborate within a group environment.",
            "name": "Teamwork",
        },
    },
}
OB3_PROOF_CONFIG = {
    "type": "DataIntegrityProof",
    "created": "2010-01-01T19:23:24Z",
    "verificationMethod": (
        "https://example.edu/issuers/565049#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
    ),
    "cryptosuite": "eddsa-rdfc-2022",
    "proofPurpose": "assertionMethod",
    "@context": [VC_V2, OB_V3P0],
}


def test_open_badges_document_canonical_form_matches() -> None:
    assert canonicalize(document=OB3_EXAMPLE) == vector_text("1edtech-ob3/document-canon.txt")


def test_open_badges_proof_canonical_form_matches() -> None:
    assert canonicalize(document=OB3_PROOF_CONFIG) == vector_text("1edtech-ob3/proof-canon.txt")


def test_open_badges_hash_data_uses_both_canonical_forms() -> None:
    hash_data = proof_hash_data(document=OB3_EXAMPLE, proof_config=OB3_PROOF_CONFIG)

    assert hash_data.canonical_document == vector_text("1edtech-ob3/document-canon.txt")
    assert hash_data.canonical_proof_config == vector_text("1edtech-ob3/proof-canon.txt")
