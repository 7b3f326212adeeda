"""Question imports from the instructors' page, run by a worker with progress: the
file is stored privately at once, previewed (a dry run), confirmed by its author, then
imported. A file at the size limit takes seconds for each run (docs/benchmarks.md,
"Long operations"), too long for a web request and worth a progress bar.

While a run is in its transaction, the count of stored items lives in the cache (a
row updated inside the import's transaction would not be seen before it commits);
the row records ``done``/``total`` when the run ends."""

import hashlib
import logging
import uuid
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError, Conflict
from core.private_storage import private_open, private_save
from core.tasks import task_send_on_commit
from training import interchange
from training.interchange import ImportProblems, Problem
from training.models import QuestionBank, QuestionImport, ReviewStatus
from training.services.interchange import ImportReport, questions_import

logger = logging.getLogger(__name__)

QUESTION_IMPORT_TASK = "training.tasks.question_import_task"
# How long the cache keeps a run's count: longer than any run (the task time limit).
PROGRESS_TTL_SECONDS = 2 * 60 * 60
# The cache is written this many times per run at most (every 1%).
PROGRESS_STEPS = 100

State = QuestionImport.State


def _claimable() -> Q:
    """Queued, or running for longer than a task may run: its worker died (the broker
    hands the message out again; the author may retry too)."""
    stale = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    return Q(state=State.QUEUED) | Q(state=State.RUNNING, started_at__lt=stale)


def _progress_key(import_id: int) -> str:
    return f"question-import:{import_id}:done"


def question_import_upload(
    *, bank: QuestionBank, requested_by: User, upload: UploadedFile, format: str, skip_bad: bool
) -> QuestionImport:
    """Stores the file privately and queues its preview after commit; returns the row.

    Idempotent on (bank, file digest): the same file again returns the row it already
    has. A preview or a failed preview is run again with the options now given (a
    wrong format chosen, say); a confirmed import is never queued a second time.
    Raises Conflict when another author already uploaded this file to this bank."""
    data = upload.read()
    digest = hashlib.sha256(data).hexdigest()
    existing = _existing(bank=bank, digest=digest, requested_by=requested_by)
    if existing is not None:
        return _preview_again(existing, format=format, skip_bad=skip_bad)
    name = Path(upload.name or "questions").name
    stored_as = (Path("question-imports") / uuid.uuid4().hex / name).as_posix()
    private_save(stored_as, data)
    try:
        with transaction.atomic():
            record = QuestionImport.objects.create(
                bank=bank,
                requested_by=requested_by,
                file_name=name,
                stored_as=stored_as,
                digest=digest,
                format=format,
                skip_bad=skip_bad,
            )
            task_send_on_commit(QUESTION_IMPORT_TASK, record.pk)
    except IntegrityError:
        # The same file sent twice at once (a double click): the first one won.
        found = _existing(bank=bank, digest=digest, requested_by=requested_by)
        if found is None:
            raise
        return found
    return record


def _existing(*, bank: QuestionBank, digest: str, requested_by: User) -> QuestionImport | None:
    found = QuestionImport.objects.filter(bank=bank, digest=digest).first()
    if found is not None and found.requested_by_id != requested_by.pk:
        raise Conflict(_("另一位作者已将这个文件上传到此题库"))
    return found


def _preview_again(record: QuestionImport, *, format: str, skip_bad: bool) -> QuestionImport:
    with transaction.atomic():
        again = QuestionImport.objects.filter(
            pk=record.pk, confirmed=False, state__in=[State.PREVIEWED, State.FAILED]
        ).update(
            format=format,
            skip_bad=skip_bad,
            state=State.QUEUED,
            done=0,
            total=0,
            report={},
            message="",
            finished_at=None,
        )
        if again:
            task_send_on_commit(QUESTION_IMPORT_TASK, record.pk)
    record.refresh_from_db()
    return record


def question_import_confirm(*, record: QuestionImport) -> bool:
    """Queues the import of a previewed file. Returns False, and queues nothing, when
    the row is not a preview waiting for confirmation (a second click, a second tab):
    safe to call twice. Raises ApplicationError when the preview found nothing to
    import."""
    if record.state == State.PREVIEWED and not record.report.get("created"):
        raise ApplicationError(_("文件中没有可导入的题目"))
    return _requeue(record, State.PREVIEWED, confirmed=True)


def question_import_retry(*, record: QuestionImport) -> bool:
    """Queues a failed run again, from the stored file (the preview, or the import
    if it was confirmed), or a run whose worker died. Returns False when there is
    nothing to retry: safe to call twice."""
    stalled = _claimable() & Q(state=State.RUNNING)
    return _requeue(record, Q(state=State.FAILED) | stalled, confirmed=record.confirmed)


def _requeue(record: QuestionImport, expected: str | Q, *, confirmed: bool) -> bool:
    when = expected if isinstance(expected, Q) else Q(state=expected)
    with transaction.atomic():
        claimed = QuestionImport.objects.filter(
            when, pk=record.pk, confirmed=record.confirmed
        ).update(state=State.QUEUED, confirmed=confirmed, done=0, message="", finished_at=None)
        if claimed:
            task_send_on_commit(QUESTION_IMPORT_TASK, record.pk)
    return bool(claimed)


def question_import_stalled(*, record: QuestionImport) -> bool:
    """Whether the run's worker died (running for longer than a task may run)."""
    return QuestionImport.objects.filter(_claimable(), pk=record.pk, state=State.RUNNING).exists()


def question_import_progress(*, record: QuestionImport) -> tuple[int, int]:
    """(done, total) of the run: the cache's live count while it runs."""
    if record.state == State.RUNNING:
        live = cache.get(_progress_key(record.pk))
        if isinstance(live, list) and len(live) == 2:
            return int(live[0]), int(live[1])
    return record.done, record.total


def question_import_run(*, import_id: int) -> None:
    """The worker's part: claims a queued row (or one whose worker died), parses the stored file and previews or
    imports it, recording the report (or the problems) on the row. Safe to call
    twice: a second call finds nothing to claim. A confirmed import and its row's
    ``done`` state commit together, so an import is never stored twice."""
    claimed = QuestionImport.objects.filter(_claimable(), pk=import_id).update(
        state=State.RUNNING, done=0, total=0, started_at=timezone.now()
    )
    if not claimed:
        return
    record = QuestionImport.objects.select_related("bank", "requested_by").get(pk=import_id)
    cache.set(_progress_key(import_id), [0, 0], PROGRESS_TTL_SECONDS)
    try:
        _run(record)
    except ImportProblems as error:
        _finish(import_id, State.FAILED, report={"problems": _problems(error.problems)})
    except Exception as error:
        # Whatever broke (the database, the storage), the file stays and the author
        # may retry; the operators read the log.
        logger.exception("question import %s failed", import_id)
        _finish(import_id, State.FAILED, message=type(error).__name__)
    finally:
        cache.delete(_progress_key(import_id))


def _run(record: QuestionImport) -> None:
    with private_open(record.stored_as) as stored:
        data = stored.read()
    parsed = interchange.parse(record.format, data, skip_bad=record.skip_bad)
    total = len(parsed.drafts)
    cache.set(_progress_key(record.pk), [0, total], PROGRESS_TTL_SECONDS)
    with transaction.atomic():
        report = questions_import(
            bank=record.bank,
            drafts=parsed.drafts,
            created_by=record.requested_by,
            dry_run=not record.confirmed,
            categories=parsed.categories,
            skipped=parsed.skipped,
            status=ReviewStatus.IN_REVIEW,
            progress=_reporter(record.pk, total),
        )
        state = State.DONE if record.confirmed else State.PREVIEWED
        _finish(record.pk, state, report=_report(report), done=total, total=total)


def _reporter(import_id: int, total: int) -> Callable[[int, int], None]:
    step = max(1, total // PROGRESS_STEPS)

    def report(done: int, total: int) -> None:
        if done % step == 0 or done == total:
            cache.set(_progress_key(import_id), [done, total], PROGRESS_TTL_SECONDS)

    return report


def _finish(import_id: int, state: str, **fields: Any) -> None:
    QuestionImport.objects.filter(pk=import_id).update(
        state=state, finished_at=timezone.now(), **fields
    )


def _problems(problems: Sequence[Problem]) -> list[dict[str, Any]]:
    return [{"line": p.line, "reason": p.reason} for p in problems]


def _report(report: ImportReport) -> dict[str, Any]:
    """The report as the row keeps it (JSON) and the page shows it."""
    return {
        "created": report.created,
        "items": [
            {
                "line": item.line,
                "kind": item.kind,
                "name": item.name,
                "category": list(item.category),
                "tags": list(item.tags),
            }
            for item in report.items
        ],
        "new_categories": [list(path) for path in report.new_categories],
        "new_tags": list(report.new_tags),
        "skipped": _problems(report.skipped),
    }
