"""The API's authentication: sessions, refusing staff sessions that have not passed
the second factor (a staff member's browser between password and code), and tokens.
Tokens need no such check: a staff member gives the code when obtaining one
(accounts/api.py)."""

import binascii
from hmac import compare_digest
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.settings import CONSTANTS, knox_settings
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request

from certification.accounts.second_factor import second_factor_required, second_factor_verified
from core.roles import user_roles_known


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


def _columns(model: Any, alias: str) -> tuple[list[str], str]:
    names = [field.attname for field in model._meta.concrete_fields]
    return names, ", ".join(f'{alias}."{model._meta.get_field(n).column}"' for n in names)


_USER = get_user_model()
_TOKEN_FIELDS, _TOKEN_COLUMNS = _columns(AuthToken, "t")
_USER_FIELDS, _USER_COLUMNS = _columns(_USER, "u")
# The tokens of one key with their holder and the holder's roles (group names): what
# knox reads with the ORM, plus the roles query that every role check would make
# next. SQL, not the ORM: compiling the two queries cost more than running them.
_TOKENS = f"""
SELECT {_TOKEN_COLUMNS}, {_USER_COLUMNS},
       ARRAY(SELECT g.name FROM {Group._meta.db_table} g
               JOIN {_USER.groups.through._meta.db_table} ug ON ug.group_id = g.id
              WHERE ug.user_id = u.id)
  FROM {AuthToken._meta.db_table} t JOIN {_USER._meta.db_table} u ON u.id = t.user_id
 WHERE t.token_key = %s
"""  # noqa: S608 - names from the models' metadata; the key is bound


class TokenAuthentication(KnoxTokenAuthentication):  # type: ignore[misc]  # knox is untyped
    """django-rest-knox's token authentication, with two queries less per request:

    - knox looks through all of the holder's other tokens on every request to delete
      the expired ones. Here a request checks only its own token's expiry (an expired
      token is refused and deleted, as in knox); the others are deleted by the daily
      ``api_tokens_expired_delete`` task (accounts/tokens.py).
    - The token, its holder and the holder's roles are read in one query (the roles
      for ``core.roles``, which every API view asks)."""

    def authenticate_credentials(self, token: bytes) -> tuple[Any, AuthToken]:
        """knox's, step by step (expired tokens deleted and skipped, the digest
        compared in constant time, auto-refresh, inactive users refused), over
        ``_TOKENS``. Raises AuthenticationFailed."""
        msg = _("Invalid token.")
        text = token.decode("utf-8")
        with connection.cursor() as cursor:
            cursor.execute(_TOKENS, [text[: CONSTANTS.TOKEN_KEY_LENGTH]])
            rows = cursor.fetchall()
        split = len(_TOKEN_FIELDS)
        for row in rows:
            auth_token = AuthToken.from_db(connection.alias, _TOKEN_FIELDS, row[:split])
            user = _USER.from_db(
                connection.alias, _USER_FIELDS, row[split : split + len(_USER_FIELDS)]
            )
            AuthToken.user.field.set_cached_value(auth_token, user)
            user_roles_known(user, names=row[-1])
            if self._cleanup_token(auth_token):
                continue
            try:
                digest = hash_token(text)
            except (TypeError, binascii.Error) as exc:
                raise exceptions.AuthenticationFailed(msg) from exc
            if compare_digest(digest, auth_token.digest):
                if knox_settings.AUTO_REFRESH and auth_token.expiry:
                    self.renew_token(auth_token)
                return self.validate_user(auth_token)  # type: ignore[no-any-return]
        raise exceptions.AuthenticationFailed(msg)

    def _cleanup_token(self, auth_token: AuthToken) -> bool:
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            return True
        return False


class TokenScheme(KnoxTokenScheme):  # type: ignore[no-untyped-call]
    """The OpenAPI description: knox's bearer token, as for knox's own class."""

    target_class = "certification.accounts.authentication.TokenAuthentication"
