"""REST API of accounts: API tokens (obtain, rotate, revoke) and one's own
preferences (the time zone one reads times in)."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from certification.accounts import services as accounts
from certification.accounts import tokens
from certification.accounts.authentication import TokenAuthentication
from certification.accounts.middleware import time_zone_remember
from certification.accounts.selectors import user_zone_name
from core.api import AuthenticatedApiRequest


class PreferenceIo(serializers.Serializer[Any]):
    time_zone = serializers.CharField(
        max_length=64,
        allow_blank=True,
        help_text="IANA zone name (e.g. Europe/Berlin) times are shown in; blank for the site's.",
    )


class PreferenceApi(APIView):
    @extend_schema(responses=PreferenceIo)
    def get(self, request: AuthenticatedApiRequest) -> Response:
        return Response({"time_zone": user_zone_name(user_id=request.user.pk)})

    @extend_schema(request=PreferenceIo, responses=PreferenceIo)
    def put(self, request: AuthenticatedApiRequest) -> Response:
        data = PreferenceIo(data=request.data)
        data.is_valid(raise_exception=True)
        chosen = accounts.preference_update(
            user=request.user, time_zone=data.validated_data["time_zone"]
        )
        time_zone_remember(request.session, chosen.time_zone)
        return Response({"time_zone": chosen.time_zone})


class TokenIn(serializers.Serializer[Any]):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, style={"input_type": "password"})
    otp_token = serializers.CharField(
        max_length=16,
        required=False,
        allow_blank=True,
        help_text="A code from the authenticator app, or a recovery code: required for "
        "committee, examiner, instructor and admin accounts.",
    )


class TokenOut(serializers.Serializer[Any]):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`.")
    expiry = serializers.DateTimeField(allow_null=True)


class TokenObtainApi(APIView):
    """A new API token for a username and password (and, for staff, a one-time code).
    Throttled per address; repeated failures lock the account out for a while."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_scope = "auth_token"

    @extend_schema(request=TokenIn, responses=TokenOut)
    def post(self, request: Request) -> Response:
        data = TokenIn(data=request.data)
        data.is_valid(raise_exception=True)
        issued = tokens.api_token_obtain(request=request._request, **data.validated_data)
        return Response(TokenOut(issued).data)


class TokenRotateApi(APIView):
    """Replaces the token presented with a new one; the old one stops working."""

    authentication_classes = [TokenAuthentication]

    @extend_schema(request=None, responses=TokenOut)
    def post(self, request: AuthenticatedApiRequest) -> Response:
        issued = tokens.api_token_rotate(current=tokens.presented_token(request.auth))
        return Response(TokenOut(issued).data)


class TokenRevokeApi(APIView):
    """Revokes the token presented."""

    authentication_classes = [TokenAuthentication]

    @extend_schema(request=None, responses={204: None})
    def post(self, request: AuthenticatedApiRequest) -> Response:
        tokens.api_token_revoke(current=tokens.presented_token(request.auth))
        return Response(status=status.HTTP_204_NO_CONTENT)
