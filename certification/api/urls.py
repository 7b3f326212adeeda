from django.urls import path
from rest_framework.authtoken.views import obtain_auth_token

from certification.api import committee_results_views as results_api
from certification.api import committee_views, exam_views, views

urlpatterns = [
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("certifications/", views.CertificationListApi.as_view(), name="api-certifications"),
    path("applications/", views.ApplicationListCreateApi.as_view(), name="api-applications"),
    path("review/applications/", views.ReviewQueueApi.as_view(), name="api-review-queue"),
    # Applications and review, conflicts, audit, notifications (issue 6).
    path(
        "applications/drafts/",
        committee_views.ApplicationDraftApi.as_view(),
        name="api-application-draft",
    ),
    path(
        "applications/<int:application_id>/withdraw/",
        committee_views.ApplicationWithdrawApi.as_view(),
        name="api-application-withdraw",
    ),
    path(
        "applications/<int:application_id>/attachments/",
        committee_views.ApplicationAttachApi.as_view(),
        name="api-application-attach",
    ),
    path(
        "review/queue/",
        committee_views.ReviewQueueFilteredApi.as_view(),
        name="api-review-queue-filtered",
    ),
    path(
        "review/applications/bulk/",
        committee_views.ReviewBulkApi.as_view(),
        name="api-review-bulk",
    ),
    path(
        "review/applications/<int:application_id>/waiver/",
        committee_views.ReviewWaiverApi.as_view(),
        name="api-review-waiver",
    ),
    path("conflicts/", committee_views.ConflictListDeclareApi.as_view(), name="api-conflicts"),
    path("audit/", committee_views.AuditLogApi.as_view(), name="api-audit"),
    path("notifications/", committee_views.NotificationListApi.as_view(), name="api-notifications"),
    path(
        "notifications/read/",
        committee_views.NotificationReadApi.as_view(),
        name="api-notifications-read",
    ),
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
    # Results, decisions, appeals, blueprints, Angoff, interviews (issue 6)
    path(
        "applications/<int:application_id>/result/",
        results_api.CandidateResultApi.as_view(),
        name="api-candidate-result",
    ),
    path(
        "applications/<int:application_id>/appeal/",
        results_api.CandidateAppealApi.as_view(),
        name="api-appeal-file",
    ),
    path(
        "applications/<int:application_id>/interview/slots/",
        results_api.InterviewSlotsApi.as_view(),
        name="api-interview-slots",
    ),
    path(
        "applications/<int:application_id>/interview/",
        results_api.InterviewBookApi.as_view(),
        name="api-interview-book",
    ),
    path(
        "examiner/interviews/",
        results_api.ExaminerInterviewsApi.as_view(),
        name="api-examiner-interviews",
    ),
    path(
        "examiner/interviews/<int:interview_id>/rating/",
        results_api.InterviewRateApi.as_view(),
        name="api-interview-rate",
    ),
    path("angoff/<int:study_id>/", results_api.AngoffStudyApi.as_view(), name="api-angoff"),
    path(
        "angoff/<int:study_id>/estimates/",
        results_api.AngoffEstimatesApi.as_view(),
        name="api-angoff-estimates",
    ),
    path(
        "results/<int:application_id>/",
        results_api.CommitteeResultApi.as_view(),
        name="api-committee-result",
    ),
    path(
        "results/<int:application_id>/decision/",
        results_api.DecisionRecordApi.as_view(),
        name="api-decision-record",
    ),
    path("blueprints/", results_api.BlueprintListCreateApi.as_view(), name="api-blueprints"),
    path(
        "blueprints/<int:blueprint_id>/publish/",
        results_api.BlueprintPublishApi.as_view(),
        name="api-blueprint-publish",
    ),
    path("appeals/", results_api.AppealQueueApi.as_view(), name="api-appeals"),
    path(
        "appeals/<int:appeal_id>/decision/",
        results_api.AppealDecideApi.as_view(),
        name="api-appeal-decide",
    ),
    path(
        "interview-slots/",
        results_api.InterviewSlotCreateApi.as_view(),
        name="api-interview-slots-create",
    ),
    path(
        "interviews/agreement/",
        results_api.RaterAgreementApi.as_view(),
        name="api-rater-agreement",
    ),
]
