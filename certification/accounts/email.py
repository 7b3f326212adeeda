"""Confirming a self-registered person's e-mail address: a signed link is mailed to it
(after the registration commits) and opening the link marks the address confirmed.

The link carries the user's id and the address, signed with the site's key and valid
for ``EMAIL_LINK_MAX_AGE``; nothing secret is stored. A link for an address the
person has since replaced confirms nothing."""

import logging
from datetime import datetime, timedelta
from typing import Any

from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from certification.audit.services import audit_record
from certification.models import EmailAddress
from certification.sessions.ics import site_url
from core.errors import ApplicationError

logger = logging.getLogger(__name__)
SALT = "certification.accounts.email-verify"
EMAIL_LINK_MAX_AGE = timedelta(days=3)


def email_verification_link(*, user: Any) -> str:
    token = signing.dumps({"u": user.pk, "e": user.email}, salt=SALT, compress=True)
    return site_url(reverse("email-verify", args=[token]))


def _mail(*, address: str, link: str) -> None:
    body = (
        "请打开下面的链接，验证你的电子邮箱（3 天内有效）。\n"
        "Open the link below to confirm your e-mail address (valid for 3 days).\n\n"
        f"{link}\n"
    )
    try:
        send_mail(
            subject=_("请验证你的电子邮箱"),
            message=body,
            from_email=None,
            recipient_list=[address],
        )
    except Exception:  # the account exists either way; the person can ask again
        logger.exception("verification e-mail to %s failed", address)


def email_verification_send(*, user: Any, now: datetime | None = None) -> EmailAddress:
    """Records that ``user.email`` awaits confirmation and mails it a link once the
    transaction commits. Returns the row. Raises ApplicationError for a user without
    an address. Each call mails one more link (earlier links stay valid)."""
    if not user.email:
        raise ApplicationError(_("账户没有电子邮箱"))
    now = now or timezone.now()
    address, created = EmailAddress.objects.get_or_create(
        user_id=user.pk, defaults={"email": user.email, "sent_at": now}
    )
    if not created:
        if address.email != user.email:
            address.email, address.verified_at = user.email, None
        address.sent_at = now
        address.save(update_fields=["email", "verified_at", "sent_at"])
    link = email_verification_link(user=user)
    transaction.on_commit(lambda: _mail(address=user.email, link=link))
    return address


def email_verify(*, token: str, now: datetime | None = None) -> EmailAddress:
    """Confirms the address the link was made for. Returns the row. Raises
    ApplicationError for a forged, expired or stale link (the address changed since).
    Safe to call twice: a confirmed address stays confirmed at its first time."""
    try:
        claim = signing.loads(token, salt=SALT, max_age=EMAIL_LINK_MAX_AGE)
    except signing.BadSignature as exc:
        raise ApplicationError(_("验证链接无效或已过期")) from exc
    now = now or timezone.now()
    with transaction.atomic():
        changed = EmailAddress.objects.filter(
            user_id=claim["u"], email=claim["e"], verified_at__isnull=True
        ).update(verified_at=now)
        address = EmailAddress.objects.filter(user_id=claim["u"], email=claim["e"]).first()
        if address is None:
            raise ApplicationError(_("验证链接无效或已过期"))
        if changed:
            audit_record(
                actor=address.user,
                action="account.email_verified",
                obj=address.user,
                after={"email": address.email},
            )
    return address


def email_pending(*, user: Any) -> str:
    """The address awaiting confirmation, or "" when there is none."""
    return (
        EmailAddress.objects.filter(user_id=user.pk, verified_at__isnull=True)
        .values_list("email", flat=True)
        .first()
        or ""
    )
