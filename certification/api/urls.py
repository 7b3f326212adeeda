from django.urls import path
from rest_framework.authtoken.views import obtain_auth_token

from certification.api import exam_views, views

urlpatterns = [
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("certifications/", views.CertificationListApi.as_view(), name="api-certifications"),
    path("applications/", views.ApplicationListCreateApi.as_view(), name="api-applications"),
    path("review/applications/", views.ReviewQueueApi.as_view(), name="api-review-queue"),
    path(
        "review/applications/<int:application_id>/approve/",
        views.ApplicationApproveApi.as_view(),
        name="api-application-approve",
    ),
    path(
        "review/applications/<int:application_id>/reject/",
        views.ApplicationRejectApi.as_view(),
        name="api-application-reject",
    ),
    path(
        "exams/<int:exam_id>/attempts/", views.AttemptStartApi.as_view(), name="api-attempt-start"
    ),
    path("attempts/<uuid:attempt_id>/", views.AttemptDetailApi.as_view(), name="api-attempt"),
    path(
        "attempts/<uuid:attempt_id>/answers/<int:item_id>/",
        views.AnswerSaveApi.as_view(),
        name="api-answer-save",
    ),
    path(
        "attempts/<uuid:attempt_id>/items/<int:item_id>/check/",
        exam_views.PracticeCheckApi.as_view(),
        name="api-practice-check",
    ),
    path(
        "attempts/<uuid:attempt_id>/items/<int:item_id>/samples/",
        exam_views.ProgrammingSamplesApi.as_view(),
        name="api-programming-samples",
    ),
    path("grading/manual/", exam_views.ManualQueueApi.as_view(), name="api-manual-queue"),
    path(
        "grading/manual/<int:item_id>/",
        exam_views.ManualGradeApi.as_view(),
        name="api-manual-grade",
    ),
    path("exams/<int:exam_id>/regrade/", exam_views.ExamRegradeApi.as_view(), name="api-regrade"),
    path("accommodations/", exam_views.AccommodationApi.as_view(), name="api-accommodations"),
    path(
        "attempts/<uuid:attempt_id>/submit/",
        views.AttemptSubmitApi.as_view(),
        name="api-attempt-submit",
    ),
    path(
        "certifications/<slug:certification_slug>/submissions/",
        views.SubmissionCreateApi.as_view(),
        name="api-submission-create",
    ),
    path(
        "submissions/<uuid:submission_id>/",
        views.SubmissionDetailApi.as_view(),
        name="api-submission",
    ),
    path("results/", views.ResultListApi.as_view(), name="api-results"),
    path(
        "results/<int:application_id>/certificate/",
        views.CertificateIssueApi.as_view(),
        name="api-certificate-issue",
    ),
    path("certificates/<str:code>/", views.CertificateVerifyApi.as_view(), name="api-certificate"),
    path(
        "certificates/<str:code>/credential/",
        views.CertificateCredentialApi.as_view(),
        name="api-certificate-credential",
    ),
    path(
        "certificates/<str:code>/privacy/",
        views.CertificatePrivacyApi.as_view(),
        name="api-certificate-privacy",
    ),
    path("credentials/verify/", views.CredentialVerifyApi.as_view(), name="api-credential-verify"),
    *[
        path(
            f"committee/certificates/<str:code>/{action}/",
            view.as_view(),
            name=f"api-certificate-{action}",
        )
        for action, view in [
            ("revoke", views.CertificateRevokeApi),
            ("suspend", views.CertificateSuspendApi),
            ("unsuspend", views.CertificateUnsuspendApi),
            ("renew", views.CertificateRenewApi),
            ("rename", views.CertificateRenameApi),
        ]
    ],
]
