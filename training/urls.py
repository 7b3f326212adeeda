from django.urls import path

from training import views, views_interchange, views_items
from training.bundles import views as bundle_views

urlpatterns = [
    path("curricula/<slug:slug>/", views.curriculum_detail, name="curriculum"),
    path("banks/", views_interchange.bank_list, name="banks"),
    path("banks/<slug:slug>/export/<str:fmt>/", views_interchange.bank_export, name="bank-export"),
    path("banks/<slug:slug>/import/", views_interchange.question_import, name="question-import"),
    path(
        "banks/<slug:slug>/imports/<int:import_id>/",
        views_interchange.question_import_job,
        name="question-import-job",
    ),
    path(
        "banks/<slug:slug>/imports/<int:import_id>/progress/",
        views_interchange.question_import_status,
        name="question-import-status",
    ),
    path("banks/<slug:slug>/items/", views_items.item_list, name="item-list"),
    path("banks/<slug:slug>/items/new/", views_items.item_new, name="item-new"),
    path(
        "banks/<slug:slug>/items/<int:question_id>/", views_items.item_history, name="item-history"
    ),
    path(
        "banks/<slug:slug>/items/<int:question_id>/edit/", views_items.item_edit, name="item-edit"
    ),
    path("tasks/bundles/", bundle_views.bundle_uploads, name="bundle-uploads"),
    path(
        "tasks/bundles/<int:upload_id>/status/",
        bundle_views.bundle_upload_status,
        name="bundle-upload-status",
    ),
]
