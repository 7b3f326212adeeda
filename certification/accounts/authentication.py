"""The API's session authentication, refusing staff sessions that have not passed
the second factor (a staff member's browser between password and code). Tokens need
no such check: a staff member gives the code when obtaining one (accounts/api.py)."""

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.authentication import SessionScheme
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
