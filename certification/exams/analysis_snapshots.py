"""Item analysis kept precomputed: the page and the CSV show the exam's stored
snapshot (``ItemAnalysisSnapshot``). Reading a large exam's responses takes seconds
(about 5 s at a million, docs/benchmarks.md "Long operations"), so when new graded
attempts make the snapshot stale, a worker refreshes it and the page follows its
progress; a small exam is computed in the request (``INLINE_MAX_RESPONSES``).

A snapshot is stale when the exam's graded attempts are not the ones it was computed
from: their count, highest id and sum of scores (a new graded attempt, or a regrade
that changed a score) differ from its ``source``."""

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from certification.exams.item_analysis import (
    item_analysis_read,
    may_analyse,
    score_percents_read,
)
from certification.models import Attempt, AttemptItem, Exam, ItemAnalysisSnapshot
from core.charts import histogram_counts
from core.errors import NotFound
from core.tasks import task_send_on_commit
from grading.item_analysis import ItemAnalysis, ItemStatistics, TestStatistics

logger = logging.getLogger(__name__)

ITEM_ANALYSIS_TASK = "certification.tasks.item_analysis_refresh_task"
# At most this many responses (graded attempts x items per attempt) are read in the
# request: 20,000 take 0.2-0.3 s (docs/benchmarks.md, "Long operations"); more go
# to a worker, with progress.
INLINE_MAX_RESPONSES = 20_000
# A failed refresh is tried again by the next visit after this long.
RETRY_AFTER = timedelta(minutes=5)

State = ItemAnalysisSnapshot.State


@dataclass(frozen=True)
class StoredAnalysis:
    """A snapshot's result as the page and the CSV use it."""

    analysis: ItemAnalysis
    labels: list[str]  # one per item, in ``analysis.items`` order
    distribution: list[int]  # graded attempts per 10-point band of the percentage score
    computed_at: datetime


@dataclass(frozen=True)
class AnalysisNow:
    """What an exam's item analysis page shows: the stored analysis (None before the
    first one, or with no graded attempt), and whether a refresh is under way."""

    stored: StoredAnalysis | None
    snapshot: ItemAnalysisSnapshot | None
    refreshing: bool
    failed: bool


@dataclass(frozen=True)
class _Source:
    key: str
    graded: int
    last_id: int | None


def _source(exam: Exam) -> _Source:
    found = Attempt.objects.filter(exam=exam, state=Attempt.State.GRADED).aggregate(
        graded=Count("pk"), last_id=Max("pk"), scores=Sum("score")
    )
    key = f"{found['graded']}:{found['last_id'] or 0}:{found['scores'] or 0}"
    return _Source(key=key, graded=found["graded"], last_id=found["last_id"])


def _responses_estimate(source: _Source) -> int:
    """Graded attempts times the items of the latest one (exams draw the same number
    of items for every attempt, whichever they are)."""
    if source.last_id is None:
        return 0
    return source.graded * AttemptItem.objects.filter(attempt_id=source.last_id).count()


def item_analysis_now(*, exam: Exam, viewer: User) -> AnalysisNow:
    """The exam's item analysis for its page and CSV. A stale snapshot (or none) is
    computed and stored here when the exam is small, else a refresh is queued for a
    worker (once: a refresh already queued or running is left to finish) and the
    previous snapshot is returned meanwhile. Instructors and the committee; raises
    NotFound for anyone else. Safe to call any number of times."""
    if not may_analyse(viewer):
        raise NotFound("Not found.")
    source = _source(exam)
    snapshot = ItemAnalysisSnapshot.objects.filter(exam=exam).first()
    stale = snapshot.source != source.key if snapshot else source.graded > 0
    if stale and not (snapshot and snapshot.refreshing):
        if _responses_estimate(source) <= INLINE_MAX_RESPONSES:
            snapshot = _store(exam=exam, source=source.key)
        else:
            snapshot = item_analysis_refresh_request(exam=exam)
    return AnalysisNow(
        stored=_stored(snapshot),
        snapshot=snapshot,
        refreshing=bool(snapshot and snapshot.refreshing),
        failed=bool(snapshot and snapshot.state == State.FAILED),
    )


def item_analysis_progress(*, exam: Exam, viewer: User) -> dict[str, Any]:
    """The refresh's state and progress (attempts read of those to read), for the
    page's polling. Read-only; NotFound as ``item_analysis_now``."""
    if not may_analyse(viewer):
        raise NotFound("Not found.")
    snapshot = ItemAnalysisSnapshot.objects.filter(exam=exam).first()
    if snapshot is None:
        return {"state": State.IDLE, "state_label": "", "done": 0, "total": 0, "final": True}
    return {
        "state": snapshot.state,
        "state_label": snapshot.get_state_display(),
        "done": snapshot.done,
        "total": snapshot.total,
        "final": not snapshot.refreshing,
    }


def _requestable() -> Q:
    """Idle; failed a while ago; or queued or running for longer than a task may run
    (the message was lost or the worker died)."""
    now = timezone.now()
    lost = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    return (
        Q(state=State.IDLE)
        | Q(state=State.FAILED, requested_at__lt=now - RETRY_AFTER)
        | Q(state=State.QUEUED, requested_at__lt=lost)
        | Q(state=State.RUNNING, started_at__lt=lost)
    )


def item_analysis_refresh_request(*, exam: Exam) -> ItemAnalysisSnapshot:
    """Queues a refresh of the exam's snapshot after commit, unless one is queued or
    running already; returns the snapshot row (created empty if there was none).
    Safe to call twice: the second call finds a refresh queued and sends nothing."""
    snapshot, _ = ItemAnalysisSnapshot.objects.get_or_create(exam=exam)
    with transaction.atomic():
        queued = ItemAnalysisSnapshot.objects.filter(_requestable(), pk=snapshot.pk).update(
            state=State.QUEUED, requested_at=timezone.now(), done=0, total=0, message=""
        )
        if queued:
            task_send_on_commit(ITEM_ANALYSIS_TASK, exam.pk)
    snapshot.refresh_from_db()
    return snapshot


def item_analysis_refresh_run(*, exam_id: int) -> None:
    """The worker's part: claims a queued refresh (or one whose worker died), reads
    the graded attempts with progress, and stores the new snapshot. Safe to call
    twice: a second call finds nothing to claim. A failure is recorded on the row
    (the previous snapshot stays) and logged; the next visit retries it later."""
    lost = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    claimed = ItemAnalysisSnapshot.objects.filter(
        Q(state=State.QUEUED) | Q(state=State.RUNNING, started_at__lt=lost), exam_id=exam_id
    ).update(state=State.RUNNING, started_at=timezone.now(), done=0, total=0)
    if not claimed:
        return
    try:
        exam = Exam.objects.get(pk=exam_id)
        _store(exam=exam, source=_source(exam).key, progress=_reporter(exam_id))
    except Exception as error:
        logger.exception("item analysis of exam %s failed", exam_id)
        ItemAnalysisSnapshot.objects.filter(exam_id=exam_id).update(
            state=State.FAILED, message=type(error).__name__[:200]
        )


def _reporter(exam_id: int) -> Callable[[int, int], None]:
    def report(done: int, total: int) -> None:
        # Outside any transaction: the page sees each step as it is written.
        ItemAnalysisSnapshot.objects.filter(exam_id=exam_id).update(done=done, total=total)

    return report


def _store(
    *, exam: Exam, source: str, progress: Callable[[int, int], None] | None = None
) -> ItemAnalysisSnapshot:
    """Computes the analysis and stores it as the exam's snapshot (state idle)."""
    computed = item_analysis_read(exam=exam, progress=progress)
    result: dict[str, Any] = {}
    attempts = 0
    if computed is not None:
        analysis, labels = computed
        attempts = analysis.test.attempts
        result = {
            "test": asdict(analysis.test),
            "items": [asdict(item) for item in analysis.items],
            "labels": [labels.get(int(item.item_id), str(item.item_id)) for item in analysis.items],
            "distribution": histogram_counts(score_percents_read(exam=exam)),
        }
    snapshot, _ = ItemAnalysisSnapshot.objects.update_or_create(
        exam=exam,
        defaults={
            "state": State.IDLE,
            "source": source,
            "attempts": attempts,
            "computed_at": timezone.now(),
            "result": result,
            "message": "",
        },
    )
    return snapshot


def _stored(snapshot: ItemAnalysisSnapshot | None) -> StoredAnalysis | None:
    if snapshot is None or not snapshot.result or snapshot.computed_at is None:
        return None
    result = snapshot.result
    return StoredAnalysis(
        analysis=ItemAnalysis(
            test=TestStatistics(**result["test"]),
            items=tuple(ItemStatistics(**item) for item in result["items"]),
        ),
        labels=list(result["labels"]),
        distribution=list(result["distribution"]),
        computed_at=snapshot.computed_at,
    )
