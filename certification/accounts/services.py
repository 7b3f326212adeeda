"""Registering a candidate account; a person's own preferences; signing out
everywhere."""

from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext

from certification.accounts.email import email_verification_send
from certification.accounts.tokens import api_tokens_revoke_all
from certification.audit.services import audit_record
from certification.models import Preference
from core.errors import ApplicationError
from core.roles import Role, role_grant
from core.zones import zone_get


def candidate_register(*, username: str, email: str, password: str) -> Any:
    """Creates a candidate account and mails a link that confirms its address (on
    commit). Raises ApplicationError for a taken username or a weak password;
    creates nothing in that case."""
    User = get_user_model()
    candidate = User(username=username, email=email)
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        raise ApplicationError(" ".join(exc.messages)) from exc
    candidate.set_password(password)
    try:
        with transaction.atomic():
            candidate.save()
            role_grant(user=candidate, role=Role.CANDIDATE)
            email_verification_send(user=candidate)
    except IntegrityError as exc:
        raise ApplicationError(gettext("该用户名已被使用")) from exc
    return candidate


def preference_update(*, user: Any, time_zone: str) -> Preference:
    """Sets the zone the person reads times in (blank: the site's). Raises
    ApplicationError for a name that is not an IANA zone; changes nothing then."""
    time_zone = time_zone.strip()
    if time_zone:
        zone_get(time_zone)
    preference, _ = Preference.objects.update_or_create(
        user_id=user.pk, defaults={"time_zone": time_zone}
    )
    return preference


def preference_language_set(*, user: Any, language: str) -> None:
    """Records the language ``user`` reads (one of settings.LANGUAGES; anything else is
    ignored), so that notifications and e-mails sent to them later use it. Safe to call
    twice."""
    if language not in dict(settings.LANGUAGES):
        return
    Preference.objects.update_or_create(user_id=user.pk, defaults={"language": language})


def sign_out_everywhere(*, request: HttpRequest, user: Any, password: str) -> int:
    """Ends every session of ``user``, in every browser including this one, and
    revokes all their API tokens; returns how many tokens there were.

    Django keeps in each session a hash derived from the stored password hash and
    logs the session out when they no longer match. Storing the same password again
    with a new salt changes the stored hash, so every session ends on its next
    request, whatever the session store, with no lookup added to any request. Hence
    the password: it is asked for again here, and a wrong one counts towards the
    lockout. Raises ApplicationError for a wrong password; changes nothing then."""
    if authenticate(request, username=user.get_username(), password=password) is None:
        raise ApplicationError(gettext("密码不正确"))
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        revoked = api_tokens_revoke_all(user=user)
        audit_record(
            actor=user, action="account.sign_out_everywhere", obj=user, after={"tokens": revoked}
        )
    return revoked
