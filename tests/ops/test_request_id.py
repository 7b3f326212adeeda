"""The request id follows one practical submission from the HTTP request through the
message on the real broker into the Celery task's log lines and its sandbox runs."""

import io
import json
import logging
import logging.config
from collections.abc import Iterator

import pytest
import redis
from celery import current_app
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

import sandbox
from core.requestid import HEADER, RequestIdFilter, request_id_accept, request_id_bound
from grading import practical
from grading.models import Submission
from tests.conftest import client_for
from tests.factories import approved_application

TRACE = "trace-0f3c9a7e-submission"


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The grading loggers' records, formatted by the site's JSON formatter and
    request-id filter (config/settings.py LOGGING)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    config = settings.LOGGING["formatters"]["json"]
    formatter_class = config["()"].rsplit(".", 1)
    module = __import__(formatter_class[0], fromlist=[formatter_class[1]])
    handler.setFormatter(
        getattr(module, formatter_class[1])(
            fmt=config["fmt"], rename_fields=config["rename_fields"]
        )
    )
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("grading")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    yield stream
    logger.removeHandler(handler)
    logger.setLevel(level)


def _message_take(queue: str, submission_id: int) -> dict:
    """The grading message for ``submission_id`` as it sits on the real broker,
    removed from it."""
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    for raw in client.lrange(queue, 0, -1):
        message = json.loads(raw)
        if message["headers"].get("task") == practical.SUBMISSION_GRADE_TASK and message[
            "headers"
        ].get("argsrepr") in (f"({submission_id},)", f"[{submission_id}]"):
            client.lrem(queue, 1, raw)
            return message
    raise AssertionError(f"no grading message for submission {submission_id} in {queue}")


def _crashing_run(spec: sandbox.RunSpec, **_: object) -> sandbox.RunResult:
    return sandbox.RunResult(
        verdict=sandbox.Verdict.RUNTIME_ERROR,
        exit_code=1,
        wall_seconds=0.5,
        cpu_seconds=0.1,
        peak_memory_mb=10.0,
        stdout="",
        stderr="boom",
        run_id="fake-run",
    )


@pytest.mark.django_db
def test_the_request_id_reaches_the_task_and_its_sandbox_runs(
    demo, candidate, committee, monkeypatch, json_log, django_capture_on_commit_callbacks
):
    # Given a candidate allowed to submit, and a request carrying an X-Request-ID
    approved_application(
        candidate=candidate, certification=demo["certification"], committee=committee
    )
    api = client_for(candidate)
    # When the solution is uploaded
    with django_capture_on_commit_callbacks() as on_commit:
        created = api.post(
            "/api/v1/certifications/beginner-cv/submissions/",
            {"file": SimpleUploadedFile("solution.py", b"def train(a, b): pass\n")},
            format="multipart",
            HTTP_X_REQUEST_ID=TRACE,
        )
    assert created.status_code == 201, created.content
    assert created[HEADER] == TRACE
    # (the test's transaction never commits: its callbacks run here, inside the
    # request's id, as the service's commit does inside the request in production)
    with request_id_bound(created[HEADER]):
        for callback in on_commit:
            callback()
    submission = Submission.objects.get(public_id=created.json()["id"])
    # Then the message on the broker carries it in its headers
    message = _message_take("sandbox-cpu", submission.pk)
    assert message["headers"]["request_id"] == TRACE
    # And the task, run from that message (the sandbox stubbed: no Docker here), logs with it
    monkeypatch.setattr(sandbox, "run", _crashing_run)
    current_app.tasks[practical.SUBMISSION_GRADE_TASK].apply(
        args=[submission.pk], headers=message["headers"], throw=True
    )
    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    assert {line["request_id"] for line in lines} == {TRACE}
    run_lines = [line for line in lines if line["message"].startswith("sandbox run")]
    assert run_lines and run_lines[0]["labels"] == {
        "cert-engine.submission": str(submission.public_id)
    }
    assert any(line.get("submission_id") == submission.pk for line in lines)
    assert {line["level"] for line in lines} <= {"INFO", "WARNING"}


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("0123456789abcdef", True),
        ("req:2026-01-01T10:00", True),
        ("short", False),
        ("has space in it", False),
        ("line\nbreak-forged-entry", False),
        ("x" * 200, False),
    ],
)
def test_only_a_well_formed_incoming_id_is_kept(given: str, kept: bool) -> None:
    accepted = request_id_accept(given)
    assert (accepted == given) is kept
    if not kept:
        assert len(accepted) == 32 and accepted.isalnum()


def test_every_response_carries_a_request_id(db) -> None:
    first = Client().get("/healthz")
    second = Client().get("/healthz", HTTP_X_REQUEST_ID="bad id")
    assert len(first[HEADER]) == 32 and first[HEADER] != second[HEADER] != "bad id"
