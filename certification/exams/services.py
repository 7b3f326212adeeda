"""Written exam delivery: start (the draw is certification.exams.draw), submit, grade
what grades itself, close overdue attempts, regrade (autosave is in
certification.exams.answers).

The deadline is the server's: ``min(start + time limit + extra time, close time)``;
answers arrive until the end of the exam's grace period after it.

Long: an attempt's life (start in one statement, submit, close, regrade) shares its
rules and its SQL, so it reads in one place; the draw, the answers and the
presentation are their own modules already.
"""

import json
import random
import secrets
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from certification.audit.services import audit_record
from certification.exams.draw import BlueprintError as BlueprintError
from certification.exams.draw import _choice_order, _latest_versions, blueprint_inputs_cached
from certification.exams.draw import blueprint_draw as blueprint_draw
from certification.exams.exposure import exam_exposure
from certification.learning.plan import lesson_positions
from certification.learning.services import practice_record
from certification.models import (
    Accommodation,
    Answer,
    Application,
    Attempt,
    AttemptItem,
    Exam,
    ExamSection,
)
from certification.sittings.services import sitting_admit
from core.errors import Conflict, NotFound
from core.tasks import task_send_on_commit
from grading.objective import response_fraction, response_points
from training.models import Lesson, QuestionVersion

Kind = QuestionVersion.Kind
# Queued by name (core.tasks): the task module imports this one.
PROGRAMMING_ITEM_GRADE_TASK = "certification.tasks.programming_item_grade_task"


# --- Starting -------------------------------------------------------------------


def attempt_deadline(
    *, exam: Exam, candidate: User, start: datetime, extra_minutes: int | None = None
) -> datetime:
    """``extra_minutes``: the candidate's accommodation when the caller has read it
    already (``_start_facts``); otherwise it is read here."""
    if extra_minutes is None:
        extra_minutes = (
            _accommodations(candidate_id=candidate.pk, exam_id=exam.pk)
            .values_list("extra_minutes", flat=True)
            .first()
        ) or 0
    deadline = start + timedelta(minutes=exam.time_limit_minutes + extra_minutes)
    return min(deadline, exam.closes_at) if exam.closes_at else deadline


def _accommodations(*, candidate_id: Any, exam_id: Any) -> QuerySet[Accommodation]:
    """The candidate's accommodations that apply to the exam, the one that counts
    first: an exam-specific one wins over a general one (``exam`` null)."""
    return (
        Accommodation.objects.filter(candidate_id=candidate_id)
        .filter(Q(exam_id=exam_id) | Q(exam__isnull=True))
        .order_by(F("exam_id").asc(nulls_last=True))
    )


@dataclass(frozen=True)
class StartFacts:
    application_id: int | None  # the newest approved application for the exam
    attempts: int  # the candidate's attempts so far
    active_id: int | None  # the attempt in progress, if any
    has_sittings: bool
    extra_minutes: int


# What starting decides on, for one candidate (%(c)s) and exam (%(e)s). SQL, not the
# ORM: compiling the same five subqueries took Django more time than the database
# took to run them (docs/benchmarks.md, "Exam delivery").
_START_FACTS_COLUMNS = """
  (SELECT a.id FROM certification_application a
     JOIN certification_certification c ON c.id = a.certification_id
    WHERE a.candidate_id = %(c)s AND a.state = %(approved)s AND c.written_exam_id = %(e)s
    ORDER BY a.created_at DESC LIMIT 1),
  (SELECT count(*) FROM certification_attempt t
    WHERE t.candidate_id = %(c)s AND t.exam_id = %(e)s),
  (SELECT t.id FROM certification_attempt t
    WHERE t.candidate_id = %(c)s AND t.exam_id = %(e)s AND t.state IN (%(s1)s, %(s2)s)
    LIMIT 1),
  EXISTS (SELECT 1 FROM certification_examsitting s WHERE s.exam_id = %(e)s),
  (SELECT m.extra_minutes FROM certification_accommodation m
    WHERE m.candidate_id = %(c)s AND (m.exam_id = %(e)s OR m.exam_id IS NULL)
    ORDER BY m.exam_id IS NULL, m.exam_id LIMIT 1)
"""
_START_FACTS = f"SELECT {_START_FACTS_COLUMNS}"
# The exam's row and the facts together: the start API has only the exam's id.
_EXAM_FIELDS = [field.attname for field in Exam._meta.concrete_fields]
_EXAM_AND_START_FACTS = (  # names from the model's metadata; values are bound
    "SELECT "  # noqa: S608
    + ", ".join(f'e."{field.column}"' for field in Exam._meta.concrete_fields)
    + f", {_START_FACTS_COLUMNS} FROM certification_exam e WHERE e.id = %(e)s"
)


def _start_facts_params(*, candidate_id: Any, exam_id: Any) -> dict[str, Any]:
    active = [str(state) for state in Attempt.ACTIVE_STATES]
    return {
        "c": candidate_id,
        "e": exam_id,
        "approved": str(Application.State.APPROVED),
        "s1": active[0],
        "s2": active[1],
    }


def _facts(row: tuple[Any, ...]) -> StartFacts:
    application_id, attempts, active_id, has_sittings, extra_minutes = row
    return StartFacts(
        application_id=application_id,
        attempts=attempts,
        active_id=active_id,
        has_sittings=bool(has_sittings),
        extra_minutes=extra_minutes or 0,
    )


def _start_facts(*, candidate: User, exam: Exam) -> StartFacts:
    """Everything starting decides on, in one query (an exam start storm is the
    exam's second hottest path after autosave). An exam-specific accommodation wins
    over a general one, as in ``_accommodations``."""
    with connection.cursor() as cursor:
        cursor.execute(
            _START_FACTS, _start_facts_params(candidate_id=candidate.pk, exam_id=exam.pk)
        )
        return _facts(cursor.fetchone())


def _exam_and_start_facts(*, candidate: User, exam_id: Any) -> tuple[Exam, StartFacts]:
    """The exam and ``_start_facts`` in one query. Raises NotFound without such an exam."""
    with connection.cursor() as cursor:
        cursor.execute(
            _EXAM_AND_START_FACTS, _start_facts_params(candidate_id=candidate.pk, exam_id=exam_id)
        )
        row = cursor.fetchone()
    if row is None:
        raise NotFound("Not found.")
    count = len(_EXAM_FIELDS)
    exam = Exam.from_db(connection.alias, _EXAM_FIELDS, row[:count])
    return exam, _facts(row[count:])


def attempt_start(*, candidate: User, exam: Exam, now: datetime | None = None) -> Attempt:
    """Starts the candidate's next attempt, or returns the active one (a closed
    browser resumes where it was; two tabs get the same attempt). An exam needs an
    approved application whose certification uses it; a practice quiz does not.
    Raises NotFound, Conflict (window closed, no attempts left) or BlueprintError.
    Safe to call twice: the second call returns the attempt the first started."""
    facts = _start_facts(candidate=candidate, exam=exam)
    return _attempt_start(candidate=candidate, exam=exam, facts=facts, now=now)


def attempt_start_by_exam_id(
    *, candidate: User, exam_id: int, now: datetime | None = None
) -> Attempt:
    """``attempt_start`` for the exam with this id, read in the same query as what
    starting decides on (the start API's path: one round trip fewer in a start
    storm). Raises NotFound when there is no such exam, and whatever
    ``attempt_start`` raises."""
    if not 0 < exam_id < 2**63:  # beyond bigint: no such exam, not a database error
        raise NotFound("Not found.")
    exam, facts = _exam_and_start_facts(candidate=candidate, exam_id=exam_id)
    return _attempt_start(candidate=candidate, exam=exam, facts=facts, now=now)


def _attempt_start(
    *, candidate: User, exam: Exam, facts: StartFacts, now: datetime | None
) -> Attempt:
    now = now or timezone.now()
    if exam.mode == Exam.Mode.EXAM and facts.application_id is None:
        raise NotFound("Not found.")
    if facts.active_id is not None:
        active = Attempt.objects.select_related("exam").get(pk=facts.active_id)
        return attempt_close_if_overdue(attempt=active, now=now)
    if exam.opens_at and now < exam.opens_at:
        raise Conflict(_("考试尚未开放"))
    if exam.closes_at and now >= exam.closes_at:
        raise Conflict(_("考试已关闭"))
    if facts.attempts >= exam.attempts_allowed:
        raise Conflict(_("你已用完作答次数"))
    if facts.has_sittings:
        sitting_admit(candidate=candidate, exam=exam, now=now)
    seed = secrets.randbits(62)
    drawn = blueprint_draw(
        exam=exam,
        seed=seed,
        exposure=exam_exposure(exam=exam, now=now),
        blueprint=blueprint_inputs_cached(exam=exam),
    )
    attempt = Attempt(
        exam=exam,
        application_id=facts.application_id if exam.mode == Exam.Mode.EXAM else None,
        candidate=candidate,
        number=facts.attempts + 1,
        seed=seed,
        started_at=now,
        deadline=attempt_deadline(
            exam=exam, candidate=candidate, start=now, extra_minutes=facts.extra_minutes
        ),
    )
    try:
        items = _attempt_insert(attempt=attempt, drawn=drawn)
    except IntegrityError:
        # Another request started it at the same moment: the database kept one.
        return Attempt.objects.get(candidate=candidate, exam=exam, state__in=Attempt.ACTIVE_STATES)
    _items_known(attempt, items)
    return attempt


# The new attempt's row and its items in one statement: in autocommit a statement is
# its own transaction, so a start needs no BEGIN and COMMIT round trips, and the
# items go in as arrays, not as 20 model instances through the ORM's bulk insert
# (docs/benchmarks.md, "Exam delivery", fourth round).
_ATTEMPT_FIELDS = [f for f in Attempt._meta.local_concrete_fields if f is not Attempt._meta.pk]
_ITEM_FIELDS = [
    "id",
    "attempt_id",
    "position",
    "version_id",
    "section_id",
    "choice_order",
    "points",
]
_ATTEMPT_INSERT = (  # names from the model's metadata; values are bound
    'WITH attempt AS (INSERT INTO "certification_attempt" ('  # noqa: S608
    + ", ".join(f'"{field.column}"' for field in _ATTEMPT_FIELDS)
    + ") VALUES ("
    + ", ".join("%s" for _field in _ATTEMPT_FIELDS)
    + ') RETURNING "id")'
    """
INSERT INTO "certification_attemptitem"
  ("attempt_id", "position", "version_id", "section_id", "choice_order")
SELECT attempt."id", item.position, item.version_id, item.section_id,
       (%s::jsonb) -> (item.position::int - 1)
  FROM attempt,
       unnest(%s::bigint[], %s::bigint[]) WITH ORDINALITY AS item(version_id, section_id, position)
RETURNING "attempt_id", "id", "position"
"""
)


def _attempt_insert(
    *, attempt: Attempt, drawn: list[tuple[ExamSection, QuestionVersion]]
) -> list[AttemptItem]:
    """Inserts the unsaved ``attempt`` and its items, in the drawn order with each
    choice list in the attempt's shuffle, all or nothing. Sets ``attempt.pk`` and
    returns the items, saved, with their versions attached. Raises IntegrityError
    (and writes nothing) when the candidate has an active attempt already."""
    orders = choice_orders(attempt=attempt, drawn=drawn)
    params = [
        field.get_db_prep_save(field.pre_save(attempt, True), connection)
        for field in _ATTEMPT_FIELDS
    ]
    params += [  # the choice orders as one JSON array, the n-th for position n
        json.dumps(orders),
        [version.pk for _section, version in drawn],
        [section.pk for section, _version in drawn],
    ]
    # Inside a caller's transaction a failed INSERT must not spoil it: a savepoint.
    # Alone, the one statement is a transaction of its own.
    savepoint = transaction.atomic() if connection.in_atomic_block else nullcontext()
    with savepoint, connection.cursor() as cursor:
        cursor.execute(_ATTEMPT_INSERT, params)
        rows = cursor.fetchall()
    attempt.pk = rows[0][0]
    attempt._state.adding, attempt._state.db = False, connection.alias
    ids = {position: pk for _attempt_id, pk, position in rows}
    version_field = AttemptItem._meta.get_field("version")
    attempt_field = AttemptItem._meta.get_field("attempt")
    items = []
    for position, ((section, version), order) in enumerate(zip(drawn, orders, strict=True), 1):
        item = AttemptItem.from_db(  # values in the fields' order: Django's fast path
            connection.alias,
            _ITEM_FIELDS,
            (ids[position], attempt.pk, position, version.pk, section.pk, order, None),
        )
        version_field.set_cached_value(item, version)
        attempt_field.set_cached_value(item, attempt)
        items.append(item)
    return items


def _items_known(attempt: Attempt, items: list[AttemptItem]) -> None:
    """Hands a new attempt's items (with their versions, and no answers yet) to its
    page as ``prefetch_related("items")`` would, so that showing it needs no query."""
    for item in items:
        AttemptItem.answer.related.set_cached_value(item, None)
    known = attempt.items.all()
    known._result_cache, known._prefetch_done = items, True  # type: ignore[attr-defined]
    attempt._prefetched_objects_cache = {"items": known}  # type: ignore[attr-defined]


def choice_orders(
    *, attempt: Attempt, drawn: list[tuple[ExamSection, QuestionVersion]]
) -> list[list[str]]:
    """Each drawn item's choice list in the attempt's shuffle (seeded from the
    attempt's seed), in the drawn order; empty for kinds without choices."""
    shuffle = attempt.exam.shuffle_choices
    rng = random.Random(attempt.seed ^ 0x5EED)  # noqa: S311
    return [_choice_order(version, shuffle=shuffle, rng=rng) for _section, version in drawn]


# --- Saving answers -------------------------------------------------------------


def seconds_left(attempt: Attempt, now: datetime | None = None) -> int:
    now = now or timezone.now()
    return max(0, int((attempt.deadline - now).total_seconds()))


def attempt_grace_end(attempt: Attempt) -> datetime:
    """The last moment an answer is accepted (flagged late after the deadline)."""
    return attempt.deadline + timedelta(seconds=attempt.exam.grace_seconds)


@dataclass(frozen=True)
class PracticeFeedback:
    fraction: float | None
    feedback: dict[str, Any]
    key: dict[str, Any]
    lesson_title: str = ""  # the lesson the item belongs to, to go back to
    lesson_url: str = ""


def practice_check(*, attempt: Attempt, item_id: int) -> PracticeFeedback:
    """Immediate feedback on the saved answer of a practice quiz item. Raises
    NotFound for a real exam (feedback there follows the review options)."""
    if attempt.exam.mode != Exam.Mode.PRACTICE:
        raise NotFound("Not found.")
    try:
        item = AttemptItem.objects.select_related("version__question", "answer", "attempt").get(
            pk=item_id, attempt=attempt
        )
    except AttemptItem.DoesNotExist as exc:
        raise NotFound("Not found.") from exc
    answer = getattr(item, "answer", None)
    fraction = response_fraction(version=item.version, response=answer.response if answer else None)
    if answer is not None and fraction is not None:
        practice_record(item=item, fraction=fraction)  # the study plan's evidence
    lesson = _item_lesson(item=item, exam=attempt.exam)
    return PracticeFeedback(
        fraction=fraction,
        feedback=item.version.feedback,
        key=item.version.key,
        lesson_title=lesson.title if lesson else "",
        lesson_url=reverse("learning-lesson", args=[lesson.curriculum.slug, lesson.position])
        if lesson
        else "",
    )


def _item_lesson(*, item: AttemptItem, exam: Exam) -> Lesson | None:
    """The lesson of the practice quiz's curriculum that the item belongs to."""
    if exam.curriculum_id is None:
        return None
    position = lesson_positions([item.version.question_id]).get(item.version.question_id)
    return (
        Lesson.objects.select_related("curriculum")
        .filter(curriculum_id=exam.curriculum_id, position=position, is_published=True)
        .first()
        if position
        else None
    )


# --- Submitting and grading -------------------------------------------------------


class TakenOver(Conflict):
    """Another exam page (browser) took the attempt over: this one may neither save
    nor submit."""

    code = "taken_over"


def attempt_submit(
    *, attempt: Attempt, now: datetime | None = None, page_session: str | None = None
) -> Attempt:
    """Submits and grades what can be graded automatically. GRADED when nothing is
    left for a person or the sandbox, else SUBMITTED until it is. An attempt
    without a single answer that expired becomes ABANDONED. Idempotent. From an exam
    page (``page_session``, its save token's session), only the page that holds the
    attempt may submit: TakenOver for one that another page took it from."""
    now = now or timezone.now()
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().select_related("exam").get(pk=attempt.pk)
        if attempt.state not in Attempt.ACTIVE_STATES:
            return attempt
        if page_session and attempt.session_token and page_session != attempt.session_token:
            raise TakenOver(_("本次作答已在另一浏览器中打开，此页面不能交卷"))
        attempt.submitted_at = min(now, attempt_grace_end(attempt))
        answered = Answer.objects.filter(item__attempt=attempt).exists()
        if not answered and now > attempt.deadline:
            attempt.state = Attempt.State.ABANDONED
            attempt.save(update_fields=["state", "submitted_at"])
            return attempt
        attempt.state = Attempt.State.SUBMITTED
        attempt.save(update_fields=["state", "submitted_at"])
        _grade_automatic(attempt)
        attempt_total(attempt=attempt)
        pending = AttemptItem.objects.filter(attempt=attempt, points__isnull=True).select_related(
            "version"
        )
        pending_programming = [item.pk for item in pending if item.version.kind == Kind.PROGRAMMING]
        for pk in pending_programming:
            task_send_on_commit(PROGRAMMING_ITEM_GRADE_TASK, pk)
    return attempt


def _grade_automatic(attempt: Attempt) -> None:
    items = AttemptItem.objects.filter(attempt=attempt).select_related("version", "answer")
    for item in items:
        answer = getattr(item, "answer", None)
        points = response_points(version=item.version, response=answer.response if answer else None)
        if points is None and item.version.kind == Kind.PROGRAMMING and answer is None:
            points = Decimal(0)  # nothing to run
        if points is not None and points != item.points:
            item.points = points
            item.save(update_fields=["points"])


def attempt_total(*, attempt: Attempt) -> Attempt:
    """Adds up the item points. Moves a SUBMITTED attempt to GRADED once every item
    is scored. Call inside the transaction that changed a score."""
    items = list(AttemptItem.objects.filter(attempt=attempt).select_related("version"))
    attempt.max_score = sum((item.version.points for item in items), Decimal(0))
    if all(item.points is not None for item in items):
        attempt.score = sum((item.points or Decimal(0) for item in items), Decimal(0))
        if attempt.state == Attempt.State.SUBMITTED:
            attempt.state = Attempt.State.GRADED
    attempt.save(update_fields=["score", "max_score", "state"])
    return attempt


def attempt_close_if_overdue(*, attempt: Attempt, now: datetime | None = None) -> Attempt:
    """Moves an active attempt past its deadline to OVERDUE, and past the grace
    period submits it. Returns the attempt as it now is."""
    now = now or timezone.now()
    if attempt.state not in Attempt.ACTIVE_STATES:
        return attempt
    if now > attempt_grace_end(attempt):
        return attempt_submit(attempt=attempt, now=now)
    if now > attempt.deadline and attempt.state == Attempt.State.IN_PROGRESS:
        Attempt.objects.filter(pk=attempt.pk, state=Attempt.State.IN_PROGRESS).update(
            state=Attempt.State.OVERDUE
        )
        attempt.state = Attempt.State.OVERDUE
    return attempt


def attempts_sweep(*, now: datetime | None = None) -> int:
    """Beat: closes every attempt whose time is up (closed browsers). Returns how
    many were submitted. Safe to run concurrently and repeatedly."""
    now = now or timezone.now()
    submitted = 0
    for attempt in Attempt.objects.filter(
        state__in=Attempt.ACTIVE_STATES, deadline__lt=now
    ).select_related("exam"):
        if attempt_close_if_overdue(attempt=attempt, now=now).state not in Attempt.ACTIVE_STATES:
            submitted += 1
    return submitted


# --- Regrading --------------------------------------------------------------------


@dataclass(frozen=True)
class RegradeChange:
    attempt_id: int
    position: int
    question_id: int
    old_points: Decimal | None
    new_points: Decimal


def exam_regrade(*, exam: Exam, dry_run: bool, by: User | None = None) -> list[RegradeChange]:
    """Re-scores every submitted attempt's automatic items with the key of the
    newest version of each question (the stem shown stays the one the attempt
    saw). With ``dry_run`` nothing is written: the list previews what would change.
    Items whose newest version changed kind or ids are left alone."""
    changes: list[RegradeChange] = []
    with transaction.atomic():
        items = list(
            AttemptItem.objects.filter(
                attempt__exam=exam,
                attempt__state__in=[Attempt.State.SUBMITTED, Attempt.State.GRADED],
            )
            .select_related("version", "answer", "attempt")
            .select_for_update(of=("self",))
            .order_by("pk")
        )
        latest = _latest_versions(sorted({item.version.question_id for item in items}))
        touched: set[int] = set()
        for item in items:
            newest = latest.get(item.version.question_id)
            if newest is None or not _compatible(item.version, newest):
                continue
            answer = getattr(item, "answer", None)
            points = response_points(version=newest, response=answer.response if answer else None)
            if points is None or points == item.points:
                continue
            changes.append(
                RegradeChange(
                    item.attempt_id, item.position, newest.question_id, item.points, points
                )
            )
            if not dry_run:
                item.points = points
                item.save(update_fields=["points"])
                touched.add(item.attempt_id)
        for attempt in Attempt.objects.filter(pk__in=touched):
            attempt_total(attempt=attempt)
        if not dry_run and changes:
            audit_record(
                actor=by,
                action="exam.regrade",
                obj=exam,
                after={"changes": len(changes), "attempts": sorted(touched)},
            )
    return changes


def _compatible(shown: QuestionVersion, newest: QuestionVersion) -> bool:
    if shown.kind != newest.kind:
        return False
    field = QuestionVersion.SHUFFLED_FIELD.get(shown.kind)
    if field is None:
        return bool(shown.data.get("blanks") == newest.data.get("blanks"))
    return _entry_ids(shown, field) == _entry_ids(newest, field)


def _entry_ids(version: QuestionVersion, field: str) -> list[str]:
    return sorted(str(entry["id"]) for entry in version.data.get(field, []))
