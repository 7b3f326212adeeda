"""Notifications: a row in the app (the bell in the top bar) and an e-mail through
Django's mail backend, sent only after the transaction that caused it commits.

Both are written in the recipient's language (``Preference.language``: the language
they last signed in with or picked, else the site's), not in the language of whoever
caused them: callers pass lazy text (``gettext_lazy``, ``core.i18n.interpolate_lazy``),
read here under the recipient's language. The row keeps that language, so a page in
the other language marks the text with it."""

import logging
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation

from certification.models import Notification, Preference
from core.i18n import StrOrPromise
from core.roles import Role

logger = logging.getLogger(__name__)


def recipient_languages(*, user_ids: list[int]) -> dict[int, str]:
    """The language each of these people reads (the site's for those with none)."""
    chosen = dict(
        Preference.objects.filter(user_id__in=user_ids)
        .exclude(language="")
        .values_list("user_id", "language")
    )
    return {user_id: chosen.get(user_id, settings.LANGUAGE_CODE) for user_id in user_ids}


def notification_send(
    *,
    recipient: User,
    title: StrOrPromise,
    body: StrOrPromise = "",
    link: str = "",
    email: bool = True,
) -> Notification:
    """Records a notification for ``recipient``, in their language, in the current
    transaction and, when ``email`` is true and the recipient has an address, e-mails
    it on commit (a mail failure is logged, never raised: the action it reports has
    happened). Not idempotent: each call adds a row."""
    language = recipient_languages(user_ids=[recipient.pk])[recipient.pk]
    with translation.override(language):
        title, body = str(title), str(body)
    notification = Notification.objects.create(
        recipient=recipient, title=title[:200], body=body, link=link[:300], language=language
    )
    address = getattr(recipient, "email", "")
    if email and address:
        transaction.on_commit(lambda: _mail(address=address, title=title, body=body, link=link))
    return notification


def notification_send_to_role(
    *,
    role: Role,
    title: StrOrPromise,
    body: StrOrPromise = "",
    link: str = "",
    exclude: Iterable[int] = (),
) -> int:
    """In-app notifications (no e-mail) to every holder of ``role`` but the users in
    ``exclude``, each in their language; returns how many were recorded."""
    users = get_user_model().objects.filter(groups__name=role.value, is_active=True)
    user_ids = list(users.exclude(pk__in=list(exclude)).values_list("pk", flat=True))
    languages = recipient_languages(user_ids=user_ids)
    texts: dict[str, tuple[str, str]] = {}
    for language in set(languages.values()):
        with translation.override(language):
            texts[language] = (str(title)[:200], str(body))
    rows = [
        Notification(
            recipient_id=user_id,
            title=texts[languages[user_id]][0],
            body=texts[languages[user_id]][1],
            link=link[:300],
            language=languages[user_id],
        )
        for user_id in user_ids
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
