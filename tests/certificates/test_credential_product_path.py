"""The product path reads once what a credential needs and keeps every check exact.

The blueprint's terms are copied onto the certificate at issue and the status
entries, the active key, the verifying key and the status lists are read in one
query each way; the credential must be the one the earlier code built, byte for
byte, and a revocation must count for the very next verification.
"""

import io
import json
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import set_script_prefix

from certification.credentials.documents import (
    achievement_spec,
    blueprint_terms,
    certificate_credential_signed,
)
from certification.credentials.issuer import (
    issuer_id,
    issuer_key_active,
    issuer_key_revoke,
    issuer_key_rotate,
    issuer_private_key,
    issuer_profile,
)
from certification.credentials.lookups import (
    _CHECK_SQL,
    MAX_STATUS_ENTRIES,
    credential_check_inputs,
)
from certification.credentials.services import certificate_revoke
from certification.credentials.status_lists import status_entries_for
from certification.credentials.vc import (
    ComponentResult,
    LocalizedText,
    StatusEntry,
    credential_sign,
    open_badge_credential_build,
    status_bit_set,
)
from certification.credentials.verification import credential_check
from certification.models import (
    Certificate,
    CredentialStatusIndex,
    CredentialStatusList,
    IssuerKey,
)
from certification.results.selectors import blueprint_for_application

pytestmark = pytest.mark.django_db


def _percent_text(value: Any) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def _credential_as_built_before(certificate: Certificate) -> dict[str, Any]:
    """The unsigned credential as the code before the terms snapshot built it: the
    blueprint read through ``blueprint_for_application`` at every build."""
    blueprint = blueprint_for_application(certificate.application)
    minimums = {c.kind: c.minimum for c in blueprint.components.all()} if blueprint else {}
    cut = blueprint.cut_score if blueprint else None
    required = {
        "written": minimums.get("written") or None,
        "practical": minimums.get("practical") or None,
        "composite": cut,
    }
    values = {
        "written": certificate.written_percent,
        "practical": certificate.practical_percent,
        "composite": certificate.composite,
    }
    names = {
        "written": ("笔试", "Written exam"),
        "practical": ("实操考核", "Practical assessment"),
        "composite": ("综合成绩", "Composite score"),
    }
    shown = set(certificate.shown_results or [])
    results = [
        ComponentResult(
            key=key,
            name=LocalizedText(*names[key]),
            result_type="Percent",
            value=_percent_text(values[key]),
            required_value=_percent_text(required[key]) if required[key] else None,
        )
        for key in ("written", "practical", "composite")
        if key in shown
    ]
    achievement = achievement_spec(certificate)
    return open_badge_credential_build(
        credential_id=certificate.credential_id,
        issuer=issuer_profile(),
        achievement=achievement,
        holder_email=certificate.holder.email,
        holder_salt=certificate.holder_salt,
        valid_from=certificate.valid_from or certificate.issued_at,
        valid_until=certificate.valid_until,
        results=results,
        status_entries=status_entries_for(
            certificate=certificate, credential_id=certificate.credential_id
        ),
        holder_name=certificate.holder_name if certificate.show_name else None,
        credential_name=achievement.name.render(),
    )


def _bytes(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode()


def test_the_credential_is_byte_identical_to_the_one_built_before(issued):
    # Given an issued certificate (its blueprint has minimums and a cut score)
    certificate = Certificate.objects.get(pk=issued.certificate.pk)
    assert certificate.terms_cut_score is not None
    assert certificate.terms_written_minimum is not None
    # When the product path signs it, and the earlier path signs its own build with
    # the same key and the same creation time (Ed25519 signatures are deterministic)
    ours = certificate_credential_signed(certificate)
    key = issuer_key_active()
    before = credential_sign(
        document=_credential_as_built_before(certificate),
        private_key=issuer_private_key(key),
        verification_method=key.key_url,
        created=ours["proof"]["created"],
    )
    # Then both are the same bytes, proof included, and the issued one matches too
    assert _bytes(ours) == _bytes(before)
    # (the stored JSON went through jsonb, which keeps no key order)
    stored = {k: v for k, v in certificate.credential.items() if k != "proof"}
    unsigned = {k: v for k, v in ours.items() if k != "proof"}
    assert json.dumps(stored, sort_keys=True) == json.dumps(unsigned, sort_keys=True)


def test_the_terms_are_those_of_the_blueprint_at_issue(issued):
    certificate = Certificate.objects.get(pk=issued.certificate.pk)
    minimums, cut = blueprint_terms(blueprint_for_application(certificate.application))
    assert certificate.terms_written_minimum == minimums.get("written")
    assert certificate.terms_practical_minimum == minimums.get("practical")
    assert certificate.terms_cut_score == cut


def test_the_data_migration_fills_the_terms_of_existing_certificates(issued):
    # Given a certificate issued before the terms were copied
    migration = __import__(
        "certification.migrations.0016_certificate_blueprint_terms", fromlist=["fill_terms"]
    )
    Certificate.objects.filter(pk=issued.certificate.pk).update(
        terms_written_minimum=None, terms_practical_minimum=None, terms_cut_score=None
    )
    # When the migration's data step runs
    migration.fill_terms(django_apps, None)
    # Then it has the terms of its application's blueprint
    certificate = Certificate.objects.get(pk=issued.certificate.pk)
    minimums, cut = blueprint_terms(blueprint_for_application(certificate.application))
    assert (certificate.terms_written_minimum, certificate.terms_cut_score) == (
        minimums.get("written"),
        cut,
    )


def test_signing_and_verifying_read_one_query_each(issued):
    certificate = Certificate.objects.select_related(
        "holder", "certification__level", "certification__domain"
    ).get(pk=issued.certificate.pk)
    with CaptureQueriesContext(connection) as signing:
        signed = certificate_credential_signed(certificate)
    with CaptureQueriesContext(connection) as checking:
        report = credential_check(document=signed)
    assert report.valid, report.to_json()
    assert (len(signing), len(checking)) == (1, 1)


def test_the_check_statement_has_a_place_for_each_status_entry():
    assert _CHECK_SQL.count("(%s, %s::integer)") == MAX_STATUS_ENTRIES


def _list_bits_set(url: str, indexes: list[int]) -> None:
    """Sets bits straight in the stored list (as another process's revocation would)."""
    status_list = CredentialStatusList.objects.get(url=url)
    bits = bytearray(bytes(status_list.bits))
    for index in indexes:
        status_bit_set(bits=bits, index=index, value=True)
    CredentialStatusList.objects.filter(pk=status_list.pk).update(bits=bytes(bits))


def test_the_status_check_reads_the_bit_of_the_credential_not_its_neighbours(issued):
    # Given a credential that verifies, and every other bit of the byte holding its
    # revocation index set, and the bytes on either side
    signed = certificate_credential_signed(Certificate.objects.get(pk=issued.certificate.pk))
    entry = next(e for e in signed["credentialStatus"] if e["statusPurpose"] == "revocation")
    url, index = entry["statusListCredential"], int(entry["statusListIndex"])
    first = index - index % 8
    neighbours = [i for i in range(first - 8, first + 16) if i != index and 0 <= i < 131_072]
    _list_bits_set(url, neighbours)
    # Then it still verifies
    report = credential_check(document=signed)
    assert report.valid, report.to_json()
    # When its own bit is set
    _list_bits_set(url, [index])
    # Then the very next verification says it is revoked
    report = credential_check(document=signed)
    assert report.status == "revoked", report.to_json()


def test_the_check_reads_a_key_alone_and_two_entries_of_one_list(issued):
    key = issuer_key_active()
    url = status_entries_for(
        certificate=issued.certificate, credential_id=issued.certificate.credential_id
    )[0].list_credential
    _list_bits_set(url, [9])
    with CaptureQueriesContext(connection) as alone:
        inputs = credential_check_inputs(key_url=key.key_url, status_entries=[])
    assert len(alone) == 1
    assert inputs.key is not None and inputs.key.id == key.key_url
    assert inputs.status_lists == {}
    entries = [
        StatusEntry(list_credential=url, index=index, purpose="revocation")
        for index in (8, 9, 131_071)
    ]
    entries.append(
        StatusEntry(list_credential="https://elsewhere.example/1", index=1, purpose="revocation")
    )
    inputs = credential_check_inputs(key_url=None, status_entries=entries)
    assert inputs.key is None
    assert list(inputs.status_lists) == [url]
    excerpt = inputs.status_lists[url]
    assert (excerpt.is_set(8), excerpt.is_set(9), excerpt.is_set(131_071)) == (False, True, False)


def test_a_status_index_outside_the_list_fails_the_check(issued):
    # Given a credential whose revocation index is changed to one past the list's end
    signed = certificate_credential_signed(Certificate.objects.get(pk=issued.certificate.pk))
    for entry in signed["credentialStatus"]:
        if entry["statusPurpose"] == "revocation":
            entry["statusListIndex"] = str(10**30)
    # When it is checked
    report = credential_check(document=signed)
    # Then the revocation check fails on the range (and the signature on the change)
    failures = {failure.check.value: failure.reason for failure in report.failures}
    assert "outside the list (0..131071)" in failures["revocation"]
    assert "proof" in failures


def test_the_hot_path_statements_name_the_models_tables():
    assert [m._meta.db_table for m in (CredentialStatusIndex, CredentialStatusList, IssuerKey)] == [
        "certification_credentialstatusindex",
        "certification_credentialstatuslist",
        "certification_issuerkey",
    ]


def test_a_revocation_counts_for_the_next_verification(issued):
    # Given a credential that verifies
    signed = certificate_credential_signed(Certificate.objects.get(pk=issued.certificate.pk))
    assert credential_check(document=signed).valid
    # When the committee revokes the certificate
    certificate_revoke(actor=issued.committee, code=issued.certificate.code, reason="fraud")
    # Then the very next verification in this process says so
    report = credential_check(document=signed)
    assert report.status == "revoked", report.to_json()


def test_a_revoked_key_counts_for_the_next_verification_and_signature(issued):
    # Given a credential signed with the active key, which verifies
    certificate = Certificate.objects.get(pk=issued.certificate.pk)
    signed = certificate_credential_signed(certificate)
    assert credential_check(document=signed).valid
    old = issuer_key_active()
    # When the key is revoked
    issuer_key_revoke(actor=issued.committee, key_id=old.pk, reason="leaked")
    # Then the next verification fails on the key, and the next signature uses a new one
    report = credential_check(document=signed)
    assert not report.valid
    assert report.failures and any(f.check.value == "key" for f in report.failures)
    resigned = certificate_credential_signed(certificate)
    assert resigned["proof"]["verificationMethod"] != old.key_url
    assert credential_check(document=resigned).valid


def test_a_rotated_key_signs_the_very_next_credential(issued):
    # Given a credential signed with the active key
    certificate = Certificate.objects.get(pk=issued.certificate.pk)
    first = certificate_credential_signed(certificate)
    # When the committee rotates the key
    new = issuer_key_rotate(actor=issued.committee)
    # Then the next signature in this process uses the new key, and both verify
    second = certificate_credential_signed(certificate)
    assert second["proof"]["verificationMethod"] == new.key_url
    assert first["proof"]["verificationMethod"] != new.key_url
    assert credential_check(document=first).valid
    assert credential_check(document=second).valid


def test_the_issuer_id_follows_the_site_url_and_the_script_prefix(settings):
    # The absolute URLs of a credential are memoised per process: on what they depend.
    settings.SITE_URL = "https://one.example.org"
    assert issuer_id() == "https://one.example.org/issuer"
    settings.SITE_URL = "https://two.example.org/"
    assert issuer_id() == "https://two.example.org/issuer"
    set_script_prefix("/cert/")
    try:
        assert issuer_id() == "https://two.example.org/cert/issuer"
    finally:
        set_script_prefix("/")
    assert issuer_id() == "https://two.example.org/issuer"


def test_the_benchmark_measures_without_the_query_log(issued, settings):
    # Given the development default, where Django records every statement
    settings.DEBUG = True
    connection.queries_log.clear()
    out = io.StringIO()
    # When the product-path benchmark runs on this database
    call_command("bench_credentials", "-n", "3", "-r", "1", "--json", stdout=out)
    # Then it measured as production runs (nothing recorded) and reported both paths
    assert len(connection.queries) == 0
    measures = json.loads(out.getvalue())["measures"]
    assert [m["ours"] > 0 and m["baseline"] > 0 for m in measures] == [True, True]
