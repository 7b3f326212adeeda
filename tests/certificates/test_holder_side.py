"""The holder's side: PDF (CJK font embedded, QR to the verify page), badge, LinkedIn,
privacy choices, reminders; keys; export_credential; the demo certificate."""

import io
import json
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from PIL import Image, ImageChops
from pypdf import PdfReader

from certification.credentials import issuer
from certification.credentials.pdf import qr_png
from certification.credentials.services import (
    certificate_expiry_reminders_send,
    certificate_privacy_set,
    certificate_rename,
)
from certification.credentials.vc import Check
from certification.credentials.verification import credential_check
from certification.demo.programme import demo_load
from certification.models import Certificate, IssuerKey
from core.errors import NotFound

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_pdf_embeds_a_cjk_font_and_a_qr_code_to_the_verify_page(issued):
    code = issued.certificate.code
    response = logged_in(issued.holder).get(f"/certificates/{code}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"

    reader = PdfReader(io.BytesIO(response.content))
    page = reader.pages[0]
    text = page.extract_text()
    assert "王小明" in text and "人工智能技能认证证书" in text and "Certificate" in text
    resources: Any = page["/Resources"]
    fonts: list[Any] = [font.get_object() for font in resources["/Font"].values()]
    descriptors = [
        font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        if "/DescendantFonts" in font
        else font.get("/FontDescriptor")
        for font in fonts
    ]
    assert any(d is not None and "/FontFile2" in d.get_object() for d in descriptors), (
        "no embedded TrueType font"
    )
    assert all(font["/BaseFont"] != "/STSong-Light" for font in fonts)

    verify_url = issuer.absolute_url(f"/verify/{code}/")
    assert verify_url in text
    images = page.images
    assert len(images) == 1
    expected = Image.open(io.BytesIO(qr_png(verify_url))).convert("L")
    assert images[0].image is not None
    embedded = images[0].image.convert("L")
    assert embedded.size == expected.size
    assert ImageChops.difference(embedded, expected).getbbox() is None, (
        "the QR code is not the verify URL's"
    )


def test_only_the_holder_and_the_committee_get_the_pdf(issued):
    code = issued.certificate.code
    assert (
        logged_in(issued.users["other_candidate"]).get(f"/certificates/{code}/pdf/").status_code
        == 404
    )
    assert (
        logged_in(issued.users["instructor"]).get(f"/certificates/{code}/pdf/").status_code == 404
    )
    assert logged_in(issued.committee).get(f"/certificates/{code}/pdf/").status_code == 200


def test_holder_page_has_linkedin_link_and_badge(issued):
    code = issued.certificate.code
    html = logged_in(issued.holder).get(f"/certificates/{code}/").content.decode()
    assert "https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME" in html
    assert f"certId={code}" in html
    badge = Client().get(f"/verify/{code}/badge.svg")
    assert badge["Content-Type"].startswith("image/svg+xml")
    assert b"<svg" in badge.content and "初级计算机视觉".encode() in badge.content
    assert (
        logged_in(issued.users["other_candidate"]).get(f"/certificates/{code}/").status_code == 404
    )


def test_the_holder_chooses_what_the_public_page_and_credential_show(issued):
    code = issued.certificate.code
    old_proof = issued.certificate.credential["proof"]["proofValue"]
    response = logged_in(issued.holder).post(
        f"/certificates/{code}/", {"shown_results": ["composite"]}
    )
    assert response.status_code == 302
    issued.certificate.refresh_from_db()
    credential = issued.certificate.credential
    assert [
        r["resultDescription"].rsplit("-", 1)[1] for r in credential["credentialSubject"]["result"]
    ] == ["composite"]
    assert [i["identityType"] for i in credential["credentialSubject"]["identifier"]] == [
        "emailAddress"
    ]
    assert credential["proof"]["proofValue"] != old_proof
    assert credential_check(document=credential).valid
    html = Client().get(f"/verify/{code}/").content.decode()
    assert "王小明" not in html
    assert "Composite score" in html and "Written exam" not in html

    with pytest.raises(NotFound):
        certificate_privacy_set(
            holder=issued.users["other_candidate"], code=code, show_name=True, shown_results=[]
        )


def test_the_privacy_api_is_for_the_holder_only(issued):
    from tests.conftest import client_for

    code = issued.certificate.code
    body = {"show_name": False, "shown_results": ["written"]}
    assert (
        client_for(issued.users["examiner"])
        .put(f"/api/v1/certificates/{code}/privacy/", body, format="json")
        .status_code
        == 404
    )
    response = client_for(issued.holder).put(
        f"/api/v1/certificates/{code}/privacy/", body, format="json"
    )
    assert response.status_code == 200, response.content
    issued.certificate.refresh_from_db()
    assert (issued.certificate.show_name, issued.certificate.shown_results) == (False, ["written"])


def test_key_rotation_keeps_old_credentials_valid_and_key_revocation_breaks_them(
    issued, passed_application
):
    old_credential = issued.certificate.credential
    old_key = IssuerKey.objects.get(state=IssuerKey.State.ACTIVE)
    new_key = issuer.issuer_key_rotate(actor=issued.committee)
    old_key.refresh_from_db()
    assert old_key.state == IssuerKey.State.RETIRED
    assert credential_check(document=old_credential).valid

    certificate_rename(
        actor=issued.committee, code=issued.certificate.code, holder_name="王晓明", reason="r"
    )
    issued.certificate.refresh_from_db()
    assert issued.certificate.credential["proof"]["verificationMethod"] == new_key.key_url
    published = {m["id"] for m in Client().get("/issuer").json()["verificationMethod"]}
    assert published == {old_key.key_url, new_key.key_url}

    issuer.issuer_key_revoke(actor=issued.committee, key_id=old_key.pk, reason="泄露 / compromised")
    report = credential_check(document=old_credential)
    assert report.status == "invalid"
    assert report.result(Check.KEY).passed is False
    assert credential_check(document=issued.certificate.credential).valid
    assert old_key.key_url not in {
        m["id"] for m in Client().get("/issuer").json()["verificationMethod"]
    }


def test_the_secret_key_is_stored_encrypted(issued):
    from certification.credentials.vc import multikey_from_private_key

    key = IssuerKey.objects.get(state=IssuerKey.State.ACTIVE)
    secret = multikey_from_private_key(private_key=issuer.issuer_private_key(key))
    assert secret.startswith("z3u2") and secret not in key.secret_encrypted


def test_export_credential_prints_json_that_verifies(issued, capsys):
    call_command("export_credential", "--latest")
    latest = json.loads(capsys.readouterr().out)
    assert list(latest)[:3] == ["@context", "id", "type"]
    assert latest["id"] == issued.certificate.credential_id
    assert credential_check(document=latest).valid
    call_command("export_credential", issued.certificate.code)
    by_code = json.loads(capsys.readouterr().out)
    assert by_code["proof"] == latest["proof"]


def test_certificate_codes_never_read_as_a_command_line_option():
    from certification.models.certificates import _certificate_code

    codes = {_certificate_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(code) == 16 and code[0].isalnum() for code in codes)


def test_expiry_reminders_are_sent_once(issued):
    certificate = issued.certificate
    Certificate.objects.exclude(pk=certificate.pk).update(
        valid_until=certificate.valid_until + timedelta(days=365)
    )
    now = certificate.valid_until - timedelta(days=10)
    assert certificate_expiry_reminders_send(now=now) == 1
    assert certificate_expiry_reminders_send(now=now) == 0
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [issued.holder.email]
    assert certificate.code in mail.outbox[0].body
    assert certificate_expiry_reminders_send(now=certificate.valid_until - timedelta(days=60)) == 0


def test_expired_certificate_shows_expired(issued):
    Certificate.objects.filter(pk=issued.certificate.pk).update(
        valid_until=issued.certificate.issued_at - timedelta(days=1)
    )
    html = Client().get(f"/verify/{issued.certificate.code}/").content.decode()
    assert 'data-status="expired"' in html


def test_the_demo_includes_an_issued_certificate_and_stays_idempotent(demo):
    first = Certificate.objects.get(holder__username="holder")
    summary = demo_load()
    assert Certificate.objects.filter(holder__username="holder").count() == 1
    assert summary["certificate"] == first.code
    first.refresh_from_db()
    assert credential_check(document=first.credential).valid
    assert Client().get(f"/verify/{first.code}/").status_code == 200


def test_revoking_a_compromised_key_re_signs_lists_and_certificates(issued, capsys):
    old_key = IssuerKey.objects.get(state=IssuerKey.State.ACTIVE)
    old_credential = issued.certificate.credential
    call_command("issuer_keys", "revoke", old_key.key_url, "--reason", "泄露", "--actor", "carol")
    assert "re-signed" in capsys.readouterr().out
    issued.certificate.refresh_from_db()
    new_credential = issued.certificate.credential
    assert new_credential["id"] == old_credential["id"]
    assert new_credential["proof"]["verificationMethod"] != old_key.key_url
    assert credential_check(document=new_credential).valid
    assert credential_check(document=old_credential).result(Check.KEY).passed is False
    from certification.models import CredentialStatusList

    for status_list in CredentialStatusList.objects.all():
        assert status_list.credential["proof"]["verificationMethod"] != old_key.key_url


def test_issuer_keys_command_refuses_a_non_committee_actor(issued):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("issuer_keys", "rotate", "--actor", "teacher")
    assert IssuerKey.objects.count() == 1
