from django.urls import path

from certification import views, views_committee, views_exam, views_interviews, views_results

urlpatterns = [
    path("exams/<int:exam_id>/practice/", views_exam.practice_start, name="practice-start"),
    path("examiner/grading/", views_exam.grading_queue, name="grading-queue"),
    path("examiner/grading/<int:item_id>/", views_exam.grading_item, name="grading-item"),
    path("exams/", views_exam.exam_list, name="exam-list"),
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
    # Results, decisions, appeals, blueprints, Angoff, interviews (issue 6)
    path(
        "applications/<int:application_id>/result/",
        views_results.application_result,
        name="application-result",
    ),
    path(
        "applications/<int:application_id>/interview/",
        views_interviews.candidate_interview,
        name="candidate-interview",
    ),
    path(
        "applications/<int:application_id>/interview/book/",
        views_interviews.candidate_interview_book,
        name="candidate-interview-book",
    ),
    path(
        "committee/results/<int:application_id>/",
        views_results.committee_result,
        name="committee-result",
    ),
    path(
        "committee/results/<int:application_id>/decision/",
        views_results.committee_decide_result,
        name="committee-result-decide",
    ),
    path(
        "committee/results/<int:application_id>/adjudication/",
        views_results.committee_adjudication_check,
        name="committee-adjudication-check",
    ),
    path("committee/appeals/", views_results.committee_appeals, name="committee-appeals"),
    path(
        "committee/appeals/<int:appeal_id>/decide/",
        views_results.committee_appeal_decide,
        name="committee-appeal-decide",
    ),
    path("committee/blueprints/", views_results.committee_blueprints, name="committee-blueprints"),
    path(
        "committee/blueprints/<int:blueprint_id>/publish/",
        views_results.committee_blueprint_publish,
        name="committee-blueprint-publish",
    ),
    path("committee/angoff/", views_results.committee_angoff, name="committee-angoff"),
    path("committee/angoff/<int:study_id>/", views_results.angoff_study, name="angoff-study"),
    path(
        "examiner/angoff/<int:study_id>/",
        views_results.examiner_angoff_study,
        name="examiner-angoff-study",
    ),
    path(
        "committee/interviews/", views_interviews.committee_interviews, name="committee-interviews"
    ),
    path(
        "committee/interviews/agreement/",
        views_interviews.committee_agreement,
        name="committee-agreement",
    ),
    path("examiner/interviews/", views_interviews.examiner_interviews, name="examiner-interviews"),
    path(
        "examiner/interviews/<int:interview_id>/",
        views_interviews.examiner_interview_rate,
        name="examiner-interview-rate",
    ),
]
