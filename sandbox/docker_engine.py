"""The connection to the Docker engine: one low-level client per process, the ping,
and whether per-run cgroup parents can be used. The docker SDK stays behind this
module and the other ``docker_*`` modules."""

from __future__ import annotations

import math
import os
import threading

import docker
import requests

from sandbox import cgroups, conf


class SandboxInfrastructureError(Exception):
    """The engine or the image failed; never the candidate's fault."""


_client_lock = threading.Lock()
_clients: dict[tuple[int, float], docker.APIClient] = {}


def api_client(timeout: float | None = None) -> docker.APIClient:
    """A low-level client for this process (rebuilt after a fork)."""
    timeout = conf.docker_timeout() if timeout is None else timeout
    key = (os.getpid(), timeout)
    with _client_lock:
        client = _clients.get(key)
        if client is None:
            client = docker.from_env(timeout=math.ceil(timeout)).api
            _clients[key] = client
        return client


def engine_available(timeout: float = 3.0) -> bool:
    """Whether a Docker engine answers a ping within ``timeout`` seconds."""
    try:
        return bool(api_client(timeout).ping())
    except (docker.errors.DockerException, requests.RequestException, OSError):
        return False


_cgroup_driver: str | None = None


def _engine_cgroup_driver() -> str:
    """The engine's cgroup driver, remembered once the engine has answered."""
    global _cgroup_driver
    if _cgroup_driver is None:
        _cgroup_driver = str(api_client().info().get("CgroupDriver", ""))
    return _cgroup_driver


def engine_is_local() -> bool:
    """Whether the engine runs on this host (a unix socket), so that host paths such
    as cgroups, tmpfs areas and pool slots are the engine's too."""
    host = os.environ.get("DOCKER_HOST", "")
    return host == "" or host.startswith("unix://")


def use_cgroup_parent() -> bool:
    """Per-run cgroup parents need the cgroupfs driver and its tree visible here."""
    return (
        engine_is_local()
        and cgroups.cgroup_version() is not None
        and _engine_cgroup_driver() == "cgroupfs"
    )
