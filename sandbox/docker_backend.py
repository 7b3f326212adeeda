"""The Docker backend: one fresh, locked-down container per run.

The life of a run: create (every limit in the host config, ``docker_config``) →
attach → start → watch (our wall clock, output caps, writable-space caps, OOM kills:
``docker_watch``) → kill → wait → inspect → read the cgroup totals → remove (in the
background, ``removal``). With the pool (``pool``) the create, attach and start
happened before the run, and "start" is the go signal to the container's gate.
Nothing is ever executed in a running container. The docker SDK stays behind the
``docker_*`` modules.
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

from sandbox import conf, writable
from sandbox.docker_config import create_container, new_run_id
from sandbox.docker_engine import (
    SandboxInfrastructureError,
    api_client,
    engine_is_local,
    use_cgroup_parent,
)
from sandbox.docker_watch import close_socket, watch
from sandbox.pool import (
    POOL_COPY_MAX_BYTES,
    ContainerPool,
    Slot,
    SlotUnusable,
    get_pool,
    inputs_link,
    inputs_unlink,
    run_labels_record,
)
from sandbox.removal import Removal, removal_schedule
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
    stack: contextlib.ExitStack,
    spec: RunSpec,
    *,
    uid: int,
    use_tmpfs: bool,
    areas: list[writable.WritableArea],
) -> Mount:
    """The mount as a fresh container gets it: a writable one through its capped tmpfs
    area (or made writable for the sandbox user). Cleanups go on ``stack``."""
    host = Path(mount.host_path)
    if mount.writable and use_tmpfs:
        if not host.is_dir() or host.is_symlink():
            raise SandboxInfrastructureError(f"writable mount {host} is not a directory")
        area = stack.enter_context(
            writable.WritableArea(
                host, size_mb=spec.limits.writable_mb, max_files=spec.limits.writable_files, uid=uid
            )
        )
        areas.append(area)
        assert area.path is not None
        return replace(mount, host_path=area.path)
    if mount.writable:
        _prepare_writable(host, uid)
    return mount


def _mount_sources_check(spec: RunSpec) -> None:
    for mount in spec.mounts:
        if not Path(mount.host_path).exists():
            raise SandboxInfrastructureError(f"mount source {mount.host_path} does not exist")


def _pool(*, use_tmpfs: bool) -> ContainerPool | None:
    """This process's pool, if any. A pooled container needs the host-side slots (root
    on the Docker host), the same condition as the tmpfs areas."""
    return get_pool() if use_tmpfs else None


def run(spec: RunSpec) -> RunResult:
    """Run ``spec`` in a fresh (or pre-started pooled, never used) container and return
    its result; never raises for the candidate's failures, and turns infrastructure
    failures into ``sandbox_error``. The container is removed right after, in the
    background (``sandbox.removal``)."""
    started = time.monotonic()
    run_id = new_run_id()
    try:
        client = api_client()
        use_parent = use_cgroup_parent()
        use_tmpfs = _tmpfs_areas_enabled()
        _mount_sources_check(spec)
        pool = _pool(use_tmpfs=use_tmpfs)
        with pool.running() if pool is not None else contextlib.nullcontext():
            slot = pool.take(spec, use_parent=use_parent) if pool is not None else None
            if slot is not None:
                try:
                    return _run_pooled(client, spec, slot, use_parent=use_parent)
                except SlotUnusable as exc:
                    logger.warning("pooled container %s not used: %s", slot.run_id, exc)
            return _run_fresh(client, spec, run_id, use_parent=use_parent, use_tmpfs=use_tmpfs)
    except docker.errors.ImageNotFound as exc:
        return _infra_result(run_id, started, f"image {spec.image!r} not found: {exc.explanation}")
    except INFRASTRUCTURE_ERRORS as exc:
        logger.exception("sandbox run %s failed in the infrastructure", run_id)
        return _infra_result(run_id, started, f"{type(exc).__name__}: {exc}")


INFRASTRUCTURE_ERRORS = (
    docker.errors.DockerException,
    requests.RequestException,
    SandboxInfrastructureError,
    subprocess.SubprocessError,
    OSError,
)


def _run_fresh(
    client: docker.APIClient, spec: RunSpec, run_id: str, *, use_parent: bool, use_tmpfs: bool
) -> RunResult:
    container_id: str | None = None
    try:
        with contextlib.ExitStack() as stack:
            uid = conf.sandbox_uid()
            areas: list[writable.WritableArea] = []
            mounts = tuple(
                _effective_mount(mount, stack, spec, uid=uid, use_tmpfs=use_tmpfs, areas=areas)
                for mount in spec.mounts
            )
            effective = replace(spec, mounts=mounts)
            container_id = create_container(effective, run_id=run_id)
            return watch(client, effective, run_id, container_id, use_parent, areas)
    finally:
        removal_schedule(Removal(container_id, run_id, use_parent))


def _run_pooled(
    client: docker.APIClient, spec: RunSpec, slot: Slot, *, use_parent: bool
) -> RunResult:
    """The run on a pre-started container: its inputs into the slot, the go signal,
    the watch, the writable areas copied back; the container and slot removed after."""
    try:
        run_labels_record(slot.run_id, spec.run_labels)
        areas: list[writable.WritableArea] = []
        budget = [POOL_COPY_MAX_BYTES]
        for index, mount in enumerate(spec.mounts):
            source = Path(mount.host_path)
            if mount.writable:
                if source.is_symlink() or not source.is_dir():
                    raise SandboxInfrastructureError(f"writable mount {source} is not a directory")
                area = slot.areas[index]
                area.host_path = source
                area.fill()
                areas.append(area)
            else:
                inputs_link(source, slot.paths[index], budget)
        effective = replace(
            spec,
            mounts=tuple(
                replace(m, host_path=p) for m, p in zip(spec.mounts, slot.paths, strict=True)
            ),
        )

        result = watch(
            client, effective, slot.run_id, slot.container_id, use_parent, areas,
            attached=slot.sock, go=lambda: slot.go(client),
        )  # fmt: skip
        for area in areas:
            area.copy_back()
        return result
    finally:
        slot.close_gate_fd()
        close_socket(slot.sock)
        for index, mount in enumerate(spec.mounts):
            if not mount.writable:
                inputs_unlink(slot.paths[index])
        removal_schedule(
            Removal(slot.container_id, slot.run_id, use_parent, cleanups=slot.cleanups())
        )


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
