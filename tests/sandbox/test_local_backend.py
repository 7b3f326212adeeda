"""The local backend: same contract, no isolation, refused in production."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from sandbox import Limits, Mount, RunResult, RunSpec, Verdict, run
from sandbox.runner import resolve_backend


def _run_local(tmp_path: Path, code: str, **limits: object) -> RunResult:
    code_dir, out = tmp_path / "code", tmp_path / "out"
    code_dir.mkdir(exist_ok=True)
    out.mkdir(exist_ok=True)
    (code_dir / "main.py").write_text(textwrap.dedent(code))
    spec = RunSpec(
        image="unused-by-the-local-backend",
        command=("python3", "/work/code/main.py"),
        mounts=(Mount(code_dir, "/work/code"), Mount(out, "/work/out", writable=True)),
        workdir="/work/out",
        limits=Limits(**{"wall_seconds": 10, "memory_mb": 512, **limits}),  # type: ignore[arg-type]
        env={"OUT": "/work/out"},
    )
    return run(spec, backend="local")


@pytest.fixture(autouse=True)
def _allow_local(settings: SettingsWrapper) -> None:
    settings.SANDBOX_ALLOW_LOCAL = True


def test_runs_and_maps_container_paths(tmp_path: Path) -> None:
    with pytest.warns(RuntimeWarning, match="WITHOUT isolation"):
        result = _run_local(
            tmp_path,
            """
            import os
            open(os.path.join(os.environ["OUT"], "pred.csv"), "w").write("1,7\\n")
            print(os.getcwd() == os.environ["OUT"])
            """,
        )

    assert result.verdict == Verdict.OK, result
    assert result.backend == "local"
    assert result.stdout == "True\n"
    assert (tmp_path / "out" / "pred.csv").read_text() == "1,7\n"


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_verdicts(tmp_path: Path) -> None:
    assert _run_local(tmp_path, "raise SystemExit(2)").verdict == Verdict.RUNTIME_ERROR
    assert _run_local(tmp_path, "while True: pass", wall_seconds=1).verdict == Verdict.TIME_LIMIT
    flood = _run_local(tmp_path, "while True: print('x' * 1000)", output_bytes=5000)
    assert flood.verdict == Verdict.OUTPUT_LIMIT
    assert len(flood.stdout) == 5000
    bomb = _run_local(tmp_path, "b = []\nwhile True: b.append(bytearray(10**7))", memory_mb=200)
    assert bomb.verdict == Verdict.MEMORY_LIMIT


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.skipif(os.geteuid() != 0, reason="a network namespace needs root")
def test_no_network_when_root(tmp_path: Path) -> None:
    result = _run_local(
        tmp_path,
        """
        import socket
        print(sorted(name for _, name in socket.if_nameindex()))
        """,
    )

    assert result.stdout.strip() == "['lo']"


def test_refused_in_production(tmp_path: Path, settings: SettingsWrapper) -> None:
    settings.SANDBOX_ALLOW_LOCAL = False
    marker = tmp_path / "ran"

    result = _run_local(tmp_path, f"open({str(marker)!r}, 'w')")

    assert result.verdict == Verdict.SANDBOX_ERROR
    assert "refused" in result.detail
    assert not marker.exists()


def test_auto_falls_back_to_local_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    from sandbox import docker_engine

    docker_engine._clients.clear()
    try:
        with pytest.warns(UserWarning, match="does NOT isolate"):
            assert resolve_backend("auto") == "local"
    finally:
        docker_engine._clients.clear()
