"""Autosave: one answer per item with a revision that only moves forward, from the
attempt page's token (the WSGI fast path, certification.exams.fastpath) or the API.
Answers are accepted until the deadline and, flagged ``late``, within the grace
period; every answer received is logged in AnswerEvent. On PostgreSQL one SQL
function does the whole save in a round trip (migration 0008)."""

import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from django.core import signing
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from certification.exams.services import attempt_grace_end
from certification.models import Answer, AnswerEvent, Attempt, AttemptItem
from core.errors import ApplicationError, Conflict, NotFound
from grading.objective import response_validate
from training.models import QuestionVersion


@dataclass(frozen=True)
class SaveResult:
    item_id: int
    revision: int
    applied: bool
    saved_at: datetime
    late: bool


@lru_cache(maxsize=4_096)
def _attempt_version_ids(attempt_id: int) -> dict[int, int]:
    """item id -> question version id for one attempt. An attempt's items and the
    versions they show never change once it has started, so the autosave hot path
    reads them once per attempt and process: one query for all of its items. About
    2 KB per 20-item attempt; a miss costs one query."""
    return dict(AttemptItem.objects.filter(attempt_id=attempt_id).values_list("pk", "version_id"))


@lru_cache(maxsize=5_000)
def _version(version_id: int) -> QuestionVersion:
    """A question version; versions are immutable (an edit makes a new one)."""
    return QuestionVersion.objects.get(pk=version_id)


def _item_version(attempt_id: int, item_id: int) -> QuestionVersion:
    """The version an attempt item shows. Raises NotFound for an item that is not
    in the attempt."""
    version_id = _attempt_version_ids(attempt_id).get(item_id)
    if version_id is None:
        raise NotFound("Not found.")
    return _version(version_id)


MAX_REVISION = 2**31 - 1  # the column is a PostgreSQL integer


def answer_save(
    *,
    attempt: Attempt,
    item_id: int,
    response: Any,
    revision: int,
    now: datetime | None = None,
) -> SaveResult:
    """Saves one answer. ``revision`` grows with every change the browser makes; an
    older revision arriving late (a re-sent copy) is logged but never overwrites a
    newer one (``applied`` is False then). Accepted until the deadline, then flagged
    ``late`` within the grace period; after that, or after submit, raises Conflict
    and changes nothing. Raises NotFound for an item not in this attempt,
    InvalidResponse for a response that does not fit the item (e.g. a tampered
    choice id). Every save received is logged in AnswerEvent. Safe to repeat.

    The hot path of the exam (docs/benchmarks.md): the response is validated
    against the cached item version, then stored in one round trip on PostgreSQL
    (the ``certification_answer_save`` function, migration 0008)."""
    if not 1 <= revision <= MAX_REVISION:
        raise ApplicationError(f"revision must be between 1 and {MAX_REVISION}.")
    now = now or timezone.now()
    clean = response_validate(version=_item_version(attempt.pk, item_id), response=response)
    store = _store_sql if connection.vendor == "postgresql" else _store_orm
    outcome, applied, late = store(
        attempt_id=attempt.pk,
        candidate_id=attempt.candidate_id,
        item_id=item_id,
        response=clean,
        revision=revision,
        now=now,
    )
    if outcome == "not_found":
        raise NotFound("Not found.")
    if outcome == "submitted":
        raise Conflict("试卷已提交，答案未保存 / Already submitted; answer not saved.")
    if outcome == "time_up":
        raise Conflict("考试时间已到，答案未保存 / Time is up; answer not saved.")
    return SaveResult(item_id=item_id, revision=revision, applied=applied, saved_at=now, late=late)


SAVE_TOKEN_SALT = "certification.autosave"  # noqa: S105 - a signing salt, not a secret


SAVE_TOKEN_MAX_AGE = 24 * 60 * 60


def attempt_save_token(attempt: Attempt) -> str:
    """A signed capability to save answers to this one attempt, for the exam page
    (and the autosave fast path in certification/fastpath.py): no cookie, so no
    CSRF; useless for any other attempt, and refused once the attempt is closed."""
    return signing.dumps(
        {"a": attempt.pk, "c": attempt.candidate_id, "u": str(attempt.public_id)},
        salt=SAVE_TOKEN_SALT,
        compress=False,
    )


def save_token_attempt(*, token: str, attempt_public_id: str) -> Attempt:
    """The attempt (pk and candidate only, no query) a save token is good for. Raises
    NotFound for a bad, expired or foreign token."""
    try:
        claim = signing.loads(token, salt=SAVE_TOKEN_SALT, max_age=SAVE_TOKEN_MAX_AGE)
    except signing.BadSignature as exc:
        raise NotFound("Not found.") from exc
    if claim.get("u") != attempt_public_id:
        raise NotFound("Not found.")
    return Attempt(pk=claim["a"], candidate_id=claim["c"])


def _store_sql(
    *,
    attempt_id: int,
    candidate_id: int,
    item_id: int,
    response: dict[str, Any],
    revision: int,
    now: datetime,
) -> tuple[str, bool, bool]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT outcome, applied, late FROM certification_answer_save(%s, %s, %s, %s, %s, %s)",
            [attempt_id, candidate_id, item_id, json.dumps(response), revision, now],
        )
        outcome, applied, late = cursor.fetchone()
    return str(outcome), bool(applied), bool(late)


def _store_orm(
    *,
    attempt_id: int,
    candidate_id: int,
    item_id: int,
    response: dict[str, Any],
    revision: int,
    now: datetime,
) -> tuple[str, bool, bool]:
    """The same steps as the SQL function, for SQLite (the embedded default)."""
    with transaction.atomic():
        locked = (
            Attempt.objects.select_for_update(of=("self",))
            .select_related("exam")
            .only("state", "deadline", "exam__grace_seconds")
            .filter(pk=attempt_id, candidate_id=candidate_id)
            .first()
        )
        if (
            locked is None
            or not AttemptItem.objects.filter(pk=item_id, attempt_id=attempt_id).exists()
        ):
            return "not_found", False, False
        if locked.state not in Attempt.ACTIVE_STATES:
            return "submitted", False, False
        if now > attempt_grace_end(locked):
            return "time_up", False, False
        late = now > locked.deadline
        fields: dict[str, Any] = {"response": response, "saved_at": now, "revision": revision}
        if late:
            fields["late"] = True
        applied = bool(
            Answer.objects.filter(item_id=item_id, revision__lte=revision).update(**fields)
        )
        if not applied:
            try:
                with transaction.atomic():
                    Answer.objects.create(item_id=item_id, **{"late": late, **fields})
                applied = True
            except IntegrityError:
                applied = False  # a newer revision is already saved
        AnswerEvent.objects.create(
            item_id=item_id,
            revision=revision,
            response=response,
            at=now,
            late=late,
            applied=applied,
        )
    return "ok", applied, late
