"""The second factor (django-otp): an authenticator app (TOTP) and ten recovery codes,
required of committee members, examiners, instructors and admin staff.

A session counts as verified once ``second_factor_login`` accepted a code in it
(django-otp keeps the device's id in the session); the middleware and the API's
session authentication refuse unverified staff sessions. A code is checked against
every confirmed device of the person: a TOTP code, or a recovery code, which is then
used up. django-otp slows down repeated wrong codes per device; each wrong code also
counts as a failed login for the lockout (certification/accounts/lockout.py).
"""

from base64 import b32encode
from typing import Any

import django_otp
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext
from django_otp import devices_for_user, user_has_device
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.errors import ApplicationError
from core.roles import Actor, Role, has_role

STAFF_ROLES = (Role.COMMITTEE, Role.EXAMINER, Role.INSTRUCTOR)
AUTHENTICATOR = "authenticator"
RECOVERY = "recovery"


def second_factor_required(user: Actor) -> bool:
    """Whether ``user`` must verify a second factor: staff roles and admin staff."""
    if not user.is_authenticated:
        return False
    if getattr(user, "is_staff", False) or getattr(user, "is_superuser", False):
        return True
    return any(has_role(user, role) for role in STAFF_ROLES)


def second_factor_verified(user: Actor) -> bool:
    """Whether this request's session passed the second factor (OTPMiddleware)."""
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


def second_factor_enrolled(user: Actor) -> bool:
    return bool(user_has_device(user, confirmed=True))


def authenticator_secret(device: TOTPDevice) -> str:
    """The key as an authenticator app takes it when typed: base32, in groups of four."""
    text = b32encode(device.bin_key).decode()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def authenticator_pending(*, user: Any) -> TOTPDevice:
    """The person's authenticator waiting for its first code, created on first call
    (the enrolment page shows its key until it is confirmed). Safe to call twice: the
    same device comes back."""
    device = TOTPDevice.objects.filter(user=user, name=AUTHENTICATOR, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR, confirmed=False)
    return device


def authenticator_confirm(*, user: Any, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirms the pending authenticator with a code it shows. It replaces any earlier
    authenticator, and new recovery codes replace the old ones; returns the device and
    the codes (shown once: only the codes' holder has them from then on). Raises
    ApplicationError for a wrong code or no pending authenticator; changes nothing
    then."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, name=AUTHENTICATOR, confirmed=False)
            .first()
        )
        if device is None or not device.verify_token(_normalise(code)):
            raise ApplicationError(gettext("验证码不正确"))
        TOTPDevice.objects.filter(user=user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = recovery_codes_issue(user=user)
    return device, codes


def recovery_codes_issue(*, user: Any) -> list[str]:
    """New recovery codes for ``user``; the old ones stop working. Returns the codes
    (the only time they are shown)."""
    with transaction.atomic():
        device, _ = StaticDevice.objects.get_or_create(
            user=user, name=RECOVERY, defaults={"confirmed": True}
        )
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(settings.OTP_RECOVERY_CODES)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def second_factor_check(*, user: Any, code: str) -> Device | None:
    """The confirmed device of ``user`` that accepts ``code`` (a recovery code is used
    up), or None. Devices are locked while checked, so a code cannot be spent twice
    by two requests at once."""
    code = _normalise(code)
    if not code:
        return None
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=True, for_verify=True):
            if device.verify_token(code):
                return device
    return None


def second_factor_login(request: HttpRequest, *, code: str) -> bool:
    """Verifies this session with ``code``. A wrong code counts as a failed login for
    the lockout; a locked-out person is refused without checking the code (the lockout
    middleware answers for the request). Returns whether the session is verified."""
    user = request.user
    credentials = {"username": user.get_username()}
    if not AxesProxyHandler.is_allowed(request, credentials):
        request.axes_locked_out = True  # type: ignore[attr-defined]
        request.axes_credentials = credentials  # type: ignore[attr-defined]
        return False
    device = second_factor_check(user=user, code=code)
    if device is None:
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        return False
    django_otp.login(request, device)
    return True


def second_factor_login_device(request: HttpRequest, device: Device) -> None:
    """Marks this session verified by ``device`` (just confirmed in it)."""
    django_otp.login(request, device)


def _normalise(code: str) -> str:
    return "".join(code.split()).lower()
