"""URLs of the learning journey: pages (``urlpatterns``) and API (``api_urlpatterns``,
under /api/v1/)."""

from django.urls import path

from certification.learning import api, views

urlpatterns = [
    path("learn/", views.my_learning, name="learning"),
    path("learn/reviews/", views.reviews, name="learning-reviews"),
    # Before learn/<slug>/: /learn/projects/ is not a curriculum.
    path("learn/projects/", views.project_list, name="learning-projects"),
    path("learn/projects/<slug:slug>/", views.project_page, name="learning-project"),
    path("learn/<slug:slug>/", views.curriculum_study, name="learning-curriculum"),
    path("learn/<slug:slug>/enrol/", views.enrol, name="learning-enrol"),
    path("learn/<slug:slug>/plan/", views.study_plan, name="learning-plan"),
    path("learn/<slug:slug>/plan/practise/", views.plan_practise, name="learning-plan-practise"),
    path("learn/<slug:slug>/lessons/<int:position>/", views.lesson_study, name="learning-lesson"),
    path(
        "learn/<slug:slug>/lessons/<int:position>/complete/",
        views.lesson_complete,
        name="learning-lesson-complete",
    ),
]

api_urlpatterns = [
    path("learning/enrolments/", api.EnrolmentsApi.as_view(), name="api-learning-enrolments"),
    path(
        "learning/curricula/<slug:slug>/progress/",
        api.ProgressApi.as_view(),
        name="api-learning-progress",
    ),
    path("learning/curricula/<slug:slug>/plan/", api.PlanApi.as_view(), name="api-learning-plan"),
    path(
        "learning/lessons/<int:lesson_id>/complete/",
        api.LessonCompleteApi.as_view(),
        name="api-learning-lesson-complete",
    ),
    path(
        "learning/lessons/<int:lesson_id>/heartbeat/",
        api.LessonHeartbeatApi.as_view(),
        name="api-learning-heartbeat",
    ),
    path("learning/reviews/", api.ReviewsApi.as_view(), name="api-learning-reviews"),
    path("learning/projects/", api.ProjectsApi.as_view(), name="api-learning-projects"),
    path(
        "learning/projects/<slug:slug>/runs/",
        api.ProjectRunsApi.as_view(),
        name="api-learning-project-runs",
    ),
    path(
        "learning/project-runs/<uuid:run_id>/",
        api.ProjectRunApi.as_view(),
        name="api-learning-project-run",
    ),
    path(
        "learning/reviews/<int:card_id>/answer/",
        api.ReviewAnswerApi.as_view(),
        name="api-learning-review-answer",
    ),
]
