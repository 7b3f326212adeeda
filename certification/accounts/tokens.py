"""API tokens (django-rest-knox): stored as hashes, expiring after REST_KNOX's
TOKEN_TTL, rotated by their holder, revoked by their holder, by "sign out everywhere"
and from the admin (the list of tokens there is the revocation list: deleting a row
revokes it)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from knox.models import AuthToken, get_digest_token
from knox.settings import CONSTANTS, knox_settings

from certification.accounts.second_factor import second_factor_check, second_factor_required
from core.errors import ApplicationError


class InvalidCredentials(ApplicationError):
    status_code = 400
    code = "invalid_credentials"


class SecondFactorNeeded(ApplicationError):
    status_code = 400
    code = "otp_required"


@dataclass(frozen=True)
class IssuedToken:
    token: str  # shown once; only its hash is stored
    expiry: datetime | None


def api_token_obtain(
    *, request: HttpRequest, username: str, password: str, otp_token: str = ""
) -> IssuedToken:
    """A new token for the person with this password (and, for staff, a code from
    their authenticator or a recovery code). Wrong passwords and wrong codes count
    towards the lockout. Raises InvalidCredentials or SecondFactorNeeded; issues
    nothing then."""
    user = authenticate(request, username=username, password=password)
    if user is None:
        raise InvalidCredentials(gettext("用户名或密码错误"))
    if second_factor_required(user):
        if not otp_token:
            raise SecondFactorNeeded(gettext("此账户需要第二重验证码 (otp_token)"))
        if second_factor_check(user=user, code=otp_token) is None:
            user_login_failed.send(
                sender=__name__, credentials={"username": username}, request=request
            )
            raise InvalidCredentials(gettext("验证码不正确"))
    instance, token = AuthToken.objects.create(user=user)
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    return IssuedToken(token=token, expiry=instance.expiry)


def presented_token(auth: object) -> AuthToken:
    """The token a request authenticated with. Raises InvalidCredentials when it came
    with something else (a session): there is no token to rotate or revoke."""
    if not isinstance(auth, AuthToken):
        raise InvalidCredentials(gettext("此请求没有使用 API 令牌"))
    return auth


def api_token_rotate(*, current: AuthToken) -> IssuedToken:
    """Replaces the presented token with a new one (with a fresh expiry): the old one
    stops working at once. Not idempotent: a second call with the old token finds it
    revoked."""
    with transaction.atomic():
        deleted, _ = AuthToken.objects.filter(digest=current.digest).delete()
        if not deleted:
            raise InvalidCredentials(gettext("令牌已失效"))
        instance, token = AuthToken.objects.create(user=current.user)
    return IssuedToken(token=token, expiry=instance.expiry)


def api_token_revoke(*, current: AuthToken) -> None:
    """Revokes the presented token. Safe to call twice."""
    AuthToken.objects.filter(digest=current.digest).delete()


def api_tokens_revoke_all(*, user: Any) -> int:
    """Revokes every token of ``user``; returns how many there were."""
    deleted, _ = AuthToken.objects.filter(user_id=user.pk).delete()
    return int(deleted)


def api_tokens_issue_many(*, users: list[Any]) -> list[str]:
    """One new token per user, in one INSERT, in the order of ``users`` (for the
    benchmarks and the exam-day simulation, which sign in thousands at once)."""
    issued = [(user, *get_digest_token()) for user in users]
    expiry = timezone.now() + knox_settings.TOKEN_TTL
    AuthToken.objects.bulk_create(
        AuthToken(
            user=user,
            digest=digest,
            token_key=token[: CONSTANTS.TOKEN_KEY_LENGTH],
            expiry=expiry,
        )
        for user, digest, token in issued
    )
    return [token for _, _, token in issued]


def api_tokens_expired_delete(*, now: datetime | None = None) -> int:
    """Deletes every expired token (knox did it on each request, for the requester's
    other tokens; ``TokenAuthentication`` leaves it to this daily sweep). Expired
    tokens are refused either way. Returns how many were deleted."""
    deleted, _ = AuthToken.objects.filter(expiry__lt=now or timezone.now()).delete()
    return int(deleted)
