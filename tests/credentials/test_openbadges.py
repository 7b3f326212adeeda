"""The Open Badges 3.0 credential builder."""

from __future__ import annotations

import hashlib

from certification.credentials.vc import (
    OB_V3P0,
    VC_V2,
    canonicalize,
    identity_hash,
    identity_hash_matches,
    identity_salt_new,
)
from certification.credentials.vc.openbadges import LocalizedText

from .conftest import ACHIEVEMENT, ISSUER_ID, REVOCATION_URL, SUSPENSION_URL, build_credential


def test_contexts_and_types() -> None:
    credential = build_credential()

    assert credential["@context"] == [VC_V2, OB_V3P0]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]


def test_every_term_is_defined_by_the_pinned_contexts() -> None:
    # canonicalize() raises UndefinedTermError on any key/type the contexts drop.
    nquads = canonicalize(document=build_credential())

    assert 'vocab.html#achievementType> "Certification"' in nquads
    assert "vocab.html#identityHash>" in nquads
    assert "vocab.html#resultDescription>" in nquads


def test_minimal_credential_is_also_fully_defined() -> None:
    """canonicalize raises UndefinedTermError for any term JSON-LD would drop."""
    nquads = canonicalize(
        document=build_credential(holder_name=None, results=(), status_entries=(), valid_until=None)
    )
    assert "<https://purl.imsglobal.org/spec/vc/ob/vocab.html#Achievement>" in nquads
    assert "resultDescription" not in nquads and "validUntil" not in nquads


def test_issuer_profile() -> None:
    issuer = build_credential()["issuer"]

    assert issuer == {
        "id": ISSUER_ID,
        "type": ["Profile"],
        "name": "人工智能技能认证委员会 / AI Skills Certification Committee",
        "url": "https://cert.example.org/",
    }


def test_achievement_carries_type_level_domain_and_bilingual_text() -> None:
    achievement = build_credential()["credentialSubject"]["achievement"]

    assert achievement["id"] == ACHIEVEMENT.id
    assert achievement["type"] == ["Achievement"]
    assert achievement["achievementType"] == "Certification"
    assert achievement["name"] == (
        "人工智能技能认证(中级·自然语言处理) / AI Skills Certification, Intermediate, NLP"
    )
    assert achievement["fieldOfStudy"] == "自然语言处理 / Natural language processing"
    assert achievement["tag"][:2] == ["level:intermediate", "domain:Natural language processing"]
    assert achievement["humanCode"] == "AISC-NLP-2"


def test_results_reference_result_descriptions() -> None:
    credential = build_credential()
    descriptions = credential["credentialSubject"]["achievement"]["resultDescription"]
    results = credential["credentialSubject"]["result"]

    assert [d["id"] for d in descriptions] == [r["resultDescription"] for r in results]
    assert descriptions[0] == {
        "id": f"{ACHIEVEMENT.id}#result-written",
        "type": ["ResultDescription"],
        "name": "笔试 / Written exam",
        "resultType": "Percent",
        "requiredValue": "60",
        "valueMin": "0",
        "valueMax": "100",
    }
    assert results[0] == {
        "type": ["Result"],
        "resultDescription": f"{ACHIEVEMENT.id}#result-written",
        "value": "86",
        "status": "Completed",
    }


def test_holder_is_a_salted_hash_of_the_email() -> None:
    subject = build_credential()["credentialSubject"]
    email_identity = subject["identifier"][0]
    salt = "5f1d3c9a0b7e4d2c8a6f1e3b5d7c9a0b"

    assert "id" not in subject
    assert email_identity == {
        "type": "IdentityObject",
        "identityHash": "sha256$"
        + hashlib.sha256(("zhang.san@example.com" + salt).encode()).hexdigest(),
        "identityType": "emailAddress",
        "hashed": True,
        "salt": salt,
    }
    assert "zhang" not in str(subject).lower()
    assert identity_hash_matches(
        email=" ZHANG.SAN@example.com ", salt=salt, hashed=email_identity["identityHash"]
    )
    assert not identity_hash_matches(
        email="li.si@example.com", salt=salt, hashed=email_identity["identityHash"]
    )


def test_salts_differ_so_hashes_do_not_link_credentials() -> None:
    first, second = identity_salt_new(), identity_salt_new()

    assert first != second
    assert identity_hash(email="a@b.c", salt=first) != identity_hash(email="a@b.c", salt=second)


def test_dates_and_status_entries() -> None:
    credential = build_credential()

    assert credential["validFrom"] == "2026-05-01T08:30:00Z"
    assert credential["validUntil"] == "2028-04-30T08:30:00Z"
    assert credential["credentialStatus"] == [
        {
            "id": f"{REVOCATION_URL}#94567",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "94567",
            "statusListCredential": REVOCATION_URL,
        },
        {
            "id": f"{SUSPENSION_URL}#1234",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "suspension",
            "statusListIndex": "1234",
            "statusListCredential": SUSPENSION_URL,
        },
    ]


def test_localized_text_rendering() -> None:
    assert LocalizedText(zh_hans="中文", en="English").render() == "中文 / English"
    assert LocalizedText(zh_hans="", en="English").render() == "English"
    assert LocalizedText(zh_hans="中文", en="").render() == "中文"
