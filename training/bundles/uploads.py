"""Bundle uploads from the browser: stored privately at once, then validated and
trial-run by a worker (a trial run trains the reference and the baseline: minutes,
too long for a web request). The page follows the upload's state."""

import uuid
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from core.private_storage import private_local_copy, private_save, private_size
from core.tasks import task_send_on_commit
from training.bundles.manifest import BundleRefused
from training.bundles.storage import BundleTrial, StageReport, bundle_upload
from training.models import BundleUpload

ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar", ".zip")
# The worker's task lives in grading (it runs the trial), which training may not
# import: it is queued by its name, as the task routes in settings name it.
BUNDLE_UPLOAD_TASK = "grading.tasks.bundle_upload_task"


def bundle_upload_receive(*, upload: UploadedFile, uploaded_by: User) -> BundleUpload:
    """Stores the archive privately and queues its validation after commit. Raises
    ApplicationError for a file that is not an archive or is too large; nothing is
    stored then."""
    name = (upload.name or "").lower()
    if not name.endswith(ARCHIVE_SUFFIXES):
        raise ApplicationError(_("请上传 .tar.gz、.tar 或 .zip 压缩包"))
    limit = settings.BUNDLE_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise ApplicationError(_("压缩包过大（上限 %(n)d MiB）") % {"n": limit // (1 << 20)})
    relative = Path("uploads") / uuid.uuid4().hex / Path(upload.name or "bundle.zip").name
    private_save(relative.as_posix(), upload)
    with transaction.atomic():
        record = BundleUpload.objects.create(
            uploaded_by=uploaded_by,
            file_name=Path(upload.name or "bundle").name,
            archive=relative.as_posix(),
            size_bytes=private_size(relative.as_posix()),
        )
        task_send_on_commit(BUNDLE_UPLOAD_TASK, record.pk)
    return record


def _stage_recorder(upload_id: int) -> StageReport:
    """Records each stage on the row as it starts (no transaction is open: the page
    polling the row sees it at once)."""

    def record(stage: str, done: int, total: int) -> None:
        BundleUpload.objects.filter(pk=upload_id, state=BundleUpload.State.CHECKING).update(
            stage=stage, done=done, total=total
        )

    return record


def bundle_upload_stage_label(upload: BundleUpload) -> str:
    """The stage of a checking upload in words ("" otherwise)."""
    if upload.state != BundleUpload.State.CHECKING or not upload.stage:
        return ""
    if upload.stage == "validate":
        return _("校验结构与校验和")
    if upload.stage == "store":
        return _("保存新版本")
    return _("试运行 %(solution)s（第 %(n)d 个，共 %(total)d 个）") % {
        "solution": upload.stage,
        "n": upload.done + 1,
        "total": upload.total,
    }


def bundle_upload_process(*, upload_id: int, trial: BundleTrial) -> None:
    """Claims a queued upload, validates it, runs ``trial`` on it, and records the
    outcome (the new bundle version, or the reason it was refused). Safe to call
    twice: a second call finds nothing to claim."""
    claimed = BundleUpload.objects.filter(pk=upload_id, state=BundleUpload.State.QUEUED).update(
        state=BundleUpload.State.CHECKING
    )
    if not claimed:
        return
    record = BundleUpload.objects.select_related("uploaded_by").get(pk=upload_id)
    # With a bucket, the archive is fetched to this worker's scratch space first.
    scratch = Path(settings.PRIVATE_STORAGE_DIR) / "scratch"
    try:
        with private_local_copy(record.archive, scratch=scratch) as source:
            version = bundle_upload(
                source=source,
                uploaded_by=record.uploaded_by,
                trial=trial,
                progress=_stage_recorder(upload_id),
            )
    except BundleRefused as exc:
        BundleUpload.objects.filter(pk=upload_id).update(
            state=BundleUpload.State.REFUSED, message=exc.message, finished_at=timezone.now()
        )
        return
    BundleUpload.objects.filter(pk=upload_id).update(
        state=BundleUpload.State.ACCEPTED,
        version=version,
        message=f"{version.task.slug} v{version.number}",
        finished_at=timezone.now(),
    )
