"""Issue → signed OpenBadgeCredential → verified over HTTP; tampering caught."""

import copy
import json
from typing import Any
from urllib.parse import urlparse

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from certification.credentials.issuer import issuer_id, key_resolve
from certification.credentials.services import certificate_issue
from certification.credentials.vc import (
    OB_V3P0,
    VC_V2,
    Check,
    credential_sign,
    identity_hash_matches,
    private_key_generate,
    status_list_credential_verify,
)
from certification.models import (
    AuditEvent,
    Certificate,
    CredentialStatusIndex,
    CredentialStatusList,
)
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def verify_api(document: Any) -> dict[str, Any]:
    response = Client().post(
        "/api/v1/credentials/verify/", data=json.dumps(document), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def checks(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {check["check"]: check for check in report["checks"]}


def test_committee_issues_through_the_api_and_anyone_verifies_over_http(
    passed_application, committee, candidate
):
    response = client_for(committee).post(f"/api/v1/results/{passed_application.pk}/certificate/")
    assert response.status_code == 201
    code = response.json()["code"]

    download = Client().get(f"/verify/{code}/credential.json")
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    credential = json.loads(download.content)

    assert credential["@context"] == [VC_V2, OB_V3P0]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["id"].startswith("urn:uuid:")
    assert credential["issuer"]["id"] == issuer_id()
    assert {"validFrom", "validUntil"} <= set(credential)
    subject = credential["credentialSubject"]
    assert subject["achievement"]["achievementType"] == "Certification"
    assert "level:beginner" in subject["achievement"]["tag"]
    assert [r["type"] for r in subject["result"]] == [["Result"]] * 3
    email_id = subject["identifier"][0]
    assert email_id["hashed"] is True
    assert identity_hash_matches(
        email=candidate.email.upper(), salt=email_id["salt"], hashed=email_id["identityHash"]
    )
    assert candidate.email not in json.dumps(credential)
    assert [(s["type"], s["statusPurpose"]) for s in credential["credentialStatus"]] == [
        ("BitstringStatusListEntry", "revocation"),
        ("BitstringStatusListEntry", "suspension"),
    ]
    proof = credential["proof"]
    assert (proof["type"], proof["cryptosuite"]) == ("DataIntegrityProof", "eddsa-rdfc-2022")

    report = verify_api(credential)
    assert report["valid"] is True, report
    assert report["status"] == "valid"
    assert all(check["passed"] for check in report["checks"])

    page = Client().get(f"/verify/{code}/")
    assert page.status_code == 200
    assert 'data-status="valid"' in page.content.decode()
    assert "王小明" in page.content.decode()

    api = Client().get(f"/api/v1/certificates/{code}/credential/")
    assert api.json()["proof"]["proofValue"] == proof["proofValue"]
    assert (
        AuditEvent.objects.get(action="certificate.issue").after["credential_id"]
        == credential["id"]
    )


def test_verification_method_resolves_to_a_published_multikey(issued):
    credential = issued.certificate.credential
    vm = credential["proof"]["verificationMethod"]
    document = Client().get("/issuer").json()
    assert document["id"] == issuer_id() == vm.split("#")[0]
    methods = {m["id"]: m for m in document["verificationMethod"]}
    assert methods[vm]["type"] == "Multikey"
    assert methods[vm]["controller"] == issuer_id()
    assert methods[vm]["publicKeyMultibase"].startswith("z6Mk")
    assert vm in document["assertionMethod"]
    assert "secret" not in json.dumps(document) and "z3u2" not in json.dumps(document)


def test_the_achievement_id_resolves_to_the_credentials_achievement(issued):
    achievement = issued.certificate.credential["credentialSubject"]["achievement"]
    path = urlparse(achievement["id"]).path
    public = Client().get(path).json()
    # The same document, but for this holder's results.
    assert public == {k: v for k, v in achievement.items() if k != "resultDescription"}
    assert any(tag.startswith("domain:") for tag in public["tag"])


def test_status_lists_are_published_signed_and_large_enough(issued):
    for entry in issued.certificate.credential["credentialStatus"]:
        url = entry["statusListCredential"]
        path = url.split("127.0.0.1:8000", 1)[1]
        document = Client().get(path).json()
        assert document["credentialSubject"]["encodedList"].startswith("u")
        status_list = status_list_credential_verify(
            document,
            issuer_id=issuer_id(),
            key_resolver=key_resolve,
            now=issued.certificate.issued_at,
        )
        assert len(status_list.bits) * 8 >= 131_072
        assert status_list.purpose == entry["statusPurpose"]
        assert not status_list.is_set(int(entry["statusListIndex"]))


def test_a_status_index_is_unique_per_list_in_the_database(issued):
    row = CredentialStatusIndex.objects.filter(certificate=issued.certificate).first()
    assert row is not None
    with pytest.raises(IntegrityError), transaction.atomic():
        CredentialStatusIndex.objects.create(
            status_list=row.status_list,
            index=row.index,
            certificate=issued.certificate,
            credential_id="urn:uuid:x",
        )
    assert CredentialStatusList.objects.filter(size__lt=131_072).count() == 0


def _tamper(credential: dict[str, Any], how: str) -> dict[str, Any]:
    doc = copy.deepcopy(credential)
    if how == "changed field":
        doc["credentialSubject"]["result"][0]["value"] = "42"
    elif how == "changed name":
        doc["credentialSubject"]["identifier"][1]["identityHash"] = "张三"
    elif how == "undefined term":
        doc["credentialSubject"]["achievement"]["honours"] = "summa cum laude"
    elif how == "wrong context":
        doc["@context"] = [VC_V2, "https://example.org/evil-context.json"]
    elif how == "swapped key":
        del doc["proof"]
        doc = credential_sign(
            document=doc,
            private_key=private_key_generate(),
            verification_method=credential["proof"]["verificationMethod"],
        )
    elif how == "untrusted issuer":
        doc["issuer"]["id"] = "https://evil.example/issuer"
    return doc


@pytest.mark.parametrize(
    ("how", "check", "reason_part"),
    [
        ("changed field", "proof", "changed after signing"),
        ("changed name", "proof", "changed after signing"),
        ("swapped key", "proof", "changed after signing or signed with another key"),
        ("undefined term", "terms", "honours"),
        ("wrong context", "contexts", "evil-context"),
        ("untrusted issuer", "issuer", "evil.example"),
    ],
)
def test_the_verifier_api_names_what_was_tampered_with(issued, how, check, reason_part):
    report = verify_api(_tamper(issued.certificate.credential, how))
    assert report["valid"] is False
    assert report["status"] == "invalid"
    failed = checks(report)[check]
    assert failed["passed"] is False
    assert reason_part in failed["reason"]


def test_the_verifier_page_reports_each_check(issued):
    good = Client().post("/verifier/", {"credential": json.dumps(issued.certificate.credential)})
    assert good.status_code == 200
    assert 'data-status="valid"' in good.content.decode()
    assert good.content.decode().count('data-passed="true"') == 8

    bad = Client().post(
        "/verifier/",
        {"credential": json.dumps(_tamper(issued.certificate.credential, "changed field"))},
    )
    html = bad.content.decode()
    assert 'data-status="invalid"' in html
    assert 'data-check="proof" data-passed="false"' in html
    assert "changed after signing" in html

    garbage = Client().post("/verifier/", {"credential": "{not json"})
    assert "JSON" in garbage.content.decode()


def test_the_verifier_api_refuses_oversized_bodies(issued):
    doc = dict(issued.certificate.credential, padding="x" * (300 * 1024))
    response = Client().post(
        "/api/v1/credentials/verify/", data=json.dumps(doc), content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_issuing_twice_returns_the_same_signed_credential(issued, committee):
    pass

    again = certificate_issue(application_id=issued.certificate.application_id, issued_by=committee)
    assert again.pk == issued.certificate.pk
    assert Certificate.objects.filter(application_id=issued.certificate.application_id).count() == 1
    assert CredentialStatusIndex.objects.filter(certificate=issued.certificate).count() == 2


def test_the_verifier_names_an_expired_credential(issued):
    from datetime import timedelta

    from certification.credentials.verification import credential_check

    certificate = issued.certificate
    report = credential_check(
        document=certificate.credential, now=certificate.valid_until + timedelta(days=1)
    )
    assert report.status == "expired"
    dates = checks(report.to_json())["dates"]
    assert (dates["passed"], dates["code"]) == (False, "expired")
    assert dates["reason"] == f"expired on {certificate.credential['validUntil']}"


@pytest.mark.parametrize(
    "document",
    [
        [],
        "a string",
        {"credentialStatus": "x"},
        {"credentialStatus": [{"type": "BitstringStatusListEntry"}]},
        {"credentialStatus": {"type": "BitstringStatusListEntry", "statusListIndex": "-1"}},
    ],
)
def test_the_verifier_reports_garbage_status_entries_instead_of_raising(document):
    from certification.credentials.verification import credential_check

    report = credential_check(document=document)

    assert report.status == "invalid"
    assert [result.check for result in report.checks] == list(Check)


def test_reading_the_issuer_document_creates_no_key():
    from certification.models import IssuerKey

    IssuerKey.objects.all().delete()  # a site that has not signed anything yet

    document = Client().get("/issuer").json()

    assert document["id"] == issuer_id()
    assert document["verificationMethod"] == []
    assert not IssuerKey.objects.exists()
