"""Autosave: one answer per item with a revision that only moves forward, from the
attempt page's token (the WSGI fast path, certification.exams.fastpath) or the API.
Answers are accepted until the deadline and, flagged ``late``, within the grace
period; every answer received is logged in AnswerEvent. On PostgreSQL one SQL
function does the whole save in a round trip (migration 0008)."""

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from time import time
from typing import Any

from django.core import signing
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certification.exams.integrity import EVENT_CAP, client_changes, device_hash, events_add
from certification.exams.services import TakenOver, attempt_grace_end
from certification.models import Answer, AnswerEvent, Attempt, AttemptItem
from core.errors import ApplicationError, Conflict, NotFound, Throttled
from core.group_commit import GroupCommit
from core.metrics import AUTOSAVES
from core.ratelimit import scope_rate
from grading.objective import response_validate
from training.models import QuestionVersion

logger = logging.getLogger(__name__)


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


@dataclass(frozen=True)
class Client:
    """Who sends a save: the exam page's session token (None: an API client, not a
    page) and the client's IP address and device hash (docs/security.md)."""

    session: str | None = None
    ip: str | None = None
    device: str = ""


NO_CLIENT = Client()


@dataclass(frozen=True)
class AttemptKey:
    """What a save needs of its attempt, for the hot path: building an ``Attempt``
    model instance (about 30 field defaults and a uuid4) would cost more than the
    rest of the save's Python."""

    pk: int
    candidate_id: int


def answer_save(
    *,
    attempt: Attempt | AttemptKey,
    item_id: int,
    response: Any,
    revision: int,
    now: datetime | None = None,
    client: Client = NO_CLIENT,
) -> SaveResult:
    """Saves one answer. ``revision`` grows with every change the browser makes; an
    older revision arriving late (a re-sent copy) is logged but never overwrites a
    newer one (``applied`` is False then). Accepted until the deadline, then flagged
    ``late`` within the grace period; after that, or after submit, raises Conflict
    and changes nothing. Raises NotFound for an item not in this attempt,
    InvalidResponse for a response that does not fit the item (e.g. a tampered
    choice id). Every save received is logged in AnswerEvent. Safe to repeat.
    Raises TakenOver (409) when ``client.session`` is not the attempt's active exam
    page; a changed IP address or device is logged as an integrity event.

    The hot path of the exam (docs/benchmarks.md): the response is validated
    against the cached item version, then stored in one round trip on PostgreSQL
    (the ``certification_answer_save`` function, migration 0008). Outside a
    transaction, concurrent saves in one process share one transaction (group
    commit, ``_store_grouped``); each returns only after that transaction has
    committed."""
    if not 1 <= revision <= MAX_REVISION:
        raise ApplicationError(f"revision must be between 1 and {MAX_REVISION}.")
    now = now or timezone.now()
    clean = response_validate(version=_item_version(attempt.pk, item_id), response=response)
    save = _Save(
        attempt_id=attempt.pk,
        candidate_id=attempt.candidate_id,
        item_id=item_id,
        response=clean,
        revision=revision,
        now=now,
        client=client,
    )
    if connection.vendor != "postgresql":
        outcome, applied, late = _store_orm(save)
    elif connection.in_atomic_block:  # the caller's transaction decides when it commits
        outcome, applied, late = _store_sql(save)
    else:
        outcome, applied, late = _GROUP.submit(save)
    AUTOSAVES.labels(("applied" if applied else "stale") if outcome == "ok" else "refused").inc()
    if outcome == "not_found":
        raise NotFound("Not found.")
    if outcome == "submitted":
        raise Conflict(_("试卷已提交，答案未保存"))
    if outcome == "time_up":
        raise Conflict(_("考试时间已到，答案未保存"))
    if outcome == "throttled":
        raise Throttled(_retry_after(now))
    if outcome == "taken_over":
        raise TakenOver(
            _("本次作答已在另一浏览器中打开，此页面已停止保存；未发送的答案保留在本浏览器中")
        )
    return SaveResult(item_id=item_id, revision=revision, applied=applied, saved_at=now, late=late)


SAVE_TOKEN_SALT = "certification.autosave"  # noqa: S105 - a signing salt, not a secret


SAVE_TOKEN_MAX_AGE = 24 * 60 * 60


def attempt_save_token(attempt: Attempt, *, session: str | None = None) -> str:
    """A signed capability to save answers to this one attempt, for the exam page
    (and the autosave fast path in certification/fastpath.py): no cookie, so no
    CSRF; useless for any other attempt, and refused once the attempt is closed.
    With ``session`` (the exam page's, certification/exams/integrity.py) it is
    refused as soon as another page takes the attempt over."""
    claim: dict[str, Any] = {
        "a": attempt.pk,
        "c": attempt.candidate_id,
        "u": str(attempt.public_id),
    }
    if session is not None:
        claim["s"] = session
    return signing.dumps(claim, salt=SAVE_TOKEN_SALT, compress=False)


def save_token_session(token: str, *, attempt_public_id: str) -> str | None:
    """The exam page's session that a save token for this attempt carries (None:
    none, a bad token, or another attempt's)."""
    try:
        session = save_token_claim(token=token, attempt_public_id=attempt_public_id).get("s")
    except NotFound:
        return None
    return session if isinstance(session, str) else None


def save_token_claim(*, token: str, attempt_public_id: str) -> dict[str, Any]:
    """What an attempt's save token says (attempt, candidate, the page's session). Raises
    NotFound for a bad, expired or foreign token (as for an attempt that does not
    exist)."""
    try:
        claim, signed_at = _token_verified(token)
    except signing.BadSignature as exc:
        raise NotFound("Not found.") from exc
    if time() - signed_at > SAVE_TOKEN_MAX_AGE:  # as signing.loads(max_age=...) checks
        raise NotFound("Not found.")
    if claim.get("u") != attempt_public_id:
        raise NotFound("Not found.")
    return dict(claim)


@lru_cache(maxsize=16_384)
def _token_verified(token: str) -> tuple[dict[str, Any], int]:
    """A save token's claim and signing time, once its signature is verified: every
    save of an exam page sends the same token, so each process checks its HMAC once
    (the exact string is the key; anything else is verified afresh). The age is
    checked at each use by ``save_token_claim``. Raises BadSignature."""
    claim = signing.loads(token, salt=SAVE_TOKEN_SALT)
    if not isinstance(claim, dict):
        raise signing.BadSignature("not a save token")
    return claim, signing.b62_decode(token.rsplit(":", 2)[-2])


def answer_save_by_claim(
    *,
    claim: dict[str, Any],
    item_id: int,
    response: Any,
    revision: int,
    ip: str | None = None,
    user_agent: str = "",
) -> SaveResult:
    """``answer_save`` for the holder of a verified save token (``save_token_claim``).
    Raises TakenOver for a page's token once another page took the attempt over."""
    attempt = AttemptKey(pk=claim["a"], candidate_id=claim["c"])
    client = Client(session=claim.get("s"), ip=ip, device=device_hash(user_agent))
    return answer_save(
        attempt=attempt, item_id=item_id, response=response, revision=revision, client=client
    )


@dataclass(frozen=True)
class _Save:
    attempt_id: int
    candidate_id: int
    item_id: int
    response: dict[str, Any]
    revision: int
    now: datetime
    client: Client


Outcome = tuple[str, bool, bool]  # (outcome, applied, late), as the SQL function returns


def _allowance() -> tuple[int | None, int | None]:
    """The autosave allowance (limit, window seconds), or (None, None) for none. The
    save counts it under the attempt's row lock (migration 0019): per attempt, the
    same count for the fast path and the API, without a round trip of its own."""
    return scope_rate("autosave") or (None, None)


def _retry_after(now: datetime) -> int:
    """Seconds until the current window of the allowance ends (Retry-After)."""
    _limit, window = _allowance()
    return max(1, int((window or 1) - now.timestamp() % (window or 1)) + 1)


def _store_sql(save: _Save) -> Outcome:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT outcome, applied, late FROM certification_answer_save("
            "%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                save.attempt_id,
                save.candidate_id,
                save.item_id,
                json.dumps(save.response),
                save.revision,
                save.now,
                save.client.session,
                save.client.ip,
                save.client.device,
                EVENT_CAP,
                *_allowance(),
            ],
        )
        outcome, applied, late = cursor.fetchone()
    return str(outcome), bool(applied), bool(late)


def _store_grouped(saves: list[_Save]) -> list[Outcome | BaseException]:
    """One batch of concurrent saves (core/group_commit.py) in one transaction: one
    call of ``certification_answer_save_many`` (migration 0015), in attempt order so
    that concurrent batches lock attempts in primary-key order. A save that the
    function refuses (closed attempt, time up, ...) answers with its own outcome. If
    the batch fails as a whole, each save is retried alone in its own transaction,
    so one bad save never fails the others."""
    if len(saves) == 1:
        return [_store_alone(saves[0])]
    order = sorted(range(len(saves)), key=lambda i: saves[i].attempt_id)
    ordered = [saves[i] for i in order]
    try:
        # One statement in autocommit: its own transaction, without BEGIN and COMMIT
        # round trips.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT outcome, applied, late FROM certification_answer_save_many("
                "%s, %s, %s, %s::jsonb[], %s, %s, %s::text[], %s::inet[], %s::text[], %s, "
                "%s, %s)",
                [
                    [s.attempt_id for s in ordered],
                    [s.candidate_id for s in ordered],
                    [s.item_id for s in ordered],
                    [json.dumps(s.response) for s in ordered],
                    [s.revision for s in ordered],
                    [s.now for s in ordered],
                    [s.client.session for s in ordered],
                    [s.client.ip for s in ordered],
                    [s.client.device for s in ordered],
                    EVENT_CAP,
                    *_allowance(),
                ],
            )
            rows = cursor.fetchall()
    except Exception:
        logger.warning("autosave batch of %d failed; saving each alone", len(saves), exc_info=True)
        return [_store_alone(save) for save in saves]
    results: list[Outcome | BaseException] = [("", False, False)] * len(saves)
    for position, (outcome, applied, late) in zip(order, rows, strict=True):
        results[position] = (str(outcome), bool(applied), bool(late))
    return results


def _store_alone(save: _Save) -> Outcome | BaseException:
    try:
        return _store_sql(save)
    except Exception as exc:
        return exc


_GROUP: GroupCommit[_Save, Outcome] = GroupCommit(_store_grouped)


def _store_orm(save: _Save) -> Outcome:
    """The same steps as the SQL function, for SQLite (the embedded default)."""
    attempt_id, candidate_id, item_id = save.attempt_id, save.candidate_id, save.item_id
    response, revision, now, client = save.response, save.revision, save.now, save.client
    with transaction.atomic():
        locked = (
            Attempt.objects.select_for_update(of=("self",))
            .select_related("exam")
            .only(
                "state",
                "deadline",
                "exam__grace_seconds",
                "session_token",
                "client_ip",
                "client_device",
                "saves_window",
                "saves_in_window",
            )
            .filter(pk=attempt_id, candidate_id=candidate_id)
            .first()
        )
        if locked is None:
            return "not_found", False, False
        if locked.state not in Attempt.ACTIVE_STATES:
            return "submitted", False, False
        if now > attempt_grace_end(locked):
            return "time_up", False, False
        if client.session is not None and client.session != locked.session_token:
            return "taken_over", False, False
        if not AttemptItem.objects.filter(pk=item_id, attempt_id=attempt_id).exists():
            return "not_found", False, False
        if not _allowance_counted(locked, now):
            return "throttled", False, False
        _client_seen(locked, client, now)
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


def _allowance_counted(locked: Attempt, now: datetime) -> bool:
    """ORM twin of the allowance in ``certification_answer_save``: counts this save
    on the locked attempt, or returns False when the window's allowance is spent."""
    limit, window = _allowance()
    if limit is None or window is None:
        return True
    current = int(now.timestamp() // window)
    if locked.saves_window == current and locked.saves_in_window >= limit:
        return False
    locked.saves_in_window = locked.saves_in_window + 1 if locked.saves_window == current else 1
    locked.saves_window = current
    locked.save(update_fields=["saves_window", "saves_in_window"])
    return True


def _client_seen(locked: Attempt, client: Client, now: datetime) -> None:
    """ORM twin of ``certification_client_changed``: log and remember a changed client."""
    if (client.ip and client.ip != locked.client_ip) or (
        client.device and client.device != locked.client_device
    ):
        events_add(locked, client_changes(locked, ip=client.ip, device=client.device, now=now))
        locked.save(update_fields=["client_ip", "client_device"])
