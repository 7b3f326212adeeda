"""One run per verdict, on the real engine and image. Each run is a fresh container;
the test_label fixture checks that none outlives its run."""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from sandbox import Limits, Mount, RunSpec, Verdict, read_output_files, run
from sandbox.removal import removals_wait
from sandbox.writable import MOUNT_PREFIX

from .conftest import RunPy

pytestmark = pytest.mark.docker


def test_ok_reports_output_time_and_memory(run_py: RunPy) -> None:
    result = run_py("print('hello from the sandbox')")

    assert result.verdict == Verdict.OK
    assert result.exit_code == 0
    assert result.stdout == "hello from the sandbox\n"
    assert result.peak_memory_mb is not None and 1 < result.peak_memory_mb < 256
    assert result.cpu_seconds is not None and result.cpu_seconds > 0
    assert result.backend == "docker"


def test_torch_trains_a_step(run_py: RunPy) -> None:
    result = run_py(
        """
        import torch
        model = torch.nn.Linear(4, 2)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        loss = model(torch.randn(8, 4)).pow(2).mean()
        loss.backward(); opt.step()
        print(torch.__version__)
        """,
        memory_mb=512,
    )

    assert result.verdict == Verdict.OK, result
    assert result.stdout.startswith("2.13.0")


def test_nonzero_exit_is_a_runtime_error(run_py: RunPy) -> None:
    result = run_py("import sys; print('bad input', file=sys.stderr); sys.exit(3)")

    assert result.verdict == Verdict.RUNTIME_ERROR
    assert result.exit_code == 3
    assert result.stderr == "bad input\n"


def test_segfault_is_a_runtime_error(run_py: RunPy) -> None:
    result = run_py("import ctypes; ctypes.string_at(0)")

    assert result.verdict == Verdict.RUNTIME_ERROR
    assert result.exit_code == 139
    assert "SIGSEGV" in result.detail


def test_infinite_loop_hits_the_wall_clock(run_py: RunPy) -> None:
    result = run_py("while True: pass", wall_seconds=1.5)

    assert result.verdict == Verdict.TIME_LIMIT
    assert 1.5 <= result.wall_seconds < 10


def test_endless_sleep_ignoring_sigterm_hits_the_wall_clock(run_py: RunPy) -> None:
    result = run_py(
        """
        import signal, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        time.sleep(3600)
        """,
        wall_seconds=1,
    )

    assert result.verdict == Verdict.TIME_LIMIT
    assert result.wall_seconds < 10


def test_cpu_time_limit_is_a_time_limit(run_py: RunPy) -> None:
    result = run_py("while True: pass", wall_seconds=20, cpu_seconds=1)

    assert result.verdict == Verdict.TIME_LIMIT
    assert "SIGXCPU" in result.detail


def test_memory_bomb_is_a_memory_limit(run_py: RunPy) -> None:
    result = run_py("b = []\nwhile True: b.append(bytearray(10**7))", memory_mb=64)

    assert result.verdict == Verdict.MEMORY_LIMIT
    assert result.oom_killed


def test_memory_bomb_in_a_child_while_the_parent_exits_0(run_py: RunPy) -> None:
    result = run_py(
        """
        import subprocess, sys
        child = subprocess.run([sys.executable, "-c",
            "b = []\\nwhile True: b.append(bytearray(10**7))"])
        print("child exit", child.returncode)
        """,
        memory_mb=64,
    )

    assert "child exit -9" in result.stdout
    assert result.verdict == Verdict.MEMORY_LIMIT


def test_stdout_flood_is_an_output_limit_and_truncated(run_py: RunPy) -> None:
    result = run_py("import sys\nwhile True: sys.stdout.write('x' * 4096)", output_bytes=10_000)

    assert result.verdict == Verdict.OUTPUT_LIMIT
    assert result.stdout == "x" * 10_000
    assert result.stdout_truncated
    assert result.wall_seconds < 10


def test_stderr_flood_is_an_output_limit(run_py: RunPy) -> None:
    result = run_py("import sys\nwhile True: sys.stderr.write('e' * 4096)", output_bytes=10_000)

    assert result.verdict == Verdict.OUTPUT_LIMIT
    assert len(result.stderr) == 10_000


def test_filling_the_writable_dir_is_an_output_limit(run_py: RunPy, workspace: Path) -> None:
    result = run_py(
        """
        chunk = b"x" * (1 << 20)
        i = 0
        while True:
            with open(f"/work/out/fill{i}", "wb") as fh:
                for _ in range(4):
                    fh.write(chunk)
            i += 1
        """,
        writable_mb=16,
    )

    assert result.verdict == Verdict.OUTPUT_LIMIT, result
    used = sum(p.stat().st_size for p in (workspace / "out").iterdir())
    assert used <= 16 * (1 << 20)  # a hard cap: the writable dir is a sized tmpfs


def test_one_huge_file_stops_at_the_file_size_cap(run_py: RunPy, workspace: Path) -> None:
    result = run_py(
        """
        with open("/work/out/big", "wb") as fh:
            while True:
                fh.write(b"x" * (1 << 20))
        """,
        writable_mb=8,
    )

    assert result.verdict == Verdict.OUTPUT_LIMIT
    assert (workspace / "out" / "big").stat().st_size <= 8 * (1 << 20)


def test_millions_of_small_files_are_an_output_limit(run_py: RunPy) -> None:
    result = run_py(
        """
        i = 0
        while True:
            open(f"/work/out/f{i}", "w").close()
            i += 1
        """,
        writable_files=500,
    )

    assert result.verdict == Verdict.OUTPUT_LIMIT
    assert "files" in result.detail


def test_filling_tmp_is_an_output_limit(run_py: RunPy) -> None:
    result = run_py(
        """
        with open("/tmp/fill", "wb") as fh:
            while True:
                fh.write(b"x" * (1 << 20))
                fh.flush()
        """,
        tmp_mb=8,
    )

    assert result.verdict == Verdict.OUTPUT_LIMIT


def test_missing_image_is_a_sandbox_error(run_py: RunPy) -> None:
    result = run_py("print(1)", image="cert-engine/sandbox-no-such-image:0")

    assert result.verdict == Verdict.SANDBOX_ERROR
    assert "not found" in result.detail


def test_train_then_predict_through_a_model_directory(
    sandbox_image: str, tmp_path: Path, test_label: str
) -> None:
    code, model, out = tmp_path / "code", tmp_path / "model", tmp_path / "out"
    for d in (code, model, out):
        d.mkdir(mode=0o755)
    (code / "train.py").write_text("open('/work/model/w.txt', 'w').write('0.5')\n")
    (code / "predict.py").write_text(
        "w = float(open('/work/model/w.txt').read())\n"
        "open('/work/out/pred.csv', 'w').write(f'1,{w * 2}\\n')\n"
        "try:\n    open('/work/model/w.txt', 'w')\nexcept OSError as e:\n    print(e.errno)\n"
    )
    limits = Limits(wall_seconds=20, memory_mb=128)
    labels = {"cert-engine.test": test_label}

    train = run(
        RunSpec(
            image=sandbox_image,
            command=("python3", "/work/code/train.py"),
            mounts=(Mount(code, "/work/code"), Mount(model, "/work/model", writable=True)),
            limits=limits,
            labels=labels,
        ),
        backend="docker",
    )
    predict = run(
        RunSpec(
            image=sandbox_image,
            command=("python3", "/work/code/predict.py"),
            mounts=(
                Mount(code, "/work/code"),
                Mount(model, "/work/model"),
                Mount(out, "/work/out", writable=True),
            ),
            limits=limits,
            labels=labels,
        ),
        backend="docker",
    )

    assert train.verdict == Verdict.OK, train
    assert predict.verdict == Verdict.OK, predict
    assert predict.stdout.strip() == "30"  # EROFS: the model is read-only in stage 2
    assert read_output_files(out, max_total_bytes=1024, max_files=10) == {"pred.csv": b"1,1.0\n"}


def test_without_tmpfs_areas_the_directory_is_polled(
    run_py: RunPy, workspace: Path, settings: SettingsWrapper
) -> None:
    settings.SANDBOX_WRITABLE_TMPFS = False

    written = run_py("open('/work/out/model.bin', 'wb').write(b'w' * 10)")
    flooded = run_py(
        """
        i = 0
        while True:
            with open(f"/work/out/fill{i}", "wb") as fh:
                fh.write(b"x" * (1 << 20))
            i += 1
        """,
        writable_mb=8,
    )

    assert written.verdict == Verdict.OK, written
    assert (workspace / "out" / "model.bin").stat().st_uid == 10001
    assert flooded.verdict == Verdict.OUTPUT_LIMIT, flooded


def test_runs_leak_no_descriptors_threads_or_mounts(
    run_py: RunPy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The writable areas of this test's runs are made under a folder of its own, so
    # that those of runs in other processes (xdist workers, other suites) on the same
    # host are told apart.
    own_tmp = tmp_path / "tmp"
    own_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(own_tmp))
    for _ in range(5):  # let the Engine API client fill its connection pool
        run_py("print(1)")
        removals_wait()  # (the container goes in the background: its thread stays)
    before = (len(os.listdir("/proc/self/fd")), threading.active_count())

    for _ in range(5):
        assert run_py("print(1)").verdict == Verdict.OK
        removals_wait()

    assert (len(os.listdir("/proc/self/fd")), threading.active_count()) == before
    assert f"{own_tmp}/{MOUNT_PREFIX}" not in Path("/proc/self/mounts").read_text()
