"""Fixtures of the sandbox suite. Docker tests run against the real engine and the real
offline image and FAIL (never skip) when either is missing: the test command starts
the engine and builds the image first (scripts/docker/ensure_engine.sh, make
sandbox-image)."""

from __future__ import annotations

import textwrap
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sandbox import Limits, Mount, RunResult, RunSpec, default_image, run
from sandbox.docker_config import LABEL
from sandbox.docker_engine import api_client
from sandbox.pool import drain_pool

TEST_LABEL = "cert-engine.test"

RunPy = Callable[..., RunResult]


@pytest.fixture(scope="session")
def sandbox_image() -> str:
    tag = default_image()
    client = api_client()
    assert client.ping(), "no Docker engine answers: run scripts/docker/ensure_engine.sh"
    try:
        client.inspect_image(tag)
    except Exception as exc:
        pytest.fail(f"sandbox image {tag} is missing ({exc}): run make sandbox-image")
    return tag


@pytest.fixture
def test_label() -> Iterator[str]:
    """A label unique to this test; afterwards no container with it may remain."""
    value = uuid.uuid4().hex
    yield value
    drain_pool()  # with SANDBOX_POOL_SIZE set, the pool holds containers with this label
    client = api_client()
    left = client.containers(all=True, filters={"label": [f"{LABEL}=1", f"{TEST_LABEL}={value}"]})
    for container in left:
        client.remove_container(container["Id"], force=True)
    assert left == [], "a sandbox container outlived its run"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A private directory with code/ (read-only in the container) and out/ (writable)."""
    (tmp_path / "code").mkdir(mode=0o755)
    (tmp_path / "out").mkdir(mode=0o755)
    return tmp_path


@pytest.fixture
def run_py(sandbox_image: str, workspace: Path, test_label: str) -> RunPy:
    """Run a Python snippet in a fresh Docker sandbox: code at /work/code/main.py,
    writable /work/out, small limits by default."""

    def _run(
        code: str,
        *,
        backend: str = "docker",
        extra_mounts: tuple[Mount, ...] = (),
        image: str | None = None,
        **limits: object,
    ) -> RunResult:
        script = workspace / "code" / "main.py"
        script.write_text(textwrap.dedent(code))
        script.chmod(0o644)
        settings: dict[str, object] = {"wall_seconds": 20, "memory_mb": 256, "pids": 64}
        settings.update(limits)
        spec = RunSpec(
            image=image or sandbox_image,
            command=("python3", "/work/code/main.py"),
            mounts=(
                Mount(workspace / "code", "/work/code"),
                Mount(workspace / "out", "/work/out", writable=True),
                *extra_mounts,
            ),
            workdir="/work/out",
            limits=Limits(**settings),  # type: ignore[arg-type]
            labels={TEST_LABEL: test_label},
        )
        return run(spec, backend=backend)

    return _run
