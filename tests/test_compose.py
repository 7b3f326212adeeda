"""docker-compose.yml describes production; it cannot run here, so its consistency
with the settings and with itself is checked instead."""

import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml
from django.conf import settings
from django.core.management import get_commands

COMPOSE = Path(__file__).resolve().parent.parent / "docker-compose.yml"
APP_SERVICES = ("web", "worker", "beat")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_services_are_the_production_set(compose) -> None:
    assert set(compose["services"]) == {
        "web",
        "worker",
        "beat",
        "postgres",
        "redis",
        "docker-proxy",
    }
    assert "python -m config.serve --host 0.0.0.0" in compose["services"]["web"]["command"]
    assert compose["services"]["beat"]["command"].startswith("celery -A config beat")


def test_app_services_share_settings_and_private_storage(compose) -> None:
    # The worker adds only where the engine finds its scratch and grading scripts.
    worker_only = {"TMPDIR", "GRADING_HARNESS_DIR"}
    envs = [
        {k: v for k, v in compose["services"][name]["environment"].items() if k not in worker_only}
        for name in APP_SERVICES
    ]
    assert all(env == envs[0] for env in envs)
    env = envs[0]
    assert env["DJANGO_PRODUCTION"] == "1" and env["SANDBOX_BACKEND"] == "docker"
    for name in APP_SERVICES:
        mounts = compose["services"][name]["volumes"]
        assert f"{env['PRIVATE_STORAGE_DIR']}:{env['PRIVATE_STORAGE_DIR']}" in mounts, name


def test_database_and_broker_urls_point_at_the_services(compose) -> None:
    env = compose["services"]["web"]["environment"]
    # Interpolate ${VAR:?message} the way compose does, with a stand-in value.
    database = urlparse(re.sub(r"\$\{[^}]*\}", "secret", env["DATABASE_URL"]))
    postgres = compose["services"]["postgres"]["environment"]
    assert (database.hostname, database.path.lstrip("/"), database.username) == (
        "postgres",
        postgres["POSTGRES_DB"],
        postgres["POSTGRES_USER"],
    )
    assert urlparse(env["REDIS_URL"]).hostname == "redis"
    for name in APP_SERVICES:
        assert set(compose["services"][name]["depends_on"]) == {"postgres", "redis"}


def test_worker_has_the_engine_and_consumes_every_routed_queue(compose) -> None:
    worker = compose["services"]["worker"]
    # The engine only through the proxy's socket; the proxy alone holds the engine's.
    assert "/var/run/docker.sock:/var/run/docker.sock" not in worker["volumes"]
    assert "/run/cert-engine:/run/cert-engine" in worker["volumes"]
    assert worker["environment"]["DOCKER_HOST"] == "unix:///run/cert-engine/docker-proxy.sock"
    proxy = compose["services"]["docker-proxy"]
    assert "/var/run/docker.sock:/var/run/docker.sock" in proxy["volumes"]
    assert "/run/cert-engine:/run/cert-engine" in proxy["volumes"]
    assert "DJANGO_SECRET_KEY" not in proxy["environment"]
    queues = set(worker["command"].split("-Q ")[1].split()[0].split(","))
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert routed | {settings.CELERY_TASK_DEFAULT_QUEUE} <= queues
    for name in ("web", "beat"):
        volumes = compose["services"][name]["volumes"]
        assert "/var/run/docker.sock:/var/run/docker.sock" not in volumes
        assert "/run/cert-engine:/run/cert-engine" not in volumes


def test_no_secret_is_written_into_the_file(compose) -> None:
    env = compose["services"]["web"]["environment"]
    for secret in ("DJANGO_SECRET_KEY", "CREDENTIAL_KEY_SECRET"):
        assert env[secret].startswith("${")
    assert compose["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"].startswith("${")


def test_broker_visibility_outlasts_the_longest_task() -> None:
    assert (
        settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
        > settings.CELERY_TASK_TIME_LIMIT
    )
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST


def test_web_and_worker_have_health_checks_that_exist(compose) -> None:
    web = compose["services"]["web"]["healthcheck"]["test"]
    assert web[0] == "CMD" and "http://127.0.0.1:8000/readyz" in web[-1]
    assert "PROMETHEUS_MULTIPROC_DIR=" in compose["services"]["web"]["command"]
    worker = compose["services"]["worker"]["healthcheck"]["test"]
    assert worker == ["CMD", "python", "manage.py", "worker_health"]
    assert get_commands()["worker_health"] == "grading"


def test_the_worker_puts_sandbox_mounts_where_the_engine_sees_them(compose) -> None:
    """The engine resolves bind sources on the host: the worker's scratch (TMPDIR) and
    grading scripts live at host paths mounted at the same path, and the proxy allows
    exactly those roots."""
    worker, proxy = compose["services"]["worker"], compose["services"]["docker-proxy"]
    for key in ("TMPDIR", "GRADING_HARNESS_DIR"):
        path = worker["environment"][key]
        assert path.startswith("/var/lib/cert-engine/"), key
        assert f"{path}:{path}" in worker["volumes"]
        assert f"{path}:{path}:ro" in proxy["volumes"]
    roots = proxy["environment"]
    assert roots["SANDBOX_PROXY_WRITABLE_ROOTS"].split(":")[0] == worker["environment"]["TMPDIR"]
    assert worker["environment"]["GRADING_HARNESS_DIR"] in roots[
        "SANDBOX_PROXY_READONLY_ROOTS"
    ].split(":")
