"""Group commit of autosaves (certification/exams/answers.py, core/group_commit.py),
against real PostgreSQL with real threads: concurrent saves share one transaction,
each is acknowledged only once its transaction has committed, none is lost, and one
failing save in a batch does not fail the others."""

import threading
import time
from typing import Any

import psycopg
import pytest
from django.db import connection, connections

from certification.exams import answers
from certification.exams import services as exams
from certification.models import Answer, AnswerEvent, Attempt
from core.errors import Conflict
from tests.factories import approved_application, objective_exam

pytestmark = pytest.mark.django_db(transaction=True)


def _dsn() -> str:
    """The test database, for connections of our own beside Django's."""
    params = connection.get_connection_params()
    return psycopg.conninfo.make_conninfo(
        **{k: v for k, v in params.items() if k in ("dbname", "host", "port", "user", "password")}
    )


@pytest.fixture
def attempts(demo, candidate, other_candidate, committee) -> list[Attempt]:
    if connection.vendor != "postgresql":
        pytest.skip("group commit is the PostgreSQL path")
    exam = objective_exam(certification=demo["certification"])
    started = []
    for person in (candidate, other_candidate):
        approved_application(
            candidate=person, certification=demo["certification"], committee=committee
        )
        started.append(exams.attempt_start(candidate=person, exam=exam))
    return started


LEADER = 60  # a revision past the followers' that maps to the first attempt's first item


def _queued() -> int:
    return len(answers._GROUP._queue)


def test_concurrent_saves_share_one_transaction_and_are_acked_after_commit(attempts):
    """Given a flush held up by a lock on the first attempt, when eight more saves
    arrive meanwhile, then none of them returns before its transaction commits, they
    all commit in one transaction, and every acknowledged save is visible to another
    connection the moment it returns."""
    first, second = attempts
    targets = [(a, item) for a in attempts for item in a.items.order_by("position")]
    acked: dict[int, bool] = {}
    visible: dict[int, bool] = {}
    errors: list[BaseException] = []

    def save(revision: int) -> None:
        attempt, item = targets[revision % len(targets)]
        try:
            answers.answer_save(
                attempt=attempt,
                item_id=item.pk,
                response={"choice": "a"}
                if item.position == 1
                else {"value": True}
                if item.position == 2
                else {"blanks": {"1": "x"}},
                revision=revision,
            )
            acked[revision] = True
            with psycopg.connect(_dsn()) as observer:  # committed ⇒ visible to others
                visible[revision] = bool(
                    observer.execute(
                        "SELECT 1 FROM certification_answerevent WHERE revision = %s", [revision]
                    ).fetchone()
                )
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    with psycopg.connect(_dsn()) as blocker:
        blocker.execute("SELECT 1 FROM certification_attempt WHERE id = %s FOR UPDATE", [first.pk])
        leader = threading.Thread(target=save, args=(LEADER,))  # the first attempt
        leader.start()
        _wait_for(lambda: _queued() == 0 and answers._GROUP._flushing)
        followers = [threading.Thread(target=save, args=(r,)) for r in range(1, 9)]
        for thread in followers:
            thread.start()
        _wait_for(lambda: _queued() == 8)
        time.sleep(0.2)
        assert not acked  # all wait: the leader's transaction cannot commit yet
        assert not AnswerEvent.objects.exists()
        blocker.rollback()  # releases the lock
    for thread in [leader, *followers]:
        thread.join(timeout=30)
    assert not errors
    assert sorted(acked) == [*range(1, 9), LEADER]
    assert all(visible.values()) and len(visible) == 9
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT revision, xmin::text FROM certification_answerevent ORDER BY revision"
        )
        txids = dict(cursor.fetchall())
    assert len(txids) == 9  # none lost
    assert len({txids[r] for r in range(1, 9)}) == 1  # the eight shared one transaction
    assert txids[LEADER] != txids[1]
    assert second.pk  # both attempts took part
    assert Answer.objects.filter(item__attempt=second).count() == 3


def test_a_save_that_fails_in_a_batch_does_not_fail_the_others(attempts):
    """Given a batch of four saves, one to a submitted attempt (refused) and one that
    makes the batch's statement fail (an address PostgreSQL cannot read), when the
    batch is flushed, then the two good saves are stored and acknowledged, the
    refused one answers as it would alone, and the broken one fails alone."""
    first, second = attempts
    exams.attempt_submit(attempt=second)
    one, two, _ = first.items.order_by("position")
    now = first.started_at

    def row(attempt: Attempt, item: Any, revision: int, ip: str | None = None) -> Any:
        return answers._Save(
            attempt_id=attempt.pk,
            candidate_id=attempt.candidate_id,
            item_id=item.pk,
            response={"choice": "a"} if item.position == 1 else {"value": True},
            revision=revision,
            now=now,
            client=answers.Client(ip=ip),
        )

    batch = [
        row(first, one, 1),
        row(second, second.items.order_by("position").first(), 1),
        row(first, two, 1, ip="not an address"),
        row(first, one, 2),
    ]
    results = answers._store_grouped(batch)
    assert results[0] == ("ok", True, False) and results[3] == ("ok", True, False)
    assert results[1] == ("submitted", False, False)
    assert isinstance(results[2], Exception)
    assert Answer.objects.get(item=one).revision == 2
    assert not Answer.objects.filter(item=two).exists()
    assert not AnswerEvent.objects.filter(item__attempt=second).exists()
    assert AnswerEvent.objects.count() == 2


def test_a_refused_save_answers_as_it_would_alone(attempts):
    """Given a submitted attempt, when a save for it goes through the group commit,
    then it raises the same Conflict as before and stores nothing."""
    _, second = attempts
    exams.attempt_submit(attempt=second)
    item = second.items.order_by("position").first()
    with pytest.raises(Conflict):
        answers.answer_save(attempt=second, item_id=item.pk, response={"choice": "a"}, revision=1)
    assert not AnswerEvent.objects.exists()


def _wait_for(condition: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)
