"""REST API of the audit log (committee) and of a user's notifications."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from certification.audit import notifications, selectors
from certification.models import AuditEvent, Notification
from core.api import AuthenticatedApiRequest, page_schema, paginate, require_role
from core.roles import Role


class AuditFilterIn(serializers.Serializer[Any]):
    actor = serializers.CharField(max_length=150, required=False, default="")
    action = serializers.CharField(max_length=64, required=False, default="")
    object_type = serializers.CharField(max_length=64, required=False, default="")
    object_id = serializers.CharField(max_length=64, required=False, default="")
    date_from = serializers.DateField(required=False, allow_null=True, default=None)
    date_to = serializers.DateField(required=False, allow_null=True, default=None)


class AuditEventOut(serializers.ModelSerializer[AuditEvent]):
    actor = serializers.CharField(source="actor.username", default=None)

    class Meta:
        model = AuditEvent
        fields = ["id", "at", "actor", "action", "object_type", "object_id", "before", "after"]


class AuditLogApi(APIView):
    @extend_schema(parameters=[AuditFilterIn], responses=page_schema(AuditEventOut))
    def get(self, request: AuthenticatedApiRequest) -> Response:
        require_role(request.user, Role.COMMITTEE)
        data = AuditFilterIn(data=request.query_params)
        data.is_valid(raise_exception=True)
        events = selectors.audit_log(
            viewer=request.user, filters=selectors.AuditFilters(**data.validated_data)
        )
        rows, meta = paginate(events, request)
        return Response({**meta, "results": AuditEventOut(rows, many=True).data})


class NotificationOut(serializers.ModelSerializer[Notification]):
    class Meta:
        model = Notification
        fields = ["id", "title", "body", "link", "created_at", "read_at"]


class NotificationReadIn(serializers.Serializer[Any]):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, allow_null=True
    )


class NotificationListApi(APIView):
    @extend_schema(responses=page_schema(NotificationOut, unread=serializers.IntegerField()))
    def get(self, request: AuthenticatedApiRequest) -> Response:
        rows, meta = paginate(selectors.notifications_for(user=request.user), request)
        unread = selectors.notifications_unread_count(user=request.user)
        return Response(
            {**meta, "unread": unread, "results": NotificationOut(rows, many=True).data}
        )


class NotificationReadApi(APIView):
    @extend_schema(request=NotificationReadIn, responses={200: dict})
    def post(self, request: AuthenticatedApiRequest) -> Response:
        data = NotificationReadIn(data=request.data)
        data.is_valid(raise_exception=True)
        changed = notifications.notifications_mark_read(
            user=request.user, notification_ids=data.validated_data.get("ids")
        )
        return Response({"marked_read": changed})
