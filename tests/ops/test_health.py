"""/healthz and /readyz: public, JSON, and silent about why something failed."""

import json
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection
from django.test import Client

from core.redis_conn import redis_client
from grading.heartbeat import KEY_PREFIX, heartbeat_record, heartbeats_read

pytestmark = pytest.mark.django_db

SECRET = "s3cret-pw"


@pytest.fixture
def beat():
    name = "celery@ops-test-gpu"
    record = heartbeat_record(name=name, queues=["sandbox-gpu", "default"], docker_ok=True)
    yield record
    redis_client().delete(KEY_PREFIX + name)


def test_healthz_answers_without_asking_anything() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_is_ok_and_lists_the_workers_seen(beat, settings) -> None:
    # A container's probe reaches the process as 127.0.0.1, not a public name.
    settings.ALLOWED_HOSTS = ["certs.example.org"]
    response = Client().get("/readyz", HTTP_HOST="127.0.0.1:8000")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok" and body["failed"] == []
    assert {"database", "redis", "disk"} <= set(body["checks"])
    [worker] = [w for w in body["workers"] if w["name"] == beat.name]
    assert worker["queues"] == ["default", "sandbox-gpu"]
    assert worker["gpu"] is True and worker["docker_ok"] is True and worker["age_seconds"] < 5


def test_a_heartbeat_expires_and_names_its_gpu(beat, settings, monkeypatch) -> None:
    assert beat.gpu  # a worker on the GPU queue has one
    settings.SANDBOX_GPU_DEVICE = ""
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2")
    assert heartbeat_record(name=beat.name, queues=beat.queues, docker_ok=True).gpu == "2"
    assert 0 < redis_client().ttl(KEY_PREFIX + beat.name) <= 3 * settings.WORKER_HEARTBEAT_SECONDS
    cpu = heartbeat_record(name="celery@ops-test-cpu", queues=["sandbox-cpu"], docker_ok=False)
    try:
        assert cpu.gpu == "" and not cpu.docker_ok
        assert {b.name for b in heartbeats_read()} >= {beat.name, cpu.name}
    finally:
        redis_client().delete(KEY_PREFIX + cpu.name)


def _assert_tells_nothing(response, *secrets: str) -> None:
    text = response.content.decode()
    for secret in (*secrets, "Traceback", "redis://", "postgres"):
        assert secret not in text, secret


def test_readyz_fails_when_redis_is_down_and_says_only_which(settings) -> None:
    settings.REDIS_URL = f"redis://:{SECRET}@127.0.0.1:1/0"
    response = Client().get("/readyz")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["failed"] == ["redis"] and body["workers"] == []
    _assert_tells_nothing(response, SECRET, "127.0.0.1:1")


def test_readyz_fails_when_the_database_is_down(settings) -> None:
    error = OperationalError(f"connection failed: password={SECRET} host=db.internal")
    with mock.patch.object(connection, "cursor", side_effect=error):
        response = Client().get("/readyz")
    assert response.status_code == 503 and response.json()["failed"] == ["database"]
    _assert_tells_nothing(response, SECRET, "db.internal")


def test_readyz_fails_below_the_free_disk_threshold(settings) -> None:
    settings.READYZ_MIN_FREE_BYTES = 2**62
    response = Client().get("/readyz")
    assert response.status_code == 503 and response.json()["failed"] == ["disk"]
    assert str(settings.PRIVATE_STORAGE_DIR) not in response.content.decode()


def test_the_worker_health_check_reads_its_own_heartbeat(beat) -> None:
    call_command("worker_health", "--name", beat.name)
    heartbeat_record(name=beat.name, queues=beat.queues, docker_ok=False)
    with pytest.raises(CommandError, match="Docker"):
        call_command("worker_health", "--name", beat.name)
    with pytest.raises(CommandError, match="no heartbeat"):
        call_command("worker_health", "--name", "celery@nowhere")
