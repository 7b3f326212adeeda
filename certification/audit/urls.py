"""URLs of audit: pages (``urlpatterns``) and API (``api_urlpatterns``, under /api/v1/)."""

from django.urls import path

from certification.audit.api import AuditLogApi, NotificationListApi, NotificationReadApi
from certification.audit.views import audit_csv, audit_page, notifications_page, notifications_read

urlpatterns = [
    path("committee/audit/", audit_page, name="committee-audit"),
    path("committee/audit.csv", audit_csv, name="committee-audit-csv"),
    path("notifications/", notifications_page, name="notifications"),
    path("notifications/read/", notifications_read, name="notifications-read"),
]

api_urlpatterns = [
    path("audit/", AuditLogApi.as_view(), name="api-audit"),
    path("notifications/", NotificationListApi.as_view(), name="api-notifications"),
    path(
        "notifications/read/",
        NotificationReadApi.as_view(),
        name="api-notifications-read",
    ),
]
