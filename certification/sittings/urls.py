"""URLs of sittings: pages (``urlpatterns``) and API (``api_urlpatterns``, under /api/v1/)."""

from django.urls import path

from certification.sittings.api import (
    CandidateSittingsApi,
    ExamSittingCreateApi,
    SittingBookingApi,
)
from certification.sittings.views import (
    candidate_sitting_book,
    candidate_sitting_cancel,
    candidate_sitting_ics,
    candidate_sittings,
    staff_sittings,
)

urlpatterns = [
    path("certifications/<slug:slug>/sittings/", candidate_sittings, name="sittings"),
    path("certifications/<slug:slug>/sittings/book/", candidate_sitting_book, name="sitting-book"),
    path(
        "certifications/<slug:slug>/sittings/cancel/",
        candidate_sitting_cancel,
        name="sitting-cancel",
    ),
    path(
        "certifications/<slug:slug>/sittings/booking.ics",
        candidate_sitting_ics,
        name="sitting-ics",
    ),
    path("exams/<int:exam_id>/sittings/", staff_sittings, name="staff-sittings"),
]

api_urlpatterns = [
    path(
        "certifications/<slug:slug>/sittings/",
        CandidateSittingsApi.as_view(),
        name="api-sittings",
    ),
    path(
        "certifications/<slug:slug>/sittings/booking/",
        SittingBookingApi.as_view(),
        name="api-sitting-booking",
    ),
    path(
        "exams/<int:exam_id>/sittings/",
        ExamSittingCreateApi.as_view(),
        name="api-exam-sittings",
    ),
]
