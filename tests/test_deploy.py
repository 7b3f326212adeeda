"""deploy/ describes a multi-host site (a web host, CPU and GPU worker hosts). It
cannot be brought up here, so the files are checked against the settings, the
example environment and each other; `docker compose config` validates them too
where the compose plugin is installed."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings

from grading.practical import QUEUE_CPU, QUEUE_GPU

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
FILES = ("compose.web.yml", "compose.worker-cpu.yml", "compose.worker-gpu.yml")
VARIABLE = re.compile(r"\$\{([A-Z0-9_]+)(?::?[-?][^}]*)?\}")
SECRETS = ("DJANGO_SECRET_KEY", "CREDENTIAL_KEY_SECRET", "DATABASE_URL")
SOCKET = "/var/run/docker.sock:/var/run/docker.sock"
PROXY_SOCKET = "/run/cert-engine:/run/cert-engine"
WORKER_PORTS = {"5432", "6379", "5555"}


def resolve(value: str) -> str:
    """``${NAME:-default}`` → default, ``${NAME:?message}`` → a stand-in, as compose
    interpolates them with NAME unset (the required ones set to ``set``)."""
    return re.sub(
        r"\$\{[A-Z0-9_]+(?::?([-?])([^}]*))?\}",
        lambda m: m.group(2) if m.group(1) == "-" else "set",
        value,
    )


def queues_of(command: str) -> set[str]:
    return set(command.split(" -Q ")[1].split()[0].split(","))


def option(command: str, name: str) -> str:
    return command.split(f" {name} ")[1].split()[0]


@pytest.fixture(scope="module")
def compose() -> dict[str, dict[str, Any]]:
    return {name: yaml.safe_load((DEPLOY / name).read_text()) for name in FILES}


@pytest.fixture(scope="module")
def services(compose: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {name: spec for doc in compose.values() for name, spec in doc["services"].items()}


@pytest.fixture(scope="module")
def example_env() -> dict[str, str]:
    lines = (DEPLOY / "env.example").read_text().splitlines()
    pairs = [line.split("=", 1) for line in lines if line.strip() and not line.startswith("#")]
    return {key: value for key, value in pairs}


def app_services(services: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        name: spec
        for name, spec in services.items()
        if "DJANGO_PRODUCTION" in spec.get("environment", {})
    }


def test_each_host_has_its_services(compose: dict[str, dict[str, Any]]) -> None:
    assert set(compose["compose.web.yml"]["services"]) == {
        "web", "beat", "worker-default", "postgres", "redis"
    }  # fmt: skip
    assert set(compose["compose.worker-cpu.yml"]["services"]) == {"worker-cpu", "docker-proxy"}
    gpu = set(compose["compose.worker-gpu.yml"]["services"]) - {"docker-proxy"}
    assert gpu and all(re.fullmatch(r"gpu\d+", name) for name in gpu)
    web = compose["compose.web.yml"]["services"]
    assert "python -m config.serve --host 0.0.0.0" in web["web"]["command"]
    assert web["beat"]["command"].startswith("celery -A config beat")
    # A multi-host site brings its own database and broker: those two are optional.
    assert web["postgres"]["profiles"] == web["redis"]["profiles"] == ["single-site"]


def test_every_variable_is_documented_in_the_example_env(
    compose: dict[str, dict[str, Any]], example_env: dict[str, str]
) -> None:
    used = {m for name in FILES for m in VARIABLE.findall((DEPLOY / name).read_text())}
    assert used - set(example_env) == set(), "add these to deploy/env.example"
    assert set(example_env) - used == set(), "deploy/env.example lists variables nobody reads"


def test_app_environment_names_are_settings_the_site_reads(
    services: dict[str, dict[str, Any]],
) -> None:
    sources = ("config/settings.py", "config/storage.py")
    text = "".join((ROOT / source).read_text() for source in sources)
    read = set(re.findall(r'env_\w+\("([A-Z0-9_]+)"', text))
    for name, spec in app_services(services).items():
        # DOCKER_HOST is read by the docker SDK (the socket proxy's address), TMPDIR
        # by Python's tempfile (the sandbox's scratch at a host path).
        unread = set(spec["environment"]) - read - {"DOCKER_HOST", "TMPDIR"}
        assert unread == set(), f"{name}: a typo or an unread setting"


def test_no_secret_is_written_into_the_files(
    services: dict[str, dict[str, Any]], example_env: dict[str, str]
) -> None:
    for name, spec in app_services(services).items():
        for secret in SECRETS:
            assert spec["environment"][secret].startswith("${" + secret + ":?"), name
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"].startswith("${")
    assert all(example_env[secret] == "" for secret in ("DJANGO_SECRET_KEY", "POSTGRES_PASSWORD"))


def test_every_queue_is_consumed_and_every_consumed_queue_exists(
    services: dict[str, dict[str, Any]],
) -> None:
    consumed: dict[str, set[str]] = {
        name: queues_of(spec["command"])
        for name, spec in services.items()
        if "celery -A config worker" in str(spec.get("command", ""))
    }
    known = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    known |= {settings.CELERY_TASK_DEFAULT_QUEUE, QUEUE_GPU}
    schedule: dict[str, dict[str, Any]] = settings.CELERY_BEAT_SCHEDULE
    known |= {e["options"]["queue"] for e in schedule.values() if "options" in e}
    assert set().union(*consumed.values()) == known
    # Candidates' code runs only where the Docker engine is, never on the web host.
    # Workers reach it only through the socket proxy, which alone holds the engine's socket.
    for name, queues in consumed.items():
        has_engine = PROXY_SOCKET in services[name]["volumes"]
        assert has_engine == bool(queues & {QUEUE_CPU, QUEUE_GPU}), name
        assert not (QUEUE_CPU in queues and QUEUE_GPU in queues), name
        assert SOCKET not in services[name]["volumes"], name
        if has_engine:
            assert services[name]["environment"]["DOCKER_HOST"].endswith("docker-proxy.sock")
    assert [n for n, spec in services.items() if SOCKET in spec.get("volumes", [])] == [
        "docker-proxy"
    ]
    for name in ("web", "beat"):
        assert PROXY_SOCKET not in services[name]["volumes"]


def test_gpu_workers_are_one_process_per_distinct_device(
    compose: dict[str, dict[str, Any]],
) -> None:
    gpu = compose["compose.worker-gpu.yml"]["services"]
    devices, hostnames = [], []
    gpu = {name: spec for name, spec in gpu.items() if name != "docker-proxy"}
    for name, spec in gpu.items():
        command = spec["command"]
        assert queues_of(command) == {QUEUE_GPU}, name
        assert option(command, "--concurrency") == "1", name
        assert option(command, "--prefetch-multiplier") == "1", name
        devices.append(resolve(spec["environment"]["SANDBOX_GPU_DEVICE"]))
        hostnames.append(option(command, "--hostname"))
    assert len(set(devices)) == len(devices) == len(gpu)
    assert len(set(hostnames)) == len(hostnames)


def test_gpu_worker_environment_pins_each_sandbox_to_its_device(
    compose: dict[str, dict[str, Any]],
) -> None:
    """A worker process started with a GPU service's environment asks the engine for
    exactly that device, for every GPU run (settings → sandbox → device request)."""
    probe = (
        "import django, json; django.setup()\n"
        "from sandbox import Limits, RunSpec\n"
        "from sandbox.docker_config import container_config\n"
        "spec = RunSpec(image='x', command=('true',), limits=Limits(gpus=1))\n"
        "host = container_config(spec, 'r', cgroup_parent=None)['host_config']\n"
        "print(json.dumps([dict(r) for r in host['device_requests']]))\n"
    )
    for name, spec in compose["compose.worker-gpu.yml"]["services"].items():
        if name == "docker-proxy":
            continue
        device = resolve(spec["environment"]["SANDBOX_GPU_DEVICE"])
        env = {"SANDBOX_GPU_DEVICE": device, "DJANGO_SETTINGS_MODULE": "config.settings"}
        out = subprocess.run(
            [sys.executable, "-c", probe],
            cwd=ROOT,
            env={**_base_env(), **env},
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
        requests = json.loads(out.strip().splitlines()[-1])
        assert len(requests) == 1, name
        assert requests[0]["DeviceIDs"] == [device] and requests[0]["Capabilities"] == [["gpu"]]


def _base_env() -> dict[str, str]:
    keep = ("PATH", "HOME", "DATABASE_URL", "LANG")
    return {key: os.environ[key] for key in keep if key in os.environ}


def test_no_database_broker_or_worker_port_is_public(services: dict[str, dict[str, Any]]) -> None:
    for name, spec in services.items():
        for port in spec.get("ports", []):
            parts = str(port).split(":")
            # host address : host port : container port, the address a variable
            # whose default (if any) is loopback.
            assert len(parts) >= 3, f"{name} publishes {port} on every interface"
            address = resolve(":".join(parts[:-2]))
            assert address in ("127.0.0.1", "set"), f"{name} publishes {port}"
            if parts[-1] in WORKER_PORTS:
                assert "PRIVATE_BIND_ADDRESS" in port, f"{name} publishes {port}"
        if name.startswith(("worker", "gpu")):
            assert "ports" not in spec, name


def test_app_services_share_settings_and_the_private_storage(
    services: dict[str, dict[str, Any]],
) -> None:
    shared = ("DATABASE_URL", "REDIS_URL", "PRIVATE_STORAGE_DIR", "DJANGO_SECRET_KEY")
    apps = app_services(services)
    first = apps["web"]["environment"]
    for name, spec in apps.items():
        env = spec["environment"]
        assert {k: env[k] for k in shared} == {k: first[k] for k in shared}, name
        path = env["PRIVATE_STORAGE_DIR"]
        # Same path inside and outside: the host's engine resolves sandbox bind mounts.
        assert f"{path}:{path}" in spec["volumes"], name


@pytest.mark.parametrize("name", FILES)
def test_docker_compose_accepts_the_file(name: str, tmp_path: Path) -> None:
    version = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
    if version.returncode != 0:
        pytest.skip("the docker compose CLI plugin is not installed here")
    env_file = tmp_path / ".env"
    values = {"DJANGO_SECRET_KEY": "x", "CREDENTIAL_KEY_SECRET": "x", "POSTGRES_PASSWORD": "x"}
    text = (DEPLOY / "env.example").read_text()
    env_file.write_text(
        re.sub(r"^(\w+)=$", lambda m: f"{m[1]}={values.get(m[1], '')}", text, flags=re.M)
    )
    done = subprocess.run(
        [
            "docker",
            "compose",
            "--env-file",
            str(env_file),
            "-f",
            str(DEPLOY / name),
            "config",
            "-q",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
