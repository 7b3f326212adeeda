"""The committee's operations page: the essentials of Flower for non-technical staff."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from core.redis_conn import redis_client
from grading.heartbeat import KEY_PREFIX, heartbeat_record
from grading.models import GradingRun, Submission
from ops.overview import chart_bars

pytestmark = pytest.mark.django_db


def page(user) -> str:
    client = Client()
    client.force_login(user)
    response = client.get("/committee/operations/")
    assert response.status_code == 200
    return response.content.decode()


def test_empty_state_says_that_nothing_runs(committee) -> None:
    html = page(committee)
    assert "目前没有正在运行的评测" in html
    assert "sandbox-cpu" in html and "sandbox-gpu" in html  # every queue, even empty
    assert 'href="/committee/operations/"' in html  # linked from the committee's nav


def test_workers_runs_in_flight_and_the_last_day(demo, candidate, committee) -> None:
    # Given a GPU worker whose engine answers, a run under way and an infrastructure failure
    name = "celery@ops-page-gpu"
    heartbeat_record(name=name, queues=["sandbox-gpu"], docker_ok=False)
    submission = Submission.objects.create(
        task=demo["certification"].practical_task,
        candidate=candidate,
        file_name="s.py",
        sha256="0" * 64,
        size_bytes=1,
        state=Submission.State.RUNNING,
        stage="train",
    )
    now = timezone.now()
    for number, state in ((1, GradingRun.State.INFRA_ERROR), (2, GradingRun.State.RUNNING)):
        GradingRun.objects.create(
            submission=submission,
            number=number,
            trigger=GradingRun.Trigger.SUBMISSION,
            state=state,
            worker="gpu-host-1",
            started_at=now - timedelta(minutes=3),
            finished_at=None if state == GradingRun.State.RUNNING else now,
        )
    try:
        html = page(committee)
    finally:
        redis_client().delete(KEY_PREFIX + name)
    # Then the page shows them
    assert name in html and "无响应" in html  # Docker engine down on that worker
    assert str(submission.public_id)[:8] in html and "gpu-host-1" in html
    assert "<svg" in html  # the chart of the last 24 hours


def test_the_chart_has_one_bar_per_hour_scaled_to_the_busiest() -> None:
    now = timezone.now()
    hour = now.replace(minute=0, second=0, microsecond=0)
    bars = chart_bars([(hour, 4, 0), (hour - timedelta(hours=1), 1, 1)], now=now)
    assert len(bars) == 24 and bars[-1].done_height == 120 and bars[-2].infra_height == 30
    assert all(bar.done_height == 0 for bar in bars[:-2])
