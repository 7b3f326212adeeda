"""/metrics: who may read it, what it says, and the Grafana dashboard's metric names."""

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from core.redis_conn import redis_client
from grading.models import GradingRun, Submission

pytestmark = pytest.mark.django_db

DASHBOARDS = Path(__file__).resolve().parents[2] / "deploy" / "grafana"
TOKEN = "metrics-token-for-tests-0123456789"


def scrape(settings, **headers: str) -> str:
    settings.METRICS_TOKEN = TOKEN
    response = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}", **headers)
    assert response.status_code == 200
    return response.content.decode()


def sample(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    pattern = (
        "^" + re.escape(name) + (r"\{" + re.escape(wanted) + r"\}" if labels else "") + r" (\S+)$"
    )
    found = re.search(pattern, text, re.MULTILINE)
    assert found, f"{name} {labels} not in the scrape"
    return float(found.group(1))


def test_prometheus_needs_the_token(settings) -> None:
    settings.METRICS_TOKEN = TOKEN
    for header in ("", "Bearer wrong", f"Basic {TOKEN}", "Bearer "):
        response = Client().get("/metrics", HTTP_AUTHORIZATION=header)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    settings.METRICS_TOKEN = ""  # no token configured: none is accepted
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 302


def test_state_is_read_from_the_database_and_redis(demo, candidate, settings) -> None:
    # Given a finished 20-second run of a GPU task and one message waiting on sandbox-gpu
    task = demo["certification"].practical_task
    task.gpu = True
    task.save()
    submission = Submission.objects.create(
        task=task, candidate=candidate, file_name="s.py", sha256="0" * 64, size_bytes=1
    )
    now = timezone.now()
    GradingRun.objects.create(
        submission=submission,
        number=1,
        trigger=GradingRun.Trigger.SUBMISSION,
        state=GradingRun.State.DONE,
        verdict=Submission.Verdict.OK,
        started_at=now - timedelta(seconds=20),
        finished_at=now,
    )
    client = redis_client()
    client.rpush("sandbox-gpu", "{}")
    try:
        text = scrape(settings)
    finally:
        client.lrem("sandbox-gpu", 1, "{}")
    # Then the scrape says so
    assert sample(text, "certengine_sandbox_runs_total", verdict="ok") >= 1
    assert sample(text, "certengine_sandbox_run_duration_seconds_bucket", le="30.0") >= 1
    assert sample(text, "certengine_gpu_busy_seconds_total") >= 20
    assert sample(text, "certengine_queue_depth", queue="sandbox-gpu") == 1
    assert sample(text, "certengine_source_up", source="redis") == 1


def test_a_committee_member_reads_it_signed_in(committee) -> None:
    client = Client()
    client.force_login(committee)
    response = client.get("/metrics")
    assert response.status_code == 200 and b"certengine_source_up" in response.content


SUFFIX = re.compile(r"_(total|bucket|sum|count|created)$")


def exported_names(text: str) -> set[str]:
    """Metric family names (the TYPE lines), without the sample suffixes."""
    return {SUFFIX.sub("", name) for name in re.findall(r"^# TYPE (\S+) ", text, re.MULTILINE)}


def test_every_metric_the_dashboard_uses_is_exported(demo, settings) -> None:
    Client().get("/")  # request latency by view has a sample
    exported = exported_names(scrape(settings))
    dashboards = sorted(DASHBOARDS.glob("*.json"))
    assert dashboards
    for path in dashboards:
        dashboard = json.loads(path.read_text())
        exprs = [
            target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])
        ]
        assert exprs, path
        used = {
            SUFFIX.sub("", name)
            for expr in exprs
            for name in re.findall(r"\b((?:certengine|django)_[a-z_]+)", expr)
        }
        assert used and used <= exported, used - exported
