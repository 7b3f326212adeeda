"""Hostile code: each attempt fails inside the sandbox, and the host is unharmed (no
container outlives its run, the next run works)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from sandbox import Mount, UnsafeOutputFileError, Verdict, read_output_files

from .conftest import RunPy

pytestmark = pytest.mark.docker

KERNEL_SURFACE = """
import ctypes, json, socket
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long

def call(nr, *args):
    ctypes.set_errno(0)
    r = libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) for a in args])
    return [r, ctypes.get_errno()]

results = {
    "io_uring_setup": call(425, 1, 0),
    "userfaultfd": call(323, 0),
    "bpf": call(321, 0, 0, 0),
    "keyctl": call(250, 0, 0, 0, 0, 0),
    "add_key": call(248, 0, 0, 0, 0, 0),
    "request_key": call(249, 0, 0, 0, 0),
    "ptrace": call(101, 0, 0, 0, 0),
    "mount": call(165, 0, 0, 0, 0, 0),
    "umount2": call(166, 0, 0),
    "unshare": call(272, 0x10000000),
    "setns": call(308, 0, 0),
    "init_module": call(175, 0, 0, 0),
    "finit_module": call(313, 0, 0, 0),
    "kexec_load": call(246, 0, 0, 0, 0),
    "perf_event_open": call(298, 0, 0, 0, 0, 0),
    "chroot": call(161, 0),
}
for name, family in (("AF_VSOCK", 40), ("AF_ALG", 38)):
    try:
        socket.socket(family, socket.SOCK_SEQPACKET if family == 38 else socket.SOCK_STREAM)
        results[name] = [0, 0]
    except OSError as exc:
        results[name] = [-1, exc.errno]
status = dict(line.split(":\\t", 1) for line in open("/proc/self/status").read().splitlines())
results["seccomp_mode"] = status["Seccomp"].strip()
print(json.dumps(results))
"""


def test_blocked_kernel_calls_fail_with_eperm(run_py: RunPy) -> None:
    result = run_py(KERNEL_SURFACE)

    assert result.verdict == Verdict.OK, result
    outcomes = json.loads(result.stdout)
    assert outcomes.pop("seccomp_mode") == "2"
    for name, (ret, err) in outcomes.items():
        assert (ret, err) == (-1, 1), f"{name} was not blocked: returned {ret}, errno {err}"


def test_no_network_and_host_loopback_services_are_unreachable(run_py: RunPy) -> None:
    result = run_py(
        """
        import socket
        print(sorted(name for _, name in socket.if_nameindex()))
        for port in (5432, 6379):  # the host's PostgreSQL and Redis on its loopback
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1)
                print(port, "open")
            except OSError:
                print(port, "unreachable")
        """
    )

    assert result.verdict == Verdict.OK, result
    assert result.stdout.splitlines() == ["['lo']", "5432 unreachable", "6379 unreachable"]


def test_privileges_are_gone(run_py: RunPy) -> None:
    result = run_py(
        """
        import os
        status = dict(l.split(":\\t", 1) for l in open("/proc/self/status").read().splitlines())
        print(os.getuid(), os.getgid(), status["CapEff"].strip(), status["NoNewPrivs"].strip())
        for attempt in (lambda: os.setuid(0), lambda: os.chroot("/tmp")):
            try:
                attempt()
                print("allowed")
            except OSError as exc:
                print("denied", exc.errno)
        """
    )

    assert result.verdict == Verdict.OK, result
    lines = result.stdout.splitlines()
    assert lines[0] == "10001 10001 0000000000000000 1"
    assert lines[1:] == ["denied 1", "denied 1"]


def test_cannot_write_outside_the_writable_dirs(run_py: RunPy, workspace: Path) -> None:
    result = run_py(
        """
        for path in ("/etc/evil", "/usr/lib/evil", "/work/code/evil", "/work/evil", "/evil"):
            try:
                open(path, "w").write("x")
                print(path, "written")
            except OSError as exc:
                print(path, "denied")
        open("/tmp/ok", "w").write("x")
        open("/work/out/ok", "w").write("x")
        print("tmp and out ok")
        """
    )

    assert result.verdict == Verdict.OK, result
    assert "written" not in result.stdout
    assert "tmp and out ok" in result.stdout
    assert not (workspace / "code" / "evil").exists()


def test_secrets_are_unreachable(
    run_py: RunPy, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hidden = workspace / "hidden"
    hidden.mkdir()
    (hidden / "labels.csv").write_text("secret labels")
    monkeypatch.setenv("CERT_ENGINE_TEST_SECRET", "s3cret")
    result = run_py(
        f"""
        import os
        print("CERT_ENGINE_TEST_SECRET" in os.environ)
        print(os.path.exists("/var/run/docker.sock"), os.path.exists("/run/docker.sock"))
        print(os.path.exists({str(hidden / "labels.csv")!r}))
        found = [os.path.join(d, f) for d, _, fs in os.walk("/work") for f in fs]
        print(any(f.endswith("labels.csv") for f in found))
        print(open("/proc/1/cmdline").read().split("\\0")[0])
        """
    )

    assert result.verdict == Verdict.OK, result
    assert result.stdout.splitlines()[:4] == ["False", "False False", "False", "False"]
    assert "s3cret" not in result.stdout


def test_fork_bomb_hits_the_pids_limit_and_the_host_survives(run_py: RunPy) -> None:
    result = run_py(
        """
        import os
        while True:
            try:
                os.fork()
            except OSError:
                pass
        """,
        pids=32,
        wall_seconds=3,
    )

    assert result.verdict in {Verdict.TIME_LIMIT, Verdict.RUNTIME_ERROR}, result
    assert run_py("print('still alive')").verdict == Verdict.OK


def test_thread_bomb_is_contained(run_py: RunPy) -> None:
    result = run_py(
        """
        import threading, time
        while True:
            threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
        """,
        pids=32,
        wall_seconds=3,
    )

    assert result.verdict in {Verdict.TIME_LIMIT, Verdict.RUNTIME_ERROR}, result
    assert "can't start new thread" in result.stderr or result.verdict == Verdict.TIME_LIMIT


def test_double_forked_daemon_dies_with_the_run(run_py: RunPy) -> None:
    result = run_py(
        """
        import os, time
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                time.sleep(3600)
            os._exit(0)
        print("parent done")
        """,
        wall_seconds=10,
    )

    assert result.verdict == Verdict.OK
    assert result.wall_seconds < 8  # the daemon (sleeping an hour) did not keep the run alive


def test_output_links_fifos_and_sparse_files_are_rejected(run_py: RunPy, workspace: Path) -> None:
    result = run_py(
        """
        import os
        os.symlink("/etc/passwd", "/work/out/predictions.csv")
        os.mkfifo("/work/out/pipe")
        try:
            with open("/work/out/sparse", "wb") as fh:
                fh.truncate(1 << 40)
        except OSError as exc:
            print("sparse", exc.errno)
        """,
        writable_mb=8,
    )

    assert result.verdict == Verdict.OK, result
    assert result.stdout.strip() == "sparse 27"  # EFBIG: the file-size ulimit
    with pytest.raises(UnsafeOutputFileError):
        read_output_files(workspace / "out", max_total_bytes=1 << 20, max_files=10)


def test_read_only_inputs_are_readable_but_not_writable(run_py: RunPy, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    (data / "train.csv").write_text("1,2\n")
    os.chmod(data / "train.csv", 0o644)
    result = run_py(
        """
        print(open("/work/data/train.csv").read().strip())
        try:
            open("/work/data/train.csv", "a").write("3")
        except OSError as exc:
            print("denied", exc.errno)
        """,
        extra_mounts=(Mount(data, "/work/data"),),
    )

    assert result.verdict == Verdict.OK, result
    assert result.stdout.splitlines()[0] == "1,2"
    assert result.stdout.splitlines()[1] in {"denied 13", "denied 30"}
    assert (data / "train.csv").read_text() == "1,2\n"
