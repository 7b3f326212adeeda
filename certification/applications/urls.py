"""URLs of applications: pages (``urlpatterns``) and API (``api_urlpatterns``, under /api/v1/)."""

from django.urls import path

from certification.applications.api import (
    ApplicationApproveApi,
    ApplicationAttachApi,
    ApplicationDraftApi,
    ApplicationListCreateApi,
    ApplicationRejectApi,
    ApplicationWithdrawApi,
    CertificationListApi,
    ConflictListDeclareApi,
    ReviewBulkApi,
    ReviewQueueApi,
    ReviewQueueFilteredApi,
    ReviewWaiverApi,
)
from certification.applications.views import (
    application_attach,
    application_detail,
    application_withdraw,
    apply,
    attachment_download,
    committee_decide,
    conflicts_page,
    own_conflicts_page,
    review_application,
    review_bulk,
    review_queue,
    review_waiver,
)

urlpatterns = [
    path("certifications/<slug:slug>/apply/", apply, name="apply"),
    path("committee/applications/", review_queue, name="committee-applications"),
    path(
        "applications/<int:application_id>/",
        application_detail,
        name="application-detail",
    ),
    path(
        "applications/<int:application_id>/withdraw/",
        application_withdraw,
        name="application-withdraw",
    ),
    path(
        "applications/<int:application_id>/attachments/",
        application_attach,
        name="application-attach",
    ),
    path(
        "applications/<int:application_id>/attachments/<int:attachment_id>/",
        attachment_download,
        name="application-attachment",
    ),
    path("committee/applications/bulk/", review_bulk, name="committee-bulk"),
    path(
        "committee/applications/<int:application_id>/",
        review_application,
        name="committee-application",
    ),
    path(
        "committee/applications/<int:application_id>/waiver/",
        review_waiver,
        name="committee-waiver",
    ),
    path("committee/conflicts/", conflicts_page, name="committee-conflicts"),
    path("conflicts/", own_conflicts_page, name="own-conflicts"),
    path(
        "committee/applications/<int:application_id>/decide/",
        committee_decide,
        name="committee-decide",
    ),
]

api_urlpatterns = [
    path("certifications/", CertificationListApi.as_view(), name="api-certifications"),
    path("applications/", ApplicationListCreateApi.as_view(), name="api-applications"),
    path("review/applications/", ReviewQueueApi.as_view(), name="api-review-queue"),
    path(
        "applications/drafts/",
        ApplicationDraftApi.as_view(),
        name="api-application-draft",
    ),
    path(
        "applications/<int:application_id>/withdraw/",
        ApplicationWithdrawApi.as_view(),
        name="api-application-withdraw",
    ),
    path(
        "applications/<int:application_id>/attachments/",
        ApplicationAttachApi.as_view(),
        name="api-application-attach",
    ),
    path(
        "review/queue/",
        ReviewQueueFilteredApi.as_view(),
        name="api-review-queue-filtered",
    ),
    path(
        "review/applications/bulk/",
        ReviewBulkApi.as_view(),
        name="api-review-bulk",
    ),
    path(
        "review/applications/<int:application_id>/waiver/",
        ReviewWaiverApi.as_view(),
        name="api-review-waiver",
    ),
    path("conflicts/", ConflictListDeclareApi.as_view(), name="api-conflicts"),
    path(
        "review/applications/<int:application_id>/approve/",
        ApplicationApproveApi.as_view(),
        name="api-application-approve",
    ),
    path(
        "review/applications/<int:application_id>/reject/",
        ApplicationRejectApi.as_view(),
        name="api-application-reject",
    ),
]
