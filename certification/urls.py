from django.urls import path

from certification import views, views_committee, views_exam

urlpatterns = [
    path("exams/<int:exam_id>/practice/", views_exam.practice_start, name="practice-start"),
    path("examiner/grading/", views_exam.grading_queue, name="grading-queue"),
    path("examiner/grading/<int:item_id>/", views_exam.grading_item, name="grading-item"),
    path("exams/<int:exam_id>/analysis/", views_exam.item_analysis_page, name="item-analysis"),
    path(
        "exams/<int:exam_id>/analysis.csv", views_exam.item_analysis_csv, name="item-analysis-csv"
    ),
    path("", views.home, name="home"),
    path("accounts/register/", views.register, name="register"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("certifications/<slug:slug>/apply/", views_committee.apply, name="apply"),
    path("certifications/<slug:slug>/exam/", views.exam_start, name="exam-start"),
    path("certifications/<slug:slug>/practical/", views.practical_page, name="practical"),
    path("attempts/<uuid:attempt_id>/", views.attempt_page, name="attempt"),
    path("committee/applications/", views_committee.review_queue, name="committee-applications"),
    # Applications and review, conflicts, audit log, notifications (issue 6).
    path(
        "applications/<int:application_id>/",
        views_committee.application_detail,
        name="application-detail",
    ),
    path(
        "applications/<int:application_id>/withdraw/",
        views_committee.application_withdraw,
        name="application-withdraw",
    ),
    path(
        "applications/<int:application_id>/attachments/",
        views_committee.application_attach,
        name="application-attach",
    ),
    path(
        "applications/<int:application_id>/attachments/<int:attachment_id>/",
        views_committee.attachment_download,
        name="application-attachment",
    ),
    path("committee/applications/bulk/", views_committee.review_bulk, name="committee-bulk"),
    path(
        "committee/applications/<int:application_id>/",
        views_committee.review_application,
        name="committee-application",
    ),
    path(
        "committee/applications/<int:application_id>/waiver/",
        views_committee.review_waiver,
        name="committee-waiver",
    ),
    path("committee/conflicts/", views_committee.conflicts_page, name="committee-conflicts"),
    path("committee/audit/", views_committee.audit_page, name="committee-audit"),
    path("committee/audit.csv", views_committee.audit_csv, name="committee-audit-csv"),
    path("notifications/", views_committee.notifications_page, name="notifications"),
    path("notifications/read/", views_committee.notifications_read, name="notifications-read"),
    path(
        "committee/applications/<int:application_id>/decide/",
        views.committee_decide,
        name="committee-decide",
    ),
    path("committee/results/", views.committee_results, name="committee-results"),
    path(
        "committee/results/<int:application_id>/issue/",
        views.committee_issue,
        name="committee-issue",
    ),
    path("verify/<str:code>/", views.verify, name="verify"),
    path("verify/<str:code>/credential.json", views.verify_json, name="verify-json"),
    path("verify/<str:code>/badge.svg", views.verify_badge, name="verify-badge"),
    path("verifier/", views.verify_credential, name="verifier"),
    path("issuer", views.credential_issuer, name="credential-issuer"),
    path(
        "credentials/status/<str:purpose>/<int:number>",
        views.credential_status_list,
        name="credential-status-list",
    ),
    path("achievements/<slug:slug>", views.credential_achievement, name="credential-achievement"),
    path("certificates/<str:code>/", views.certificate_holder, name="certificate-holder"),
    path("certificates/<str:code>/pdf/", views.certificate_pdf, name="certificate-pdf"),
    path("committee/certificates/", views.committee_certificates, name="committee-certificates"),
    path(
        "committee/certificates/<str:code>/<str:action>/",
        views.committee_certificate_action,
        name="committee-certificate-action",
    ),
]
