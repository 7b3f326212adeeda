"""URLs of mentoring: pages (``urlpatterns``) and API (``api_urlpatterns``, under
/api/v1/)."""

from django.urls import path

from certification.mentoring import api, views

urlpatterns = [
    path("mentoring/", views.my_mentor, name="mentoring"),
    path("mentor/", views.mentees_page, name="mentor-mentees"),
    path("mentor/mentees/<int:candidate_id>/", views.mentee_page, name="mentor-mentee"),
    path("mentor/threads/<int:thread_id>/", views.thread_page, name="mentor-thread"),
    path("committee/mentors/", views.assignments, name="committee-mentors"),
    path("committee/mentors/assign/", views.assign, name="committee-mentor-assign"),
]

api_urlpatterns = [
    path("mentoring/threads/", api.ThreadsApi.as_view(), name="api-mentor-threads"),
    path("mentoring/threads/<int:thread_id>/", api.ThreadApi.as_view(), name="api-mentor-thread"),
    path(
        "mentoring/threads/<int:thread_id>/messages/",
        api.MessagesApi.as_view(),
        name="api-mentor-messages",
    ),
    path("mentoring/mentees/", api.MenteesApi.as_view(), name="api-mentor-mentees"),
    path("mentoring/assignments/", api.AssignmentsApi.as_view(), name="api-mentor-assign"),
]
