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

from core.errors import ApplicationError, Conflict, NotFound
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


class AlreadyImported(Conflict):
    """The file was imported into the bank before and nothing of it is open: a new
    import of it is the author's explicit choice (``question_import_again``).
    ``record`` is the latest finished import of it."""

    code = "already_imported"

    def __init__(self, record: QuestionImport) -> None:
        super().__init__(_("这个文件已导入过此题库"))
        self.record = record


def question_import_upload(
    *, bank: QuestionBank, requested_by: User, upload: UploadedFile, format: str, skip_bad: bool
) -> QuestionImport:
    """Stores the file privately and queues its preview after commit; returns the row.

    Idempotent on (bank, file digest) while an import of the file is open (queued,
    running, previewed or failed): the same file again returns that row, so a double
    click or a repeated upload doubles nothing. A preview or a failed preview is run
    again with the options now given (a wrong format chosen, say); a confirmed import
    is never queued a second time. Raises AlreadyImported when the file's import is
    done (a new one is ``question_import_again``), Conflict when another author's
    import of this file into this bank is open."""
    data = upload.read()
    digest = hashlib.sha256(data).hexdigest()
    existing = _open(bank=bank, digest=digest, requested_by=requested_by)
    if existing is not None:
        return _preview_again(existing, format=format, skip_bad=skip_bad)
    done = question_import_last_done(bank=bank, digest=digest)
    if done is not None:
        raise AlreadyImported(done)
    name = Path(upload.name or "questions").name
    stored_as = (Path("question-imports") / uuid.uuid4().hex / name).as_posix()
    private_save(stored_as, data)
    return _create(
        bank=bank,
        requested_by=requested_by,
        file_name=name,
        stored_as=stored_as,
        digest=digest,
        format=format,
        skip_bad=skip_bad,
    )


def question_import_again(
    *, bank: QuestionBank, requested_by: User, digest: str, format: str, skip_bad: bool
) -> QuestionImport:
    """Imports a file whose import into ``bank`` is done once more, from its stored
    copy: a new row, queued for its preview like any upload (the author confirms it
    as usual). Returns the row. Safe to call twice: while that import is open, a
    second call (a double click) returns it. Raises NotFound when no import of
    ``digest`` into ``bank`` is done, Conflict as ``question_import_upload``."""
    existing = _open(bank=bank, digest=digest, requested_by=requested_by)
    if existing is not None:
        return existing
    done = question_import_last_done(bank=bank, digest=digest)
    if done is None:
        raise NotFound(_("没有找到这个文件之前的导入"))
    return _create(
        bank=bank,
        requested_by=requested_by,
        file_name=done.file_name,
        stored_as=done.stored_as,  # the same bytes: the digest names them
        digest=digest,
        format=format,
        skip_bad=skip_bad,
    )


def question_import_last_done(*, bank: QuestionBank, digest: str) -> QuestionImport | None:
    """The latest finished import of the file ``digest`` into ``bank``, if any."""
    return (
        QuestionImport.objects.filter(bank=bank, digest=digest, state=State.DONE)
        .order_by("-finished_at", "-pk")
        .first()
    )


def _create(
    *, bank: QuestionBank, requested_by: User, digest: str, **fields: Any
) -> QuestionImport:
    try:
        with transaction.atomic():
            record = QuestionImport.objects.create(
                bank=bank, requested_by=requested_by, digest=digest, **fields
            )
            task_send_on_commit(QUESTION_IMPORT_TASK, record.pk)
    except IntegrityError:
        # The same file sent twice at once (a double click): the first one won.
        found = _open(bank=bank, digest=digest, requested_by=requested_by)
        if found is None:
            raise
        return found
    return record


def _open(*, bank: QuestionBank, digest: str, requested_by: User) -> QuestionImport | None:
    """The file's import into the bank that is not done yet (at most one)."""
    found = (
        QuestionImport.objects.filter(bank=bank, digest=digest).exclude(state=State.DONE).first()
    )
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
