"""What the engine is asked for: the created (never started) container's host config,
the GPU device request, seccomp support, and the janitor."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from sandbox import Limits, RunSpec, janitor_sweep
from sandbox.docker_config import LABEL, create_container
from sandbox.docker_engine import api_client

from .conftest import TEST_LABEL

pytestmark = pytest.mark.docker

Create = Callable[..., dict[str, Any]]


@pytest.fixture
def created(sandbox_image: str, test_label: str) -> Iterator[Create]:
    ids: list[str] = []

    def _create(**limits: Any) -> dict[str, Any]:
        spec = RunSpec(
            image=sandbox_image,
            command=("python3", "-c", "print(1)"),
            limits=Limits(**limits),
            labels={TEST_LABEL: test_label},
        )
        container_id = create_container(spec)
        ids.append(container_id)
        return dict(api_client().inspect_container(container_id))

    yield _create
    for container_id in ids:
        api_client().remove_container(container_id, force=True)


def test_engine_applies_seccomp() -> None:
    options = api_client().info()["SecurityOptions"]
    assert any(option.startswith("name=seccomp") for option in options), options


def test_created_container_is_locked_down(created: Create) -> None:
    attrs = created(memory_mb=128, cpus=0.5, pids=32, output_bytes=1000)
    host = attrs["HostConfig"]
    config = attrs["Config"]

    assert host["NetworkMode"] == "none"
    assert host["CapDrop"] == ["ALL"]
    assert host["ReadonlyRootfs"] is True
    assert "no-new-privileges:true" in host["SecurityOpt"]
    seccomp = next(o for o in host["SecurityOpt"] if o.startswith("seccomp="))
    assert json.loads(seccomp.removeprefix("seccomp="))["defaultAction"] == "SCMP_ACT_ERRNO"
    assert host["Memory"] == host["MemorySwap"] == 128 * 1024 * 1024
    assert host["NanoCpus"] == 500_000_000
    assert host["PidsLimit"] == 32
    assert host["Init"] is True
    assert host["IpcMode"] == "private"
    assert host["ShmSize"] == 64 * 1024 * 1024
    assert host["LogConfig"] == {"Type": "json-file", "Config": {"max-file": "1", "max-size": "1m"}}
    assert "/tmp" in host["Tmpfs"]
    assert {u["Name"]: u["Hard"] for u in host["Ulimits"]}["core"] == 0
    assert host["DeviceRequests"] in (None, [])
    assert config["User"] == "10001:10001"
    assert config["Labels"][LABEL] == "1"
    assert config["NetworkDisabled"] is True


def test_gpu_run_requests_exactly_one_device(created: Create) -> None:
    any_one = created(gpus=1)["HostConfig"]["DeviceRequests"]
    chosen = created(gpus=1, gpu_device="3")["HostConfig"]["DeviceRequests"]

    assert len(any_one) == 1
    assert any_one[0]["Count"] == 1
    assert any_one[0]["Capabilities"] == [["gpu"]]
    assert len(chosen) == 1
    assert chosen[0]["DeviceIDs"] == ["3"]
    assert chosen[0]["Capabilities"] == [["gpu"]]


def test_gpu_device_from_settings(created: Create, settings: SettingsWrapper) -> None:
    settings.SANDBOX_GPU_DEVICE = "MIG-1234"

    requests = created(gpus=1)["HostConfig"]["DeviceRequests"]

    assert requests[0]["DeviceIDs"] == ["MIG-1234"]


def test_janitor_removes_orphans_and_spares_young_containers(
    sandbox_image: str, test_label: str
) -> None:
    spec = RunSpec(
        image=sandbox_image,
        command=("sleep", "600"),
        labels={TEST_LABEL: test_label},
    )
    client = api_client()
    orphan = create_container(spec)
    client.start(orphan)  # a worker "crashed" while this ran

    assert janitor_sweep(3600, labels={TEST_LABEL: test_label}) == 0
    assert janitor_sweep(0, labels={TEST_LABEL: test_label}) == 1
    assert client.containers(all=True, filters={"id": orphan, "label": [f"{LABEL}=1"]}) == []
    assert janitor_sweep(0, labels={TEST_LABEL: test_label}) == 0
