"""The API's authentication: sessions, refusing staff sessions that have not passed
the second factor (a staff member's browser between password and code), and tokens.
Tokens need no such check: a staff member gives the code when obtaining one
(accounts/api.py)."""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.models import AuthToken
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request

from certification.accounts.second_factor import second_factor_required, second_factor_verified


class VerifiedSessionAuthentication(SessionAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        result = super().authenticate(request)
        if result is None:
            return None
        user = result[0]
        if second_factor_required(user) and not second_factor_verified(user):
            raise exceptions.AuthenticationFailed(_("需要先完成第二重验证。"))
        return result


class VerifiedSessionScheme(SessionScheme):  # type: ignore[no-untyped-call]
    """The OpenAPI description: a session cookie, as for DRF's own."""

    target_class = "certification.accounts.authentication.VerifiedSessionAuthentication"


class TokenAuthentication(KnoxTokenAuthentication):  # type: ignore[misc]  # knox is untyped
    """django-rest-knox's token authentication, less one query per request: knox looks
    through all of the holder's other tokens on every request to delete the expired
    ones. Here a request checks only its own token's expiry (an expired token is
    refused and deleted, as in knox); the others are deleted by the daily
    ``api_tokens_expired_delete`` task (accounts/tokens.py)."""

    def _cleanup_token(self, auth_token: AuthToken) -> bool:
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            return True
        return False


class TokenScheme(KnoxTokenScheme):  # type: ignore[no-untyped-call]
    """The OpenAPI description: knox's bearer token, as for knox's own class."""

    target_class = "certification.accounts.authentication.TokenAuthentication"
