"""The verifier: a valid credential passes; each kind of fault is caught and named."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certification.credentials.vc import (
    OB_V3P0,
    VC_V2,
    Check,
    StatusList,
    VerificationKey,
    VerificationReport,
    credential_sign,
    credential_verify,
    status_bits_from_indexes,
)

from .conftest import (
    ISSUED,
    ISSUER_ID,
    KEY_URL,
    NOW,
    REVOCATION_URL,
    SUSPENSION_URL,
    build_credential,
)


@pytest.fixture
def signed(credential: dict[str, Any], issuer_key: Ed25519PrivateKey) -> dict[str, Any]:
    return credential_sign(
        document=credential, private_key=issuer_key, verification_method=KEY_URL, created=ISSUED
    )


def verify(
    document: dict[str, Any],
    keys: dict[str, VerificationKey],
    status_lists: dict[str, StatusList],
    **overrides: Any,
) -> VerificationReport:
    arguments: dict[str, Any] = {
        "trusted_issuers": {ISSUER_ID},
        "key_resolver": keys.get,
        "status_resolver": status_lists.get,
        "now": NOW,
    }
    arguments.update(overrides)
    return credential_verify(document, **arguments)


def failed(report: VerificationReport) -> list[Check]:
    return [result.check for result in report.failures]


def test_a_valid_credential_passes_every_check(signed, keys, status_lists) -> None:
    report = verify(signed, keys, status_lists)

    assert report.valid, report.to_json()
    assert report.status == "valid"
    assert [result.check for result in report.checks] == list(Check)
    assert report.credential_id == signed["id"]
    assert report.to_json()["checks"][0] == {
        "check": "contexts",
        "passed": True,
        "code": "ok",
        "reason": "only pinned contexts, in the required order",
    }


def test_a_changed_field_breaks_the_proof(signed, keys, status_lists) -> None:
    signed["credentialSubject"]["result"][0]["value"] = "100"

    report = verify(signed, keys, status_lists)

    assert failed(report) == [Check.PROOF]
    assert "changed after signing" in report.result(Check.PROOF).reason
    assert report.status == "invalid"


def test_a_changed_date_breaks_the_proof(signed, keys, status_lists) -> None:
    signed["validUntil"] = "2099-01-01T00:00:00Z"

    assert failed(verify(signed, keys, status_lists)) == [Check.PROOF]


def test_a_swapped_key_is_caught(signed, keys, status_lists) -> None:
    # Same verification method URL, another key behind it (a forged re-signature would
    # need the issuer's private key; here the published key no longer matches).
    other = Ed25519PrivateKey.generate()
    keys[KEY_URL] = VerificationKey(id=KEY_URL, controller=ISSUER_ID, public_key=other.public_key())

    report = verify(signed, keys, status_lists)

    assert failed(report) == [Check.PROOF]
    assert "another key" in report.result(Check.PROOF).reason


def test_a_proof_naming_another_issuer_key_is_caught(signed, keys, status_lists) -> None:
    # The issuer has two keys; the proof claims the other one.
    other = Ed25519PrivateKey.generate()
    other_url = f"{ISSUER_ID}#key-2024"
    keys[other_url] = VerificationKey(
        id=other_url, controller=ISSUER_ID, public_key=other.public_key()
    )
    signed["proof"]["verificationMethod"] = other_url

    report = verify(signed, keys, status_lists)

    assert failed(report) == [Check.PROOF]


def test_a_credential_signed_with_a_stranger_key_is_caught(credential, keys, status_lists) -> None:
    stranger = Ed25519PrivateKey.generate()
    stranger_url = "https://attacker.example/keys#1"
    keys[stranger_url] = VerificationKey(
        id=stranger_url, controller="https://attacker.example/", public_key=stranger.public_key()
    )
    forged = credential_sign(
        document=credential, private_key=stranger, verification_method=stranger_url
    )

    report = verify(forged, keys, status_lists)

    assert failed(report) == [Check.KEY]
    assert "not to the issuer" in report.result(Check.KEY).reason
    assert report.status == "invalid"


def test_an_unknown_verification_method_is_caught(signed, keys, status_lists) -> None:
    signed["proof"]["verificationMethod"] = f"{ISSUER_ID}#key-unknown"

    report = verify(signed, keys, status_lists)

    assert set(failed(report)) == {Check.KEY, Check.PROOF}
    assert "unknown verification method" in report.result(Check.KEY).reason
    assert report.result(Check.PROOF).code == "skipped"


def test_a_retired_key_still_verifies_what_it_signed(credential, keys, status_lists) -> None:
    old = Ed25519PrivateKey.generate()
    old_url = f"{ISSUER_ID}#key-2024"
    signed_with_old = credential_sign(
        document=credential, private_key=old, verification_method=old_url, created=ISSUED
    )
    # Rotation: key-2026 is current, key-2024 is retired (still published, not revoked).
    keys[old_url] = VerificationKey(id=old_url, controller=ISSUER_ID, public_key=old.public_key())

    assert verify(signed_with_old, keys, status_lists).valid


def test_a_revoked_key_fails(signed, keys, status_lists) -> None:
    current = keys[KEY_URL]
    keys[KEY_URL] = VerificationKey(
        id=KEY_URL,
        controller=ISSUER_ID,
        public_key=current.public_key,
        revoked=True,
        revoked_reason="key compromised",
    )

    report = verify(signed, keys, status_lists)

    assert failed(report) == [Check.KEY]
    assert "revoked: key compromised" in report.result(Check.KEY).reason


def test_an_expired_credential_is_caught(signed, keys, status_lists) -> None:
    report = verify(signed, keys, status_lists, now=ISSUED + timedelta(days=731))

    assert failed(report) == [Check.DATES]
    assert report.result(Check.DATES).code == "expired"
    assert "expired on 2028-04-30T08:30:00Z" in report.result(Check.DATES).reason
    assert report.status == "expired"


def test_a_credential_not_valid_yet_is_caught(signed, keys, status_lists) -> None:
    report = verify(signed, keys, status_lists, now=ISSUED - timedelta(days=1))

    assert failed(report) == [Check.DATES]
    assert report.status == "not_yet_valid"


def test_a_revoked_credential_is_caught(signed, keys, status_lists) -> None:
    status_lists[REVOCATION_URL] = StatusList(
        url=REVOCATION_URL,
        purpose="revocation",
        bits=bytes(status_bits_from_indexes(indexes=[94567])),
    )

    report = verify(signed, keys, status_lists)

    assert failed(report) == [Check.REVOCATION]
    assert report.result(Check.REVOCATION).code == "revoked"
    assert "index 94567" in report.result(Check.REVOCATION).reason
    assert report.status == "revoked"


def test_a_suspended_credential_is_caught(signed, keys, status_lists) -> None:
    status_lists[SUSPENSION_URL] = StatusList(
        url=SUSPENSION_URL,
        purpose="suspension",
        bits=bytes(status_bits_from_indexes(indexes=[1234])),
    )

    report = verify(signed, keys, status_lists)

    assert failed(report) == [Check.SUSPENSION]
    assert report.status == "suspended"


def test_other_bits_in_the_lists_do_not_matter(signed, keys, status_lists) -> None:
    status_lists[REVOCATION_URL] = StatusList(
        url=REVOCATION_URL,
        purpose="revocation",
        bits=bytes(status_bits_from_indexes(indexes=[94566, 94568, 1234])),
    )

    assert verify(signed, keys, status_lists).valid


def test_an_unreachable_status_list_fails_the_status_check(signed, keys, status_lists) -> None:
    del status_lists[SUSPENSION_URL]

    report = verify(signed, keys, status_lists)

    assert failed(report) == [Check.SUSPENSION]
    assert "could not be retrieved" in report.result(Check.SUSPENSION).reason
    assert report.status == "invalid"


def test_a_status_list_of_the_other_purpose_fails_the_status_check(
    signed, keys, status_lists
) -> None:
    status_lists[SUSPENSION_URL] = StatusList(
        url=SUSPENSION_URL, purpose="revocation", bits=status_lists[SUSPENSION_URL].bits
    )

    report = verify(signed, keys, status_lists)

    assert failed(report) == [Check.SUSPENSION]
    assert "the list is for revocation, not suspension" in report.result(Check.SUSPENSION).reason
    assert report.status == "invalid"


def test_status_entries_without_a_resolver_fail_both_status_checks(signed, keys) -> None:
    report = credential_verify(
        signed, trusted_issuers={ISSUER_ID}, key_resolver=keys.get, status_resolver=None, now=NOW
    )

    assert failed(report) == [Check.REVOCATION, Check.SUSPENSION]
    assert "no status resolver" in report.result(Check.REVOCATION).reason
    assert report.status == "invalid"


def test_an_added_undefined_term_is_caught(signed, keys, status_lists) -> None:
    # Not part of the RDF, so the signature still verifies: only the terms check sees it.
    signed["credentialSubject"]["achievement"]["honours"] = "summa cum laude"

    report = verify(signed, keys, status_lists)

    assert failed(report) == [Check.TERMS]
    assert "credentialSubject.achievement.honours" in report.result(Check.TERMS).reason
    assert report.status == "invalid"


def test_an_undefined_term_in_the_proof_is_caught(signed, keys, status_lists) -> None:
    signed["proof"]["note"] = "hello"

    report = verify(signed, keys, status_lists)

    assert failed(report) == [Check.TERMS]
    assert "proof: note" in report.result(Check.TERMS).reason


def test_an_unknown_context_is_caught(signed, keys, status_lists) -> None:
    signed["@context"] = [VC_V2, OB_V3P0, "https://evil.example/context.json"]

    report = verify(signed, keys, status_lists)

    assert Check.CONTEXTS in failed(report)
    assert "https://evil.example/context.json" in report.result(Check.CONTEXTS).reason
    assert report.result(Check.TERMS).code == "skipped"
    assert report.status == "invalid"


@pytest.mark.parametrize(
    ("contexts", "reason"),
    [
        ([OB_V3P0, VC_V2], "first @context must be"),
        ([VC_V2], "needs"),
        ([VC_V2, "https://www.w3.org/ns/credentials/examples/v2"], "not one of the pinned"),
        ([VC_V2, OB_V3P0, {"@vocab": "https://evil.example/#"}], "inline"),
        ("https://www.w3.org/ns/credentials/v2", "non-empty list"),
    ],
)
def test_a_wrong_context_is_caught(signed, keys, status_lists, contexts, reason) -> None:
    signed["@context"] = contexts

    report = verify(signed, keys, status_lists)

    assert Check.CONTEXTS in failed(report)
    assert reason in report.result(Check.CONTEXTS).reason
    assert report.status == "invalid"


def test_an_untrusted_issuer_is_caught(signed, keys, status_lists) -> None:
    report = verify(signed, keys, status_lists, trusted_issuers={"https://other.example/issuer"})

    assert failed(report) == [Check.ISSUER]
    assert f"{ISSUER_ID} is not a trusted issuer" == report.result(Check.ISSUER).reason


def test_a_missing_proof_is_caught(signed, keys, status_lists) -> None:
    del signed["proof"]

    report = verify(signed, keys, status_lists)

    assert set(failed(report)) == {Check.PROOF, Check.KEY}
    assert report.result(Check.PROOF).reason == "document has no proof"


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("cryptosuite", "eddsa-jcs-2022", "cryptosuite"),
        ("type", "Ed25519Signature2020", "proof type"),
        ("proofValue", "zzz", "64-byte"),
        ("proofValue", "u" + "A" * 86, "multibase"),
        ("proofPurpose", "authentication", "proofPurpose"),
    ],
)
def test_a_malformed_proof_is_caught(signed, keys, status_lists, field, value, reason) -> None:
    signed["proof"][field] = value

    report = verify(signed, keys, status_lists)

    assert Check.PROOF in failed(report)
    assert reason in report.result(Check.PROOF).reason


def test_verification_does_not_modify_the_document(signed, keys, status_lists) -> None:
    before = copy.deepcopy(signed)

    verify(signed, keys, status_lists)

    assert signed == before


def test_a_reissued_credential_keeps_its_id_with_a_new_proof(
    issuer_key, keys, status_lists
) -> None:
    renamed = credential_sign(
        document=build_credential(holder_name="张三丰"),
        private_key=issuer_key,
        verification_method=KEY_URL,
    )

    report = verify(renamed, keys, status_lists)

    assert report.valid
    assert renamed["id"] == build_credential()["id"]


@pytest.mark.parametrize(
    "document",
    [
        [],
        "a string",
        {},
        {"@context": 5},
        {"@context": [VC_V2, OB_V3P0], "type": 7, "issuer": {"id": 3}, "proof": []},
        {"@context": [VC_V2, OB_V3P0], "credentialSubject": {"@id": None}, "validFrom": 1},
        {"@context": [VC_V2, {"@version": 2}], "proof": {"type": "DataIntegrityProof"}},
        {"@context": [VC_V2], "credentialStatus": {"type": "BitstringStatusListEntry"}},
    ],
)
def test_garbage_is_reported_not_raised(document, keys, status_lists) -> None:
    report = verify(document, keys, status_lists)

    assert not report.valid
    assert report.status == "invalid"
    assert all(result.reason for result in report.checks)
