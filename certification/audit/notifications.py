"""Notifications: a row in the app (the bell in the top bar) and an e-mail through
Django's mail backend, sent only after the transaction that caused it commits."""

import logging
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from certification.models import Notification
from core.roles import Role

logger = logging.getLogger(__name__)


def notification_send(
    *, recipient: User, title: str, body: str = "", link: str = "", email: bool = True
) -> Notification:
    """Records a notification for ``recipient`` in the current transaction and, when
    ``email`` is true and the recipient has an address, e-mails it on commit (a mail
    failure is logged, never raised: the action it reports has happened). Not
    idempotent: each call adds a row."""
    notification = Notification.objects.create(
        recipient=recipient, title=title[:200], body=body, link=link[:300]
    )
    address = getattr(recipient, "email", "")
    if email and address:
        transaction.on_commit(lambda: _mail(address=address, title=title, body=body, link=link))
    return notification


def notification_send_to_role(
    *, role: Role, title: str, body: str = "", link: str = "", exclude: Iterable[int] = ()
) -> int:
    """In-app notifications (no e-mail) to every holder of ``role`` but the users in
    ``exclude``; returns how many were recorded."""
    users = get_user_model().objects.filter(groups__name=role.value, is_active=True)
    rows = [
        Notification(recipient_id=user_id, title=title[:200], body=body, link=link[:300])
        for user_id in users.exclude(pk__in=list(exclude)).values_list("pk", flat=True)
    ]
    Notification.objects.bulk_create(rows)
    return len(rows)


def _mail(*, address: str, title: str, body: str, link: str) -> None:
    message = f"{body}\n\n{link}".strip() if link else body
    try:
        send_mail(subject=title, message=message, from_email=None, recipient_list=[address])
    except Exception:  # a mail server hiccup must not undo or hide the action
        logger.exception("notification e-mail to %s failed", address)


def notifications_mark_read(*, user: User, notification_ids: Iterable[int] | None = None) -> int:
    """Marks the user's notifications read (all of them when ``notification_ids`` is
    None); someone else's ids are silently ignored. Returns how many changed; safe to
    call twice."""
    unread = Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=list(notification_ids))
    return unread.update(read_at=timezone.now())
