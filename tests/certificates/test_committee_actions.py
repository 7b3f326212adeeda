"""Revoke / suspend / unsuspend / renew / rename: status list bits, banners, audit,
and the role matrix (every other role gets 404 and nothing changes)."""

import json
from typing import Any

import pytest
from django.test import Client

from certification.credentials.services import certificate_renew, certificate_revoke
from certification.credentials.status_lists import status_lists_for_urls
from certification.credentials.vc import Check
from certification.credentials.verification import credential_check
from certification.models import AuditEvent, Certificate, CredentialStatusList
from core.errors import Conflict, NotFound
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def bit(credential: dict[str, Any], purpose: str) -> bool:
    entry = next(e for e in credential["credentialStatus"] if e["statusPurpose"] == purpose)
    url = entry["statusListCredential"]
    return status_lists_for_urls([url])[url].is_set(int(entry["statusListIndex"]))


def banner(code: str) -> str:
    html = Client().get(f"/verify/{code}/").content.decode()
    return html.split('data-status="', 1)[1].split('"', 1)[0]


def page_client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_revoke_through_the_committee_page_sets_the_bit_and_the_banner(issued):
    code, credential = issued.certificate.code, issued.certificate.credential
    signed_before = CredentialStatusList.objects.get(purpose="revocation").credential["proof"][
        "proofValue"
    ]

    response = page_client(issued.committee).post(
        f"/committee/certificates/{code}/revoke/", {"reason": "舞弊 / cheating"}
    )

    assert response.status_code == 302
    assert bit(credential, "revocation") is True
    assert bit(credential, "suspension") is False
    assert banner(code) == "revoked"
    report = credential_check(document=credential)
    assert (report.status, report.result(Check.REVOCATION).code) == ("revoked", "revoked")
    republished = CredentialStatusList.objects.get(purpose="revocation").credential
    assert republished["proof"]["proofValue"] != signed_before
    event = AuditEvent.objects.get(action="certificate.revoke")
    assert (event.actor, event.after["reason"]) == (issued.committee, "舞弊 / cheating")
    with pytest.raises(Conflict):
        certificate_revoke(actor=issued.committee, code=code, reason="again")


def test_suspend_and_unsuspend_through_the_api_flip_the_suspension_bit(issued):
    code, credential = issued.certificate.code, issued.certificate.credential
    api = client_for(issued.committee)

    response = api.post(
        f"/api/v1/committee/certificates/{code}/suspend/",
        {"reason": "调查中 / under review"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "suspended"
    assert bit(credential, "suspension") is True
    assert banner(code) == "suspended"
    assert credential_check(document=credential).status == "suspended"

    response = api.post(
        f"/api/v1/committee/certificates/{code}/unsuspend/",
        {"reason": "已澄清 / cleared"},
        format="json",
    )
    assert response.status_code == 200
    assert bit(credential, "suspension") is False
    assert banner(code) == "valid"
    assert credential_check(document=credential).valid
    assert list(
        AuditEvent.objects.filter(
            object_type="certification.certificate", object_id=str(issued.certificate.pk)
        )
        .values_list("action", flat=True)
        .order_by("at")
    ) == ["certificate.issue", "certificate.suspend", "certificate.unsuspend"]


def test_a_reason_is_required(issued):
    response = client_for(issued.committee).post(
        f"/api/v1/committee/certificates/{issued.certificate.code}/revoke/",
        {"reason": " "},
        format="json",
    )
    assert response.status_code in (400, 409)
    issued.certificate.refresh_from_db()
    assert issued.certificate.status == Certificate.Status.VALID


def test_renewal_makes_a_new_credential_id_and_both_verify(issued):
    old = issued.certificate.credential
    response = client_for(issued.committee).post(
        f"/api/v1/committee/certificates/{issued.certificate.code}/renew/",
        {"reason": "继续教育 / CPD", "basis": "continuing_education", "credits": 40},
        format="json",
    )
    assert response.status_code == 200, response.content
    issued.certificate.refresh_from_db()
    new = issued.certificate.credential
    assert new["id"] != old["id"]
    assert {e["id"] for e in new["credentialStatus"]}.isdisjoint(
        {e["id"] for e in old["credentialStatus"]}
    )
    assert new["validUntil"] >= old["validUntil"]
    assert credential_check(document=new).valid and credential_check(document=old).valid
    assert issued.certificate.status_indexes.count() == 4

    with pytest.raises(Conflict):
        certificate_renew(
            actor=issued.committee,
            code=issued.certificate.code,
            reason="x",
            basis="continuing_education",
            credits=3,
        )


def test_revoking_after_renewal_revokes_every_credential_of_the_certificate(issued):
    old = issued.certificate.credential
    certificate_renew(
        actor=issued.committee,
        code=issued.certificate.code,
        reason="重考 / re-exam",
        basis="reexamination",
    )
    issued.certificate.refresh_from_db()
    certificate_revoke(actor=issued.committee, code=issued.certificate.code, reason="fraud")
    assert credential_check(document=old).status == "revoked"
    assert credential_check(document=issued.certificate.credential).status == "revoked"


def test_a_name_change_reissues_the_same_id_with_a_new_proof(issued):
    old = issued.certificate.credential
    response = page_client(issued.committee).post(
        f"/committee/certificates/{issued.certificate.code}/rename/",
        {"holder_name": "王晓明", "reason": "户籍更名 / legal name change"},
    )
    assert response.status_code == 302
    issued.certificate.refresh_from_db()
    new = issued.certificate.credential
    assert new["id"] == old["id"]
    assert new["proof"]["proofValue"] != old["proof"]["proofValue"]
    assert new["credentialSubject"]["identifier"][1]["identityHash"] == "王晓明"
    assert new["credentialStatus"] == old["credentialStatus"]
    assert credential_check(document=new).valid


@pytest.mark.parametrize(
    "role", ["anonymous", "holder", "other_candidate", "instructor", "examiner"]
)
@pytest.mark.parametrize("action", ["revoke", "suspend", "unsuspend", "renew", "rename"])
def test_only_the_committee_may_act_on_certificates_and_nothing_changes(issued, role, action):
    user = issued.users.get(role)
    code = issued.certificate.code
    body = {"reason": "r", "basis": "reexamination", "holder_name": "X"}
    before = (
        json.dumps(issued.certificate.credential, sort_keys=True),
        [bytes(s.bits) for s in CredentialStatusList.objects.order_by("pk")],
        AuditEvent.objects.count(),
    )

    page = Client()
    if user is not None:
        page.force_login(user)
    response = page.post(f"/committee/certificates/{code}/{action}/", body)
    if user is None:
        assert response.status_code == 302 and "/login" in response["Location"]
    else:
        assert response.status_code == 404
    listing = page.get("/committee/certificates/")
    assert listing.status_code == (302 if user is None else 404)

    api = client_for(user).post(
        f"/api/v1/committee/certificates/{code}/{action}/", body, format="json"
    )
    assert api.status_code in ((401, 403, 404) if user is None else (404,))

    issued.certificate.refresh_from_db()
    after = (
        json.dumps(issued.certificate.credential, sort_keys=True),
        [bytes(s.bits) for s in CredentialStatusList.objects.order_by("pk")],
        AuditEvent.objects.count(),
    )
    assert after == before
    assert (
        issued.certificate.status == Certificate.Status.VALID
        and issued.certificate.suspended_at is None
    )


def test_a_committee_member_cannot_act_on_their_own_certificate(issued):
    from core.roles import Role, role_grant

    role_grant(user=issued.holder, role=Role.COMMITTEE)
    with pytest.raises(NotFound):
        certificate_revoke(actor=issued.holder, code=issued.certificate.code, reason="self")

    issued.certificate.refresh_from_db()
    assert issued.certificate.status == Certificate.Status.VALID
    assert bit(issued.certificate.credential, "revocation") is False
    assert not AuditEvent.objects.filter(action="certificate.revoke").exists()


def test_the_committee_list_shows_certificates(issued):
    html = page_client(issued.committee).get("/committee/certificates/").content.decode()
    assert issued.certificate.code in html


def test_study_after_certification_counts_toward_renewal(issued, settings):
    """Lessons count the time spent on them (at most their estimate), attended live
    sessions their length, both only since the certificate's validity began."""
    from datetime import timedelta

    from django.utils import timezone

    from certification.learning.credits import continuing_education
    from certification.models import LessonProgress, LiveSession, SessionRegistration
    from training.models import Lesson

    settings.CERTIFICATE_RENEWAL_CREDITS = 3
    certificate = issued.certificate
    lessons = list(Lesson.objects.filter(is_published=True).order_by("pk")[:3])
    Lesson.objects.filter(pk__in=[x.pk for x in lessons]).update(minutes=45)
    lessons[0].refresh_from_db()
    since = certificate.valid_from
    for lesson, seconds in zip(lessons, (10_000_000, 30 * 60, 50 * 60), strict=True):
        LessonProgress.objects.create(
            candidate=issued.holder, lesson=lesson, seconds=seconds, completed_at=timezone.now()
        )
    LessonProgress.objects.filter(lesson=lessons[2]).update(completed_at=since - timedelta(days=1))
    session = LiveSession.objects.create(
        curriculum=lessons[0].curriculum,
        title="Office hour",
        starts_at=since + timedelta(days=2),
        duration_minutes=90,
        time_zone="Asia/Shanghai",
        capacity=10,
        room="A-101",
        instructor=issued.users["instructor"],
    )
    SessionRegistration.objects.create(
        session=session, candidate=issued.holder, attended=True, registered_at=since
    )
    earned = continuing_education(holder=issued.holder, since=since)
    assert (earned.lessons, earned.sessions) == (2, 1)
    assert earned.lesson_minutes == lessons[0].minutes + 30  # capped at the estimate
    assert earned.credits == (lessons[0].minutes + 30 + 90) // 60

    settings.CERTIFICATE_RENEWAL_CREDITS = earned.credits + 1
    with pytest.raises(Conflict, match=f"已记录 {earned.credits}"):
        certificate_renew(
            actor=issued.committee,
            code=certificate.code,
            reason="CPD",
            basis="continuing_education",
        )
    settings.CERTIFICATE_RENEWAL_CREDITS = earned.credits
    renewed = certificate_renew(
        actor=issued.committee, code=certificate.code, reason="CPD", basis="continuing_education"
    )
    assert renewed.renewal_count == 1
    event = AuditEvent.objects.filter(action="certificate.renew").latest("pk")
    assert event.after["credits"] == event.after["credits_recorded"] == earned.credits
    page = Client()
    page.force_login(issued.holder)
    html = page.get(f"/certificates/{certificate.code}/").content.decode()
    assert 'id="ce-credits"' in html
