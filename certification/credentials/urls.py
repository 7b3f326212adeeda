"""URLs of credentials: pages (``urlpatterns``) and API (``api_urlpatterns``, under /api/v1/)."""

from django.urls import path

from certification.credentials.api import (
    CertificateCredentialApi,
    CertificateIssueApi,
    CertificatePrivacyApi,
    CertificateRenameApi,
    CertificateRenewApi,
    CertificateRevokeApi,
    CertificateSuspendApi,
    CertificateUnsuspendApi,
    CertificateVerifyApi,
    CredentialVerifyApi,
)
from certification.credentials.views import (
    certificate_holder,
    certificate_pdf,
    committee_certificate_action,
    committee_certificates,
    committee_issue,
    credential_achievement,
    credential_issuer,
    credential_status_list,
    verify,
    verify_badge,
    verify_credential,
    verify_json,
)

urlpatterns = [
    path(
        "committee/results/<int:application_id>/issue/",
        committee_issue,
        name="committee-issue",
    ),
    path("verify/<str:code>/", verify, name="verify"),
    path("verify/<str:code>/credential.json", verify_json, name="verify-json"),
    path("verify/<str:code>/badge.svg", verify_badge, name="verify-badge"),
    path("verifier/", verify_credential, name="verifier"),
    path("issuer", credential_issuer, name="credential-issuer"),
    path(
        "credentials/status/<str:purpose>/<int:number>",
        credential_status_list,
        name="credential-status-list",
    ),
    path("achievements/<slug:slug>", credential_achievement, name="credential-achievement"),
    path("certificates/<str:code>/", certificate_holder, name="certificate-holder"),
    path("certificates/<str:code>/pdf/", certificate_pdf, name="certificate-pdf"),
    path("committee/certificates/", committee_certificates, name="committee-certificates"),
    path(
        "committee/certificates/<str:code>/<str:action>/",
        committee_certificate_action,
        name="committee-certificate-action",
    ),
]

api_urlpatterns = [
    path(
        "results/<int:application_id>/certificate/",
        CertificateIssueApi.as_view(),
        name="api-certificate-issue",
    ),
    path("certificates/<str:code>/", CertificateVerifyApi.as_view(), name="api-certificate"),
    path(
        "certificates/<str:code>/credential/",
        CertificateCredentialApi.as_view(),
        name="api-certificate-credential",
    ),
    path(
        "certificates/<str:code>/privacy/",
        CertificatePrivacyApi.as_view(),
        name="api-certificate-privacy",
    ),
    path("credentials/verify/", CredentialVerifyApi.as_view(), name="api-credential-verify"),
    *[
        path(
            f"committee/certificates/<str:code>/{action}/",
            view.as_view(),
            name=f"api-certificate-{action}",
        )
        for action, view in [
            ("revoke", CertificateRevokeApi),
            ("suspend", CertificateSuspendApi),
            ("unsuspend", CertificateUnsuspendApi),
            ("renew", CertificateRenewApi),
            ("rename", CertificateRenameApi),
        ]
    ],
]
