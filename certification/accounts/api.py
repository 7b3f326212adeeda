"""REST API of accounts: one's own preferences (the time zone one reads times in).
The token endpoint is DRF's own view, mounted in urls.py."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from certification.accounts import services as accounts
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
