"""The autosave fast path (certification/fastpath.py) in front of Django, called as
the WSGI application the web server serves, and the ORM path SQLite uses instead of the
PostgreSQL function: both must behave exactly like the service promises."""

import io
import json
import time
from datetime import timedelta

import pytest

from certification.exams import answers
from certification.exams import services as exams
from certification.models import Answer, AnswerEvent, Attempt
from config.wsgi import application
from tests.factories import approved_application, objective_exam

pytestmark = pytest.mark.django_db(transaction=True)


def put(path: str, body: object, token: str | None = None) -> tuple[str, dict]:
    payload = json.dumps(body).encode()
    environ = {
        "REQUEST_METHOD": "PUT",
        "PATH_INFO": path,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "HTTP_HOST": "127.0.0.1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(payload)),
        "wsgi.input": io.BytesIO(payload),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
    }
    if token is not None:
        environ["HTTP_X_ATTEMPT_TOKEN"] = token
    seen: dict[str, str] = {}

    def start_response(status: str, headers: list) -> None:
        seen["status"] = status

    content = b"".join(application(environ, start_response))
    try:
        return seen["status"], json.loads(content or b"{}")
    except ValueError:
        return seen["status"], {}


@pytest.fixture
def attempt(demo, candidate, committee, settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    exam = objective_exam(certification=demo["certification"])
    approved_application(
        candidate=candidate, certification=demo["certification"], committee=committee
    )
    return exams.attempt_start(candidate=candidate, exam=exam)


def url(attempt: Attempt, item_id: int) -> str:
    return f"/api/v1/attempts/{attempt.public_id}/answers/{item_id}/"


def first_item(attempt: Attempt):
    return attempt.items.order_by("position").first()


def test_a_save_with_the_attempts_token_is_stored_and_logged(attempt):
    item = first_item(attempt)
    status, body = put(
        url(attempt, item.pk),
        {"response": {"choice": "b"}, "revision": 2},
        answers.attempt_save_token(attempt),
    )
    assert status == "200 OK" and body["applied"] is True and body["late"] is False
    status, body = put(
        url(attempt, item.pk),
        {"response": {"choice": "a"}, "revision": 1},
        answers.attempt_save_token(attempt),
    )
    assert status == "200 OK" and body["applied"] is False
    answer = Answer.objects.get(item=item)
    assert (answer.response, answer.revision) == ({"choice": "b"}, 2)
    assert AnswerEvent.objects.filter(item=item).count() == 2


@pytest.mark.parametrize(
    "change,expected",
    [
        ("tampered token", "404 Not Found"),
        ("another attempt's id", "404 Not Found"),
        ("tampered choice", "400 Bad Request"),
        ("no revision", "400 Bad Request"),
        ("revision beyond the column", "400 Bad Request"),
        ("item of another attempt", "404 Not Found"),
    ],
)
def test_bad_saves_change_nothing(attempt, demo, other_candidate, committee, change, expected):
    token = answers.attempt_save_token(attempt)
    item = first_item(attempt)
    path, body = url(attempt, item.pk), {"response": {"choice": "b"}, "revision": 1}
    if change == "tampered token":
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    elif change == "another attempt's id":
        approved_application(
            candidate=other_candidate, certification=demo["certification"], committee=committee
        )
        other = exams.attempt_start(candidate=other_candidate, exam=attempt.exam)
        path = url(other, first_item(other).pk)
    elif change == "tampered choice":
        body["response"] = {"choice": "zz"}
    elif change == "no revision":
        body = {"response": {"choice": "b"}}
    elif change == "revision beyond the column":
        body["revision"] = answers.MAX_REVISION + 1  # e.g. a client sending Date.now()
    elif change == "item of another attempt":
        approved_application(
            candidate=other_candidate, certification=demo["certification"], committee=committee
        )
        other = exams.attempt_start(candidate=other_candidate, exam=attempt.exam)
        path = url(attempt, first_item(other).pk)
    status, _ = put(path, body, token)
    assert status == expected
    assert not Answer.objects.exists() and not AnswerEvent.objects.exists()


def test_after_submit_the_save_is_refused(attempt):
    exams.attempt_submit(attempt=attempt)
    status, body = put(
        url(attempt, first_item(attempt).pk),
        {"response": {"choice": "b"}, "revision": 1},
        answers.attempt_save_token(attempt),
    )
    assert status == "409 Conflict" and body["error"]["code"] == "conflict"
    assert not AnswerEvent.objects.exists()


def test_without_a_token_the_request_goes_to_django(attempt):
    status, _ = put(
        url(attempt, first_item(attempt).pk), {"response": {"choice": "b"}, "revision": 1}
    )
    assert status.startswith(("401", "403"))
    assert not Answer.objects.exists()


@pytest.mark.parametrize("store", ["_store_sql", "_store_orm"])
def test_both_stores_keep_revisions_grace_and_closing_alike(attempt, store, monkeypatch):
    """The PostgreSQL function and the ORM path (SQLite) are two spellings of one rule."""
    chosen = getattr(answers, store)
    monkeypatch.setattr(answers, "_store_sql", chosen)
    monkeypatch.setattr(answers, "_store_orm", chosen)
    first, second, third = attempt.items.order_by("position")
    answers.answer_save(attempt=attempt, item_id=first.pk, response={"choice": "c"}, revision=3)
    assert (
        answers.answer_save(
            attempt=attempt, item_id=first.pk, response={"choice": "a"}, revision=2
        ).applied
        is False
    )
    in_grace = attempt.deadline + timedelta(seconds=attempt.exam.grace_seconds - 1)
    assert answers.answer_save(
        attempt=attempt, item_id=second.pk, response={"value": False}, revision=1, now=in_grace
    ).late
    too_late = attempt.deadline + timedelta(seconds=attempt.exam.grace_seconds + 1)
    with pytest.raises(exams.Conflict):
        answers.answer_save(
            attempt=attempt,
            item_id=third.pk,
            response={"blanks": {"1": "x"}},
            revision=1,
            now=too_late,
        )
    assert Answer.objects.get(item=first).response == {"choice": "c"}
    assert Answer.objects.get(item=second).late is True
    assert list(AnswerEvent.objects.order_by("pk").values_list("applied", flat=True)) == [
        True,
        False,
        True,
    ]
    exams.attempt_submit(attempt=attempt)
    with pytest.raises(exams.Conflict):
        answers.answer_save(attempt=attempt, item_id=first.pk, response={"choice": "b"}, revision=9)


def test_a_verified_token_is_still_refused_once_it_expires(attempt, monkeypatch):
    """Each process verifies a token's signature once (answers._token_verified); its
    age is checked at every save, and a changed token is verified afresh."""
    token = answers.attempt_save_token(attempt)
    item = first_item(attempt)
    status, _ = put(url(attempt, item.pk), {"response": {"choice": "b"}, "revision": 1}, token)
    assert status == "200 OK"
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    status, _ = put(url(attempt, item.pk), {"response": {"choice": "c"}, "revision": 2}, tampered)
    assert status == "404 Not Found"
    later = time.time() + answers.SAVE_TOKEN_MAX_AGE + 1
    monkeypatch.setattr("certification.exams.answers.time", lambda: later)
    status, _ = put(url(attempt, item.pk), {"response": {"choice": "d"}, "revision": 3}, token)
    assert status == "404 Not Found"
    assert AnswerEvent.objects.filter(item=item).count() == 1
