"""The reminder of a live session through a real Celery worker process consuming from
Redis: the beat task delivered twice reminds the candidate once (one notification,
one e-mail, written by the worker to a mail folder the test reads)."""

import os
import re
import subprocess
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from certification.models import Notification, SessionRegistration
from certification.sessions import services as sessions
from certification.sessions.tasks import session_reminders_task
from core.roles import Role
from grading.workers import worker_env, worker_start, worker_stop
from tests.conftest import make_user
from training.models import Curriculum

pytestmark = [
    pytest.mark.worker,
    pytest.mark.xdist_group("worker"),
    pytest.mark.django_db(transaction=True),
]
TASK = "certification.sessions_tasks.session_reminders_task"


class Worker:
    def __init__(self, process: subprocess.Popen[bytes], log: Path, mail: Path) -> None:
        self.process, self.log, self.mail = process, log, mail

    def wait_for(self, pattern: str, *, count: int = 1, seconds: float = 60) -> list[str]:
        """The log's matches of ``pattern`` once there are ``count`` of them."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = re.findall(pattern, self.log.read_text(errors="replace"))
            if len(found) >= count:
                return found
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        pytest.fail(f"{pattern!r} x{count} not in the worker log:\n{self.log.read_text()[-4000:]}")


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[Worker]:
    log, mail = tmp_path / "worker.log", tmp_path / "mail"
    env = worker_env(
        REDIS_URL=settings.CELERY_BROKER_URL,
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(mail),
    )
    with log.open("wb") as output:
        process = worker_start(
            hostname=f"sessions-{os.getpid()}@%h",
            queues=settings.CELERY_TASK_DEFAULT_QUEUE,
            pool="solo",
            purge=True,  # before it is ready: the test sends its tasks after that
            output=output,
            env=env,
        )
        running = Worker(process, log, mail)
        try:
            running.wait_for(r"ready\.")
            yield running
        finally:
            worker_stop(process, timeout=20)


def test_a_reminder_delivered_twice_reaches_the_candidate_once(
    demo: dict[str, Any], worker: Worker
) -> None:
    details = sessions.SessionDetails(
        curriculum=Curriculum.objects.get(slug="beginner-cv"),
        title="Evening Q&A",
        starts_at=timezone.now() + timedelta(hours=12),
        time_zone="Europe/Berlin",
        duration_minutes=60,
        capacity=5,
        room="A-301",
    )
    session = sessions.session_schedule(actor=demo["instructor"], details=details)
    candidate = make_user("mei", Role.CANDIDATE)
    sessions.registration_create(candidate=candidate, session_id=session.pk)

    session_reminders_task.delay()
    session_reminders_task.delay()

    results = worker.wait_for(
        rf"{re.escape(TASK)}\[[0-9a-f-]+\] succeeded in [0-9.]+s: (\d+)", count=2
    )
    assert sorted(results) == ["0", "1"]
    assert SessionRegistration.objects.get(candidate=candidate).reminded_at is not None
    assert Notification.objects.filter(recipient=candidate).count() == 1
    [message] = list(worker.mail.iterdir())
    text = message.read_text()
    assert "To: mei@example.org" in text and "(Europe/Berlin)" in text and "A-301" in text
