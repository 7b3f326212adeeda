"""URLs of interviews: pages (``urlpatterns``) and API (``api_urlpatterns``, under /api/v1/)."""

from django.urls import path

from certification.interviews.api import (
    ExaminerInterviewsApi,
    InterviewBookApi,
    InterviewRateApi,
    InterviewSlotCreateApi,
    InterviewSlotsApi,
    RaterAgreementApi,
)
from certification.interviews.views import (
    candidate_interview,
    candidate_interview_book,
    committee_agreement,
    committee_interviews,
    examiner_interview_rate,
    examiner_interviews,
)

urlpatterns = [
    path(
        "applications/<int:application_id>/interview/",
        candidate_interview,
        name="candidate-interview",
    ),
    path(
        "applications/<int:application_id>/interview/book/",
        candidate_interview_book,
        name="candidate-interview-book",
    ),
    path("committee/interviews/", committee_interviews, name="committee-interviews"),
    path(
        "committee/interviews/agreement/",
        committee_agreement,
        name="committee-agreement",
    ),
    path("examiner/interviews/", examiner_interviews, name="examiner-interviews"),
    path(
        "examiner/interviews/<int:interview_id>/",
        examiner_interview_rate,
        name="examiner-interview-rate",
    ),
]

api_urlpatterns = [
    path(
        "applications/<int:application_id>/interview/slots/",
        InterviewSlotsApi.as_view(),
        name="api-interview-slots",
    ),
    path(
        "applications/<int:application_id>/interview/",
        InterviewBookApi.as_view(),
        name="api-interview-book",
    ),
    path(
        "examiner/interviews/",
        ExaminerInterviewsApi.as_view(),
        name="api-examiner-interviews",
    ),
    path(
        "examiner/interviews/<int:interview_id>/rating/",
        InterviewRateApi.as_view(),
        name="api-interview-rate",
    ),
    path(
        "interview-slots/",
        InterviewSlotCreateApi.as_view(),
        name="api-interview-slots-create",
    ),
    path(
        "interviews/agreement/",
        RaterAgreementApi.as_view(),
        name="api-rater-agreement",
    ),
]
