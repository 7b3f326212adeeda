"""The Docker backend: one fresh, locked-down container per run.

The life of a run: create (every limit in the host config, ``docker_config``) →
attach → start → watch (our wall clock, output caps, writable-space caps, OOM kills:
``docker_watch``) → kill → wait → inspect → read the cgroup totals → remove. Nothing
is ever executed in or copied into a running container. The docker SDK stays behind
the ``docker_*`` modules.
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import time
from dataclasses import replace
from pathlib import Path

import docker
import requests

from sandbox import cgroups, conf, writable
from sandbox.docker_config import create_container, new_run_id
from sandbox.docker_engine import (
    SandboxInfrastructureError,
    api_client,
    engine_is_local,
    use_cgroup_parent,
)
from sandbox.docker_watch import watch
from sandbox.pool import Slot, bind_mount, detach, get_pool, remove_slot_dir
from sandbox.types import Mount, RunResult, RunSpec, Verdict

logger = logging.getLogger(__name__)


def _prepare_writable(path: Path, uid: int) -> None:
    """Let the sandbox user write into a caller-created directory."""
    if not path.is_dir() or path.is_symlink():
        raise SandboxInfrastructureError(f"writable mount {path} is not a directory")
    if os.geteuid() == 0:
        os.chown(path, uid, uid)
        path.chmod(0o755)
    else:
        # A non-root worker cannot give the directory away; the caller keeps it in a
        # private parent directory, so world-writable is acceptable here.
        path.chmod(0o777)


def _tmpfs_areas_enabled() -> bool:
    setting = conf.get("SANDBOX_WRITABLE_TMPFS", "auto")
    if str(setting).lower() == "auto":
        return writable.available() and engine_is_local()
    return conf.get_bool("SANDBOX_WRITABLE_TMPFS", False)


def _effective_mount(
    mount: Mount,
    slot_path: Path | None,
    stack: contextlib.ExitStack,
    spec: RunSpec,
    *,
    uid: int,
    use_tmpfs: bool,
    areas: list[writable.WritableArea],
) -> Mount:
    """The mount as the container gets it: a writable one through its capped tmpfs
    area (or made writable for the sandbox user), a read-only one bound onto its pool
    slot when the container comes from the pool. Cleanups go on ``stack``."""
    host = Path(mount.host_path)
    if mount.writable and use_tmpfs:
        if not host.is_dir() or host.is_symlink():
            raise SandboxInfrastructureError(f"writable mount {host} is not a directory")
        area = stack.enter_context(
            writable.WritableArea(
                host,
                size_mb=spec.limits.writable_mb,
                max_files=spec.limits.writable_files,
                uid=uid,
                mountpoint=slot_path,
            )
        )
        areas.append(area)
        assert area.path is not None
        return replace(mount, host_path=area.path)
    if mount.writable:
        _prepare_writable(host, uid)
    elif slot_path is not None:
        # The pooled container binds slot_path; put the caller's directory there
        # before it starts (read-only in the container).
        bind_mount(host, slot_path)
        stack.callback(detach, slot_path)
        return replace(mount, host_path=slot_path)
    return mount


def _mount_sources_check(spec: RunSpec) -> None:
    for mount in spec.mounts:
        if not Path(mount.host_path).exists():
            raise SandboxInfrastructureError(f"mount source {mount.host_path} does not exist")


def _pooled_slot(spec: RunSpec, *, use_tmpfs: bool, use_parent: bool) -> Slot | None:
    """A ready container from the pool, if there is one for ``spec``'s shape. A pooled
    container needs the host-side mounts (root on the Docker host), the same condition
    as the tmpfs areas."""
    pool = get_pool() if use_tmpfs else None
    return pool.take(spec, use_parent=use_parent) if pool is not None else None


def run(spec: RunSpec) -> RunResult:
    """Run ``spec`` in a fresh container and return its result; never raises for the
    candidate's failures, and turns infrastructure failures into ``sandbox_error``."""
    run_id = new_run_id()
    started = time.monotonic()
    client: docker.APIClient | None = None
    container_id: str | None = None
    use_parent = False
    slot: Slot | None = None
    try:
        client = api_client()
        use_parent = use_cgroup_parent()
        uid = conf.sandbox_uid()
        use_tmpfs = _tmpfs_areas_enabled()
        with contextlib.ExitStack() as stack:
            _mount_sources_check(spec)
            slot = _pooled_slot(spec, use_tmpfs=use_tmpfs, use_parent=use_parent)
            if slot is not None:
                run_id, container_id = slot.run_id, slot.container_id
            areas: list[writable.WritableArea] = []
            mounts = tuple(
                _effective_mount(
                    mount,
                    slot.paths[index] if slot is not None else None,
                    stack,
                    spec,
                    uid=uid,
                    use_tmpfs=use_tmpfs,
                    areas=areas,
                )
                for index, mount in enumerate(spec.mounts)
            )
            effective = replace(spec, mounts=mounts)
            if container_id is None:
                container_id = create_container(effective, run_id=run_id)
            return watch(client, effective, run_id, container_id, use_parent, areas)
    except docker.errors.ImageNotFound as exc:
        return _infra_result(run_id, started, f"image {spec.image!r} not found: {exc.explanation}")
    except (
        docker.errors.DockerException,
        requests.RequestException,
        SandboxInfrastructureError,
        subprocess.SubprocessError,
        OSError,
    ) as exc:
        logger.exception("sandbox run %s failed in the infrastructure", run_id)
        return _infra_result(run_id, started, f"{type(exc).__name__}: {exc}")
    finally:
        if client is not None and container_id is not None:
            with contextlib.suppress(docker.errors.APIError, requests.RequestException):
                client.remove_container(container_id, force=True)
        if slot is not None:
            remove_slot_dir(slot.run_id)
        if use_parent:
            cgroups.remove_parent(run_id)


def _infra_result(run_id: str, started: float, detail: str) -> RunResult:
    return RunResult(
        verdict=Verdict.SANDBOX_ERROR,
        exit_code=None,
        wall_seconds=time.monotonic() - started,
        cpu_seconds=None,
        peak_memory_mb=None,
        stdout="",
        stderr="",
        detail=detail,
        backend="docker",
        run_id=run_id,
    )
