"""Watching a started sandbox container from the outside: our wall clock, output
caps, writable-space caps and OOM kills, then the verdict. Nothing is ever executed
in or copied into a running container."""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import docker
import requests
from docker.utils.socket import demux_adaptor, frames_iter

from sandbox import cgroups, conf, writable
from sandbox.types import MB, RunResult, RunSpec, Verdict
from sandbox.watch import (
    DISK_FULL_MARKERS,
    OutputStream,
    WritableUsage,
    exit_detail,
    scan_writable,
)

POLL_SECONDS = 0.05
WRITABLE_SCAN_SECONDS = 0.05
SIGXCPU_EXIT = 128 + signal.SIGXCPU
SIGXFSZ_EXIT = 128 + signal.SIGXFSZ


class _Reader(threading.Thread):
    """Drains the attach stream, keeping at most the cap of each of stdout/stderr."""

    def __init__(
        self, stream: Iterator[tuple[bytes | None, bytes | None]], cap: int, wake: threading.Event
    ) -> None:
        super().__init__(daemon=True)
        self.stream = stream
        self.stdout = OutputStream(cap)
        self.stderr = OutputStream(cap)
        self.wake = wake
        self.finished = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            for out, err in self.stream:
                over = False
                if out:
                    over |= self.stdout.feed(out)
                if err:
                    over |= self.stderr.feed(err)
                if over:
                    self.wake.set()
        except Exception as exc:
            self.error = exc
        finally:
            self.finished.set()
            self.wake.set()


@dataclass
class _Watched:
    """What the watch saw while the container ran."""

    timed_out: bool = False
    killed_for: str = ""
    polled_oom: int = 0


@dataclass(frozen=True)
class _Ending:
    """How the container ended, as the engine and its cgroup report it."""

    exit_code: int
    oom_flag: bool
    wall: float
    reading: cgroups.CgroupReading


def _kill(client: docker.APIClient, container_id: str) -> None:
    with contextlib.suppress(docker.errors.APIError, requests.RequestException):
        client.kill(container_id)


def attach_output(client: docker.APIClient, container_id: str) -> Any:
    """The container's stdout/stderr attach stream (before it starts: nothing is lost)."""
    sock = client.attach_socket(
        container_id, params={"stdout": 1, "stderr": 1, "stream": 1, "logs": 0}
    )
    # The SDK leaves the API timeout on the socket; a quiet candidate must not end the
    # stream, so reads block until the container closes its output.
    for candidate in (sock, getattr(sock, "_sock", None)):
        settimeout = getattr(candidate, "settimeout", None)
        if settimeout is not None:
            settimeout(None)
    return sock


def close_socket(sock: Any) -> None:
    for candidate in (getattr(sock, "_sock", None), sock):
        close = getattr(candidate, "close", None)
        if close is not None:
            with contextlib.suppress(OSError):
                close()


def watch(
    client: docker.APIClient,
    spec: RunSpec,
    run_id: str,
    container_id: str,
    use_parent: bool,
    areas: list[writable.WritableArea],
    *,
    attached: Any = None,
    go: Callable[[], None] | None = None,
) -> RunResult:
    """Starts the created container ``container_id`` (or, for a pre-started pooled one,
    calls ``go`` on its already ``attached`` stream), watches it until it ends or breaks
    a limit (then kills it), and returns its result. The wall clock starts there."""
    return _Watch(client, spec, run_id, container_id, use_parent, areas).run(attached, go)


class _Watch:
    """One container from start to result."""

    def __init__(
        self,
        client: docker.APIClient,
        spec: RunSpec,
        run_id: str,
        container_id: str,
        use_parent: bool,
        areas: list[writable.WritableArea],
    ) -> None:
        self.client = client
        self.spec = spec
        self.run_id = run_id
        self.container_id = container_id
        self.use_parent = use_parent
        self.areas = areas
        self.wake = threading.Event()
        self.usage = WritableUsage()
        # Without tmpfs areas the writable directories are polled (the weaker fallback).
        self.has_writable = not areas and any(m.writable for m in spec.mounts)
        self.watched = _Watched()

    def run(self, attached: Any, go: Callable[[], None] | None) -> RunResult:
        limits = self.spec.limits
        sock = attach_output(self.client, self.container_id) if attached is None else attached
        frames = (demux_adaptor(*frame) for frame in frames_iter(sock, tty=False))
        reader = _Reader(frames, limits.output_bytes, self.wake)
        baseline = cgroups.CgroupReading(None, None, 0)
        try:
            if go is None:
                reader.start()
                self.client.start(self.container_id)
            else:
                # The gate's own CPU time (interpreter start, preload) is not the run's.
                if self.use_parent:
                    baseline = cgroups.read_parent(self.run_id)
                go()
                reader.start()
        except BaseException:
            if not reader.is_alive():
                close_socket(sock)
            raise
        start = time.monotonic()
        deadline = start + limits.wall_seconds
        self._loop(reader, deadline)
        status = self._stop(deadline)
        wall = time.monotonic() - start
        reader.join(timeout=5)
        close_socket(sock)
        state = self.client.inspect_container(self.container_id)["State"]
        reading = (
            cgroups.read_parent(self.run_id)
            if self.use_parent
            else cgroups.CgroupReading(None, None, 0)
        )
        if reading.cpu_seconds is not None and baseline.cpu_seconds is not None:
            reading = replace(
                reading, cpu_seconds=max(0.0, reading.cpu_seconds - baseline.cpu_seconds)
            )
        ending = _Ending(
            exit_code=int(state.get("ExitCode", status.get("StatusCode", -1))),
            oom_flag=bool(state.get("OOMKilled")),
            wall=wall,
            reading=reading,
        )
        self._final_writable_check()
        return _result(self.spec, self.run_id, reader, self.usage, self.watched, ending)

    def _loop(self, reader: _Reader, deadline: float) -> None:
        """Until the output stream ends: the wall clock, the output caps, the cgroup's
        OOM kills and (polled) the writable space; notes why the container must go."""
        watched = self.watched
        next_scan = time.monotonic() + WRITABLE_SCAN_SECONDS
        while not reader.finished.is_set():
            now = time.monotonic()
            if now >= deadline:
                watched.timed_out = True
                watched.killed_for = "wall clock"
                break
            self.wake.wait(timeout=min(POLL_SECONDS, deadline - now))
            self.wake.clear()
            if reader.stdout.over or reader.stderr.over:
                watched.killed_for = "output cap"
                break
            if self.use_parent:
                watched.polled_oom = max(
                    watched.polled_oom, cgroups.container_oom_kills(self.run_id, self.container_id)
                )
            if self.has_writable and time.monotonic() >= next_scan:
                scan_writable(self.spec, self.usage, final=False)
                next_scan = time.monotonic() + WRITABLE_SCAN_SECONDS
                if self.usage.over:
                    watched.killed_for = "writable space"
                    break

    def _stop(self, deadline: float) -> dict[str, Any]:
        """Waits for the container to end, killing it first when the watch says so;
        returns the engine's wait status."""
        status: dict[str, Any] = {}
        if not self.watched.killed_for:
            # The stream ended; the container is normally gone too. Wait for it within
            # what is left of the wall clock.
            try:
                status = self.client.wait(
                    self.container_id, timeout=max(1.0, deadline - time.monotonic())
                )
            except requests.RequestException:
                self.watched.timed_out = True
                self.watched.killed_for = "wall clock"
        if self.watched.killed_for:
            _kill(self.client, self.container_id)
            status = self.client.wait(self.container_id, timeout=max(conf.docker_timeout(), 5))
        return status

    def _final_writable_check(self) -> None:
        if self.has_writable and not self.usage.over:
            scan_writable(self.spec, self.usage, final=True)
        for area in self.areas:
            reason = area.full()
            if reason and not self.usage.over:
                self.usage.over, self.usage.reason = True, reason


def _peak_mb(reading: cgroups.CgroupReading) -> float | None:
    return None if reading.peak_memory_bytes is None else reading.peak_memory_bytes / MB


def _verdict(
    spec: RunSpec,
    reader: _Reader,
    usage: WritableUsage,
    watched: _Watched,
    ending: _Ending,
) -> tuple[Verdict, list[str], bool]:
    """The verdict, its details, and whether the run ran out of memory."""
    limits = spec.limits
    exit_code = ending.exit_code
    peak_mb = _peak_mb(ending.reading)
    oom = ending.oom_flag or watched.polled_oom > 0 or ending.reading.oom_kills > 0
    if not oom and exit_code == 137 and not watched.killed_for and peak_mb is not None:
        # SIGKILL that we did not send, with memory at the limit: the kernel's OOM
        # killer whose event the engine did not report.
        oom = peak_mb >= 0.95 * limits.memory_mb
    disk_full = exit_code != 0 and any(m in reader.stderr.text() for m in DISK_FULL_MARKERS)
    if watched.timed_out:
        return Verdict.TIME_LIMIT, [f"killed after {limits.wall_seconds:g} s wall clock"], oom
    if exit_code == SIGXCPU_EXIT:
        return Verdict.TIME_LIMIT, ["CPU-time limit (SIGXCPU)"], oom
    if oom:
        return Verdict.MEMORY_LIMIT, [f"out of memory (limit {limits.memory_mb} MB)"], oom
    if reader.stdout.over or reader.stderr.over:
        return Verdict.OUTPUT_LIMIT, [f"stdout/stderr over {limits.output_bytes} bytes"], oom
    if usage.over:
        return Verdict.OUTPUT_LIMIT, [usage.reason], oom
    if exit_code == SIGXFSZ_EXIT or disk_full:
        return Verdict.OUTPUT_LIMIT, ["writable space full"], oom
    if exit_code != 0:
        return Verdict.RUNTIME_ERROR, [exit_detail(exit_code)], oom
    return Verdict.OK, [], oom


def _result(
    spec: RunSpec,
    run_id: str,
    reader: _Reader,
    usage: WritableUsage,
    watched: _Watched,
    ending: _Ending,
) -> RunResult:
    verdict, details, oom = _verdict(spec, reader, usage, watched, ending)
    if reader.error is not None:
        details.append(f"output stream ended early: {reader.error}")
    reading = ending.reading
    return RunResult(
        verdict=verdict,
        exit_code=ending.exit_code,
        wall_seconds=ending.wall,
        cpu_seconds=reading.cpu_seconds,
        peak_memory_mb=_peak_mb(reading),
        stdout=reader.stdout.text(),
        stderr=reader.stderr.text(),
        detail="; ".join(details),
        stdout_truncated=reader.stdout.over,
        stderr_truncated=reader.stderr.over,
        oom_killed=oom,
        backend="docker",
        run_id=run_id,
    )
