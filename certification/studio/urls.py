"""URLs of the studio: pages only (``api_urlpatterns`` is empty: the studio's JSON
endpoints are previews for its own pages, not part of the public API)."""

from django.urls import path

from certification.studio import blueprints, lessons, tasks, views

urlpatterns = [
    path("studio/", views.studio_home, name="studio"),
    path("studio/review/approve/", views.review_approve_many, name="studio-approve-many"),
    path(
        "studio/review/<str:kind>/<int:version_id>/",
        views.review_action,
        name="studio-review",
    ),
    path("studio/assign/", views.certification_assign_view, name="studio-assign"),
    path("studio/preview/markdown/", views.markdown_preview, name="studio-markdown-preview"),
    path("studio/preview/item/", views.item_preview, name="studio-item-preview"),
    path("studio/preview/item/try/", views.item_try, name="studio-item-try"),
    path("studio/curricula/<slug:slug>/", lessons.curriculum_lessons, name="studio-lessons"),
    path("studio/curricula/<slug:slug>/new/", lessons.lesson_new, name="studio-lesson-new"),
    path("studio/lessons/<int:lesson_id>/", lessons.lesson_history, name="studio-lesson-history"),
    path("studio/lessons/<int:lesson_id>/edit/", lessons.lesson_edit, name="studio-lesson-edit"),
    path("studio/lessons/<int:lesson_id>/move/", lessons.lesson_reorder, name="studio-lesson-move"),
    path("studio/exams/new/", blueprints.blueprint_edit, name="studio-blueprint-new"),
    path("studio/exams/<int:exam_id>/", blueprints.blueprint_edit, name="studio-blueprint"),
    path("studio/exams/capacity/", blueprints.blueprint_capacity, name="studio-capacity"),
    path("studio/tasks/<slug:slug>/", tasks.task_runs, name="studio-task-runs"),
    path("studio/tasks/<slug:slug>/trial/", tasks.task_trial_rerun, name="studio-task-trial"),
]

api_urlpatterns: list[object] = []
