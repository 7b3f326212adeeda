"""The question import through a real Celery worker: the import's page reports a
``done`` count that rises to ``total`` while the worker previews and imports; a bad
file shows its problems and keeps the upload for a retry; a second confirm imports
nothing more; another author's progress answers 404."""

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from core.private_storage import private_exists
from core.roles import Role
from grading.workers import worker_env, worker_start, worker_stop
from scripts.import_at_limit import file_at_limit
from tests.conftest import make_user
from tests.interchange.test_malformed import BAD_GIFT
from training.models import Question, QuestionBank, QuestionImport

pytestmark = [pytest.mark.worker, pytest.mark.xdist_group("worker")]

# About two thousand items: a run of a second or two, long enough to be seen moving.
SIZE = 300_000


@pytest.fixture
def worker(
    transactional_db: None, settings: Any, tmp_path: Path
) -> Iterator[subprocess.Popen[bytes]]:
    # The worker writes the live count to the cache of its REDIS_URL (the broker of
    # this xdist process): the test reads the same one.
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "LOCATION": settings.CELERY_BROKER_URL}
    }
    log = tmp_path / "worker.log"
    with log.open("wb") as output:
        process = worker_start(
            hostname=f"imports-{os.getpid()}@%h",
            queues=settings.CELERY_TASK_DEFAULT_QUEUE,
            pool="solo",
            purge=True,  # before it is ready: the tests send their tasks after that
            output=output,
            env=worker_env(REDIS_URL=settings.CELERY_BROKER_URL),
        )
        try:
            _wait_until_ready(process, log)
            yield process
        finally:
            worker_stop(process, timeout=20)


def _wait_until_ready(process: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if b" ready." in log.read_bytes():
            return
        assert process.poll() is None, log.read_text(errors="replace")[-3000:]
        time.sleep(0.2)
    raise AssertionError("the worker was not ready: " + log.read_text(errors="replace")[-3000:])


@pytest.fixture
def author(transactional_db: None) -> Any:
    return make_user("ivan", Role.INSTRUCTOR)


@pytest.fixture
def bank(transactional_db: None) -> QuestionBank:
    return QuestionBank.objects.create(slug="big-bank", title="Big bank")


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _upload(client: Client, bank: QuestionBank, content: bytes, **extra: Any) -> QuestionImport:
    upload = SimpleUploadedFile("big.gift", content, content_type="text/plain")
    response = client.post(
        reverse("question-import", args=[bank.slug]), {"file": upload, "format": "gift", **extra}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return QuestionImport.objects.get(bank=bank)


def _progress_url(job: QuestionImport) -> str:
    return reverse("question-import-status", args=[job.bank.slug, job.pk])


def _job_url(job: QuestionImport) -> str:
    return reverse("question-import-job", args=[job.bank.slug, job.pk])


def _follow(client: Client, job: QuestionImport, *, timeout: float = 120) -> list[dict[str, Any]]:
    """Polls the progress endpoint as the page does, until the run is final."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = client.get(_progress_url(job))
        assert response.status_code == 200
        seen.append(response.json())
        if seen[-1]["final"] and seen[-1]["state"] != "queued":
            return seen
        time.sleep(0.05)
    raise AssertionError(f"the import did not finish in {timeout} s: {seen[-3:]}")


def _rises_to_total(seen: list[dict[str, Any]]) -> None:
    counts = [s["done"] for s in seen if s["state"] == "running" and s["total"]]
    total = seen[-1]["total"]
    assert total > 1000
    assert counts == sorted(counts), "done went backwards"
    assert any(0 < done < total for done in counts), f"no count seen under way: {counts[:20]}"
    assert seen[-1]["done"] == total


def test_preview_and_import_report_rising_progress_through_a_worker(
    worker: Any, author: Any, bank: QuestionBank
) -> None:
    client = _client(author)
    job = _upload(client, bank, file_at_limit(SIZE))

    preview = _follow(client, job)

    assert preview[-1]["state"] == "previewed"
    _rises_to_total(preview)
    assert not Question.objects.filter(bank=bank).exists()
    page = client.get(_job_url(job)).content.decode()
    assert 'id="preview"' in page and "确认导入" in page

    first = client.post(_job_url(job), {"action": "confirm"})
    second = client.post(_job_url(job), {"action": "confirm"})
    imported = _follow(client, job)

    assert first.status_code == second.status_code == 302
    assert imported[-1]["state"] == "done"
    _rises_to_total(imported)
    total = imported[-1]["total"]
    assert Question.objects.filter(bank=bank).count() == total
    # A second delivery or a late confirm finds nothing to do; the same file again
    # is answered "already imported" (importing it again is an explicit choice).
    client.post(_job_url(job), {"action": "confirm"})
    upload = SimpleUploadedFile("big.gift", file_at_limit(SIZE), content_type="text/plain")
    again = client.post(
        reverse("question-import", args=[bank.slug]), {"file": upload, "format": "gift"}
    )
    assert again.status_code == 409 and 'id="already-imported"' in again.content.decode()
    time.sleep(1)
    assert Question.objects.filter(bank=bank).count() == total
    assert QuestionImport.objects.filter(bank=bank).count() == 1
    assert "已导入" in client.get(_job_url(job)).content.decode()


def test_a_failing_file_shows_its_problems_keeps_the_upload_and_can_be_retried(
    worker: Any, author: Any, bank: QuestionBank
) -> None:
    client = _client(author)
    job = _upload(client, bank, BAD_GIFT.encode())

    seen = _follow(client, job)

    assert seen[-1]["state"] == "failed"
    page = client.get(_job_url(job)).content.decode()
    assert 'id="problems"' in page and "&#x27;twelve&#x27; is not a number" in page
    assert "重试" in page
    job.refresh_from_db()
    assert private_exists(job.stored_as)
    assert not Question.objects.filter(bank=bank).exists()

    # The same file again, this time skipping the bad items: the kept row runs again.
    _upload(client, bank, BAD_GIFT.encode(), skip_bad="on")
    assert _follow(client, job)[-1]["state"] == "previewed"
    client.post(_job_url(job), {"action": "confirm"})
    assert _follow(client, job)[-1]["state"] == "done"
    assert Question.objects.filter(bank=bank).count() == 3


def test_another_instructor_cannot_follow_or_confirm_the_import(
    worker: Any, author: Any, bank: QuestionBank
) -> None:
    client = _client(author)
    job = _upload(client, bank, file_at_limit(20_000))
    other = _client(make_user("olga", Role.INSTRUCTOR))

    progress = other.get(_progress_url(job))
    page = other.get(_job_url(job))
    _follow(client, job)
    confirm = other.post(_job_url(job), {"action": "confirm"})
    time.sleep(1)

    assert progress.status_code == page.status_code == confirm.status_code == 404
    job.refresh_from_db()
    assert job.state == "previewed" and not job.confirmed
    assert not Question.objects.filter(bank=bank).exists()
