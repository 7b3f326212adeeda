"""URLs of live sessions: pages (``urlpatterns``) and API (``api_urlpatterns``, under
/api/v1/). The candidate's pages live under /learn/sessions/, so this area comes
before the learning journey in certification/urls.py (whose /learn/<slug>/ would
otherwise take "sessions" for a curriculum)."""

from django.urls import path

from certification.sessions import api, views

urlpatterns = [
    path("studio/sessions/", views.staff_sessions, name="sessions-staff"),
    path("studio/sessions/new/", views.session_new, name="sessions-new"),
    path(
        "studio/sessions/<int:session_id>/",
        views.session_detail,
        name="sessions-staff-detail",
    ),
    path("studio/sessions/<int:session_id>/edit/", views.session_edit, name="sessions-edit"),
    path("studio/sessions/<int:session_id>/cancel/", views.session_cancel, name="sessions-cancel"),
    path("learn/sessions/", views.my_sessions, name="sessions-mine"),
    path("learn/sessions/<int:session_id>/register/", views.register, name="sessions-register"),
    path(
        "learn/sessions/<int:session_id>/unregister/",
        views.unregister,
        name="sessions-unregister",
    ),
    path(
        "learn/sessions/<int:session_id>/calendar.ics",
        views.calendar,
        name="sessions-calendar",
    ),
]

api_urlpatterns = [
    path("sessions/", api.SessionsApi.as_view(), name="api-sessions"),
    path(
        "sessions/<int:session_id>/registration/",
        api.RegistrationApi.as_view(),
        name="api-session-registration",
    ),
    path(
        "sessions/<int:session_id>/calendar.ics",
        api.CalendarApi.as_view(),
        name="api-session-calendar",
    ),
    path(
        "sessions/<int:session_id>/attendance/",
        api.AttendanceApi.as_view(),
        name="api-session-attendance",
    ),
]
