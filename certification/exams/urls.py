"""URLs of exams: pages (``urlpatterns``) and API (``api_urlpatterns``, under /api/v1/)."""

from django.urls import path

from certification.exams.api import (
    AccommodationApi,
    AnswerSaveApi,
    AttemptDetailApi,
    AttemptStartApi,
    AttemptSubmitApi,
    ExamRegradeApi,
    IntegrityReportApi,
    ManualGradeApi,
    ManualQueueApi,
    PracticeCheckApi,
    ProgrammingSamplesApi,
    SubmissionCreateApi,
    SubmissionDetailApi,
)
from certification.exams.views import (
    attempt_page,
    attempt_takeover,
    exam_list,
    exam_start,
    grading_item,
    grading_queue,
    item_analysis_csv,
    item_analysis_page,
    item_analysis_progress_view,
    practical_page,
    practice_start,
)

urlpatterns = [
    path("exams/<int:exam_id>/practice/", practice_start, name="practice-start"),
    path("examiner/grading/", grading_queue, name="grading-queue"),
    path("examiner/grading/<int:item_id>/", grading_item, name="grading-item"),
    path("exams/", exam_list, name="exam-list"),
    path("exams/<int:exam_id>/analysis/", item_analysis_page, name="item-analysis"),
    path("exams/<int:exam_id>/analysis.csv", item_analysis_csv, name="item-analysis-csv"),
    path(
        "exams/<int:exam_id>/analysis/progress/",
        item_analysis_progress_view,
        name="item-analysis-progress",
    ),
    path("certifications/<slug:slug>/exam/", exam_start, name="exam-start"),
    path("certifications/<slug:slug>/practical/", practical_page, name="practical"),
    path("attempts/<uuid:attempt_id>/", attempt_page, name="attempt"),
    path("attempts/<uuid:attempt_id>/takeover/", attempt_takeover, name="attempt-takeover"),
]

api_urlpatterns = [
    path("exams/<int:exam_id>/attempts/", AttemptStartApi.as_view(), name="api-attempt-start"),
    path("attempts/<uuid:attempt_id>/", AttemptDetailApi.as_view(), name="api-attempt"),
    path(
        "attempts/<uuid:attempt_id>/answers/<int:item_id>/",
        AnswerSaveApi.as_view(),
        name="api-answer-save",
    ),
    path(
        "attempts/<uuid:attempt_id>/integrity/",
        IntegrityReportApi.as_view(),
        name="api-attempt-integrity",
    ),
    path(
        "attempts/<uuid:attempt_id>/items/<int:item_id>/check/",
        PracticeCheckApi.as_view(),
        name="api-practice-check",
    ),
    path(
        "attempts/<uuid:attempt_id>/items/<int:item_id>/samples/",
        ProgrammingSamplesApi.as_view(),
        name="api-programming-samples",
    ),
    path("grading/manual/", ManualQueueApi.as_view(), name="api-manual-queue"),
    path(
        "grading/manual/<int:item_id>/",
        ManualGradeApi.as_view(),
        name="api-manual-grade",
    ),
    path("exams/<int:exam_id>/regrade/", ExamRegradeApi.as_view(), name="api-regrade"),
    path("accommodations/", AccommodationApi.as_view(), name="api-accommodations"),
    path(
        "attempts/<uuid:attempt_id>/submit/",
        AttemptSubmitApi.as_view(),
        name="api-attempt-submit",
    ),
    path(
        "certifications/<slug:certification_slug>/submissions/",
        SubmissionCreateApi.as_view(),
        name="api-submission-create",
    ),
    path(
        "submissions/<uuid:submission_id>/",
        SubmissionDetailApi.as_view(),
        name="api-submission",
    ),
]
