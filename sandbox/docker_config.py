"""The configuration of a sandbox container: every isolation measure lives in
``container_config``. Creating a container (never starting it) is here too, shared
by a fresh run and the pool."""

from __future__ import annotations

import functools
import math
import time
import uuid
from pathlib import Path
from typing import Any

from docker.types import DeviceRequest, LogConfig, Ulimit
from docker.types import Mount as DockerMount

from sandbox import cgroups, conf
from sandbox.docker_engine import api_client, use_cgroup_parent
from sandbox.owner import LABEL_OWNER, owner_id
from sandbox.types import MB, RunSpec

LABEL = "cert-engine.sandbox"
LABEL_RUN_ID = "cert-engine.sandbox.run-id"
LABEL_CREATED = "cert-engine.sandbox.created"
SECCOMP_PROFILE = Path(__file__).resolve().parent / "seccomp" / "profile.json"
CONTAINER_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
CONTAINER_TMP = "/tmp"  # noqa: S108 - a private tmpfs inside the container


@functools.cache
def seccomp_profile() -> str:
    return SECCOMP_PROFILE.read_text()


def new_run_id() -> str:
    return uuid.uuid4().hex[:16]


def _device_requests(spec: RunSpec) -> list[DeviceRequest]:
    if spec.limits.gpus == 0:
        return []
    device = spec.limits.gpu_device or conf.gpu_device()
    if device:
        return [DeviceRequest(device_ids=[device], capabilities=[["gpu"]])]
    return [DeviceRequest(count=1, capabilities=[["gpu"]])]


def _environment(spec: RunSpec) -> dict[str, str]:
    threads = str(max(1, math.ceil(spec.limits.cpus)))
    return {
        "PATH": CONTAINER_PATH,
        "HOME": CONTAINER_TMP,
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "OMP_NUM_THREADS": threads,
        "MKL_NUM_THREADS": threads,
        "OPENBLAS_NUM_THREADS": threads,
        **spec.env,
    }


def _host_config(spec: RunSpec, *, cgroup_parent: str | None) -> dict[str, Any]:
    """No network, no capabilities, read-only root, seccomp, and every limit."""
    limits = spec.limits
    memory = limits.memory_mb * MB
    fsize = limits.writable_mb * MB
    cpu_seconds = limits.effective_cpu_seconds
    host_config: dict[str, Any] = {
        "network_mode": "none",
        "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges:true", f"seccomp={seccomp_profile()}"],
        "read_only": True,
        "tmpfs": {CONTAINER_TMP: f"rw,nosuid,nodev,size={limits.tmp_mb}m,mode=1777"},
        "mounts": [
            DockerMount(
                target=m.container_path,
                source=str(Path(m.host_path).resolve()),
                type="bind",
                read_only=not m.writable,
            )
            for m in spec.mounts
        ],
        "mem_limit": memory,
        "memswap_limit": memory,
        "nano_cpus": int(limits.cpus * 1e9),
        "pids_limit": limits.pids,
        "ulimits": [
            Ulimit(name="nofile", soft=limits.nofile, hard=limits.nofile),
            Ulimit(name="fsize", soft=fsize, hard=fsize),
            Ulimit(name="core", soft=0, hard=0),
            Ulimit(name="cpu", soft=cpu_seconds, hard=cpu_seconds + 1),
        ],
        "init": True,
        "ipc_mode": "private",
        "shm_size": limits.shm_mb * MB,
        "log_config": LogConfig(
            type=LogConfig.types.JSON, config={"max-size": "1m", "max-file": "1"}
        ),
        "oom_score_adj": 500,
        "device_requests": _device_requests(spec),
    }
    if cgroup_parent:
        host_config["cgroup_parent"] = cgroup_parent
    return host_config


def container_config(spec: RunSpec, run_id: str, *, cgroup_parent: str | None) -> dict[str, Any]:
    """The create-container arguments for ``spec``: every isolation measure lives here."""
    uid = conf.sandbox_uid()
    labels = {
        **spec.labels,
        **spec.run_labels,
        LABEL: "1",
        LABEL_RUN_ID: run_id,
        LABEL_CREATED: str(int(time.time())),
        LABEL_OWNER: owner_id(),
    }
    return {
        "image": spec.image,
        "command": list(spec.command),
        "user": f"{uid}:{uid}",
        "environment": _environment(spec),
        "labels": labels,
        "working_dir": spec.workdir,
        "hostname": "sandbox",
        "name": f"cert-sandbox-{run_id}",
        "network_disabled": True,
        "stdin_open": False,
        "tty": False,
        "host_config": _host_config(spec, cgroup_parent=cgroup_parent),
    }


def create_container(spec: RunSpec, *, run_id: str | None = None) -> str:
    """Create (never start) the container for ``spec``; return its id. Used by ``run``,
    by the pool, and by tests that inspect the host config (e.g. the GPU device
    request)."""
    run_id = run_id or new_run_id()
    client = api_client()
    use_parent = use_cgroup_parent()
    config = container_config(
        spec, run_id, cgroup_parent=cgroups.parent_for(run_id) if use_parent else None
    )
    config["host_config"] = client.create_host_config(**config["host_config"])
    created = client.create_container(**config)
    return str(created["Id"])
