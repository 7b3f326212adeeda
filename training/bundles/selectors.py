"""Reads for the bundle upload page."""

from django.db.models import QuerySet

from training.models import BundleUpload, PracticalTask

RECENT_UPLOADS = 50


def bundle_uploads_recent() -> QuerySet[BundleUpload]:
    """The latest uploads, newest first."""
    return BundleUpload.objects.all()[:RECENT_UPLOADS]


def practical_tasks_with_versions() -> QuerySet[PracticalTask]:
    """Every practical task by slug, with its current bundle version."""
    return PracticalTask.objects.select_related("current_version").order_by("slug")


def bundle_upload_get(*, upload_id: int) -> BundleUpload | None:
    return BundleUpload.objects.filter(pk=upload_id).first()
