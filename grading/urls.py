from django.urls import path

from grading import views

urlpatterns = [
    path("tasks/bundles/", views.bundle_uploads, name="bundle-uploads"),
    path(
        "tasks/bundles/<int:upload_id>/status/",
        views.bundle_upload_status,
        name="bundle-upload-status",
    ),
]
