"""The second factor for staff (enrolment, verification, recovery codes), API tokens
(second factor when obtained, expiry, rotation, revocation), password reset by
e-mail, and signing out everywhere. Staff sign in here through the forms, as a person
would, with codes computed from their device's key."""

import re
import time
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken
from rest_framework.test import APIClient

from certification.accounts.authentication import TokenAuthentication
from certification.accounts.tasks import api_tokens_expired_delete_task
from certification.demo.authenticators import DEMO_TOTP_KEY
from certification.models import AuditEvent
from core.roles import Role
from tests.conftest import authenticator_for, make_user, totp_code

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
# After a wrong code django-otp refuses any code for a second, doubling each time.
THROTTLE_SECONDS = 1.1


@pytest.fixture
def examiner(db: None) -> Any:
    return make_user("erin", Role.EXAMINER)


def password_login(user: Any, password: str = PASSWORD) -> tuple[Client, Any]:
    client = Client()
    response = client.post("/accounts/login/", {"username": user.username, "password": password})
    return client, response


def test_staff_without_an_authenticator_are_sent_to_enrol_and_nowhere_else(examiner) -> None:
    client, response = password_login(examiner)
    assert response.status_code == 302
    page = client.get("/examiner/grading/")
    assert page.status_code == 302 and page["Location"].startswith("/accounts/two-factor/setup/")
    assert "next=%2Fexaminer%2Fgrading%2F" in page["Location"]
    assert client.get("/api/v1/grading/manual/").status_code == 403  # the API refuses too
    setup = client.get("/accounts/two-factor/setup/")
    assert setup.status_code == 200 and "<svg" in setup.content.decode()
    assert client.post("/accounts/logout/").status_code == 302  # signing out is allowed


def test_enrolment_then_verification_with_a_code_and_a_recovery_code(examiner) -> None:
    client, _ = password_login(examiner)
    page = client.get("/accounts/two-factor/setup/").content.decode()
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1)
    device = TOTPDevice.objects.get(user=examiner, confirmed=False)
    assert secret.replace(" ", "") == device.config_url.split("secret=")[1].split("&")[0]

    wrong = client.post("/accounts/two-factor/setup/", {"code": "000000"})
    assert "验证码不正确" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=examiner, confirmed=True).exists()
    time.sleep(THROTTLE_SECONDS)

    done = client.post("/accounts/two-factor/setup/", {"code": totp_code(device)})
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", done.content.decode())
    assert len(codes) == 10
    assert client.get("/examiner/grading/").status_code == 200  # verified in this session
    assert client.get("/api/v1/grading/manual/").status_code == 200

    # Another browser: password, then a code; a recovery code works exactly once.
    other, _ = password_login(examiner)
    assert other.get("/examiner/grading/")["Location"].startswith("/accounts/two-factor/?")
    refused = other.post("/accounts/two-factor/", {"code": "123456"})
    assert refused.status_code == 200 and "验证码不正确" in refused.content.decode()
    time.sleep(THROTTLE_SECONDS)
    accepted = other.post("/accounts/two-factor/", {"code": codes[0], "next": "/examiner/grading/"})
    assert accepted.status_code == 302 and accepted["Location"] == "/examiner/grading/"
    assert other.get("/examiner/grading/").status_code == 200
    third, _ = password_login(examiner)
    again = third.post("/accounts/two-factor/", {"code": codes[0]})
    assert again.status_code == 200 and third.get("/examiner/grading/").status_code == 302
    assert StaticToken.objects.filter(device__user=examiner).count() == 9


def test_a_password_alone_cannot_replace_an_enrolled_authenticator(examiner) -> None:
    device = authenticator_for(examiner)
    client, _ = password_login(examiner)
    response = client.get("/accounts/two-factor/setup/")
    assert response.status_code == 302 and response["Location"] == "/accounts/two-factor/"
    client.post("/accounts/two-factor/setup/", {"code": "000000"})
    assert list(TOTPDevice.objects.filter(user=examiner)) == [device]


def test_wrong_codes_count_towards_the_lockout(examiner) -> None:
    authenticator_for(examiner)
    client, _ = password_login(examiner)
    for _ in range(4):
        assert client.post("/accounts/two-factor/", {"code": "000000"}).status_code == 200
    locked = client.post("/accounts/two-factor/", {"code": "000000"})
    assert locked.status_code == 429 and "Retry-After" in locked


def test_candidates_need_no_second_factor(candidate) -> None:
    client, response = password_login(candidate)
    assert response["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200
    assert client.get("/api/v1/applications/").status_code == 200
    assert client.get("/accounts/two-factor/setup/")["Location"] == "/accounts/settings/"
    assert not TOTPDevice.objects.filter(user=candidate).exists()


def test_demo_staff_have_the_published_demo_authenticator(demo) -> None:
    device = TOTPDevice.objects.get(user=demo["committee"], confirmed=True)
    assert device.bin_key == DEMO_TOTP_KEY
    assert not TOTPDevice.objects.filter(user=demo["candidate"]).exists()
    code = str(totp(DEMO_TOTP_KEY)).zfill(6)
    client, _ = password_login(demo["committee"], "committee-demo-2026")
    assert client.post("/accounts/two-factor/", {"code": code}).status_code == 302
    assert client.get("/committee/applications/").status_code == 200


# --- API tokens -----------------------------------------------------------------


def token_for(user: Any, **extra: str) -> Any:
    return APIClient().post(
        "/api/v1/auth/token/", {"username": user.username, "password": PASSWORD, **extra}
    )


def refused(response: Any) -> bool:
    """A token that no longer works: refused like any unknown token."""
    return (
        response.status_code in (401, 403)
        and response.json()["error"]["code"] == "authentication_failed"
    )


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_staff_give_a_code_to_obtain_a_token(examiner) -> None:
    device = authenticator_for(examiner)
    assert token_for(examiner).json()["error"]["code"] == "otp_required"
    assert token_for(examiner, otp_token="000000").json()["error"]["code"] == "invalid_credentials"
    time.sleep(THROTTLE_SECONDS)
    issued = token_for(examiner, otp_token=totp_code(device))
    assert issued.status_code == 200
    assert bearer(issued.json()["token"]).get("/api/v1/grading/manual/").status_code == 200
    stored = AuthToken.objects.get(user=examiner)
    assert issued.json()["token"] not in (stored.digest, stored.token_key)  # only a hash


def test_a_wrong_password_gets_no_token(candidate) -> None:
    response = token_for(candidate, password="wrong")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_credentials"
    assert not AuthToken.objects.exists()


def test_tokens_expire(candidate) -> None:
    token = token_for(candidate).json()["token"]
    assert bearer(token).get("/api/v1/applications/").status_code == 200
    AuthToken.objects.update(expiry=timezone.now() - timedelta(seconds=1))
    assert refused(bearer(token).get("/api/v1/applications/"))


def test_an_expired_token_is_refused_and_deleted_and_the_sweep_deletes_the_others(
    candidate, django_assert_num_queries
) -> None:
    """A request checks only its own token (one query; knox also read all of the
    holder's other tokens); the daily task deletes every other expired token."""
    current = token_for(candidate).json()["token"]
    expired = token_for(candidate).json()["token"]
    spare = token_for(candidate).json()["token"]
    past = timezone.now() - timedelta(seconds=1)
    AuthToken.objects.filter(token_key__in=[expired[:15], spare[:15]]).update(expiry=past)
    with django_assert_num_queries(1):
        TokenAuthentication().authenticate_credentials(current.encode())
    assert refused(bearer(expired).get("/api/v1/applications/"))
    assert not AuthToken.objects.filter(token_key=expired[:15]).exists()
    assert AuthToken.objects.filter(token_key=spare[:15]).exists()  # left to the sweep
    assert api_tokens_expired_delete_task.apply().get() == 1
    assert list(AuthToken.objects.values_list("token_key", flat=True)) == [current[:15]]
    assert bearer(current).get("/api/v1/applications/").status_code == 200


def test_rotation_and_revocation(candidate) -> None:
    old = token_for(candidate).json()["token"]
    rotated = bearer(old).post("/api/v1/auth/token/rotate/")
    assert rotated.status_code == 200
    new = rotated.json()["token"]
    assert refused(bearer(old).get("/api/v1/applications/"))
    assert bearer(new).get("/api/v1/applications/").status_code == 200
    assert bearer(new).post("/api/v1/auth/token/revoke/").status_code == 204
    assert refused(bearer(new).get("/api/v1/applications/"))


def test_the_admin_lists_tokens_and_deleting_one_revokes_it(candidate, demo) -> None:
    token = token_for(candidate).json()["token"]
    admin = Client()
    admin.force_login(demo["committee"])
    listing = admin.get("/admin/knox/authtoken/")
    assert listing.status_code == 200 and "alice" in listing.content.decode()
    digest = AuthToken.objects.get(user=candidate).digest
    admin.post(f"/admin/knox/authtoken/{digest}/delete/", {"post": "yes"})
    assert refused(bearer(token).get("/api/v1/applications/"))


# --- Password reset and signing out everywhere -----------------------------------


def test_password_reset_round_trip(candidate) -> None:
    token = token_for(candidate).json()["token"]
    session, _ = password_login(candidate)
    anonymous = Client()
    assert 'href="/accounts/password-reset/"' in anonymous.get("/accounts/login/").content.decode()
    known = anonymous.post("/accounts/password-reset/", {"email": "alice@example.org"})
    unknown = anonymous.post("/accounts/password-reset/", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]  # never says whether it exists
    [message] = mail.outbox
    assert message.to == ["alice@example.org"] and "alice" in message.body
    link = re.search(r"http://testserver(/accounts/password-reset/\S+/)", message.body).group(1)
    form = anonymous.get(link, follow=True)
    new = "a different long passphrase"
    done = anonymous.post(
        form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}, follow=True
    )
    assert "密码已更新" in done.content.decode()
    _, response = password_login(candidate, new)
    assert response["Location"] == "/dashboard/"
    assert session.get("/dashboard/").status_code == 302  # the old session has ended
    assert refused(bearer(token).get("/api/v1/applications/"))
    assert anonymous.get(link).context["validlink"] is False  # the link works once


def test_sign_out_everywhere_ends_every_session_and_revokes_tokens(candidate) -> None:
    token = token_for(candidate).json()["token"]
    laptop, _ = password_login(candidate)
    phone, _ = password_login(candidate)
    assert phone.get("/dashboard/").status_code == 200

    wrong = laptop.post("/accounts/sign-out-everywhere/", {"password": "wrong"})
    assert wrong.status_code == 200 and phone.get("/dashboard/").status_code == 200
    assert bearer(token).get("/api/v1/applications/").status_code == 200

    done = laptop.post("/accounts/sign-out-everywhere/", {"password": PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/accounts/login/"
    assert phone.get("/dashboard/")["Location"].startswith("/accounts/login/")
    assert laptop.get("/dashboard/")["Location"].startswith("/accounts/login/")
    assert refused(bearer(token).get("/api/v1/applications/"))
    assert AuditEvent.objects.filter(action="account.sign_out_everywhere").count() == 1
    _, again = password_login(candidate)  # the password itself is unchanged
    assert again["Location"] == "/dashboard/"
