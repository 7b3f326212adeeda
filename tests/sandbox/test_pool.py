"""The pool of created-but-not-started single-use containers, on the real engine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from sandbox import Limits, Mount, RunSpec, Verdict, janitor_sweep, run
from sandbox import pool as pool_module
from sandbox.docker_config import LABEL, LABEL_CREATED, LABEL_RUN_ID, create_container
from sandbox.docker_engine import api_client
from sandbox.pool import LABEL_POOLED, forced_pool_size, get_pool, slot_dir

from .conftest import TEST_LABEL

pytestmark = pytest.mark.docker

REPO = Path(__file__).resolve().parents[2]
SCRIPT = """\
import os, sys
print(open('/work/code/name.txt').read(), end='')
open('/work/out/result.txt', 'w').write('written')
print(sorted(os.listdir('/work/code')))
"""


def _workspace(root: Path, name: str) -> Path:
    """code/ (main.py and name.txt) and an empty out/, readable by the sandbox user."""
    root.mkdir(mode=0o755)
    (root / "code").mkdir(mode=0o755)
    (root / "out").mkdir(mode=0o755)
    for file, text in (("main.py", SCRIPT), ("name.txt", name + "\n")):
        (root / "code" / file).write_text(text)
        (root / "code" / file).chmod(0o644)
    return root


def _spec(image: str, root: Path, label: str, **limits: Any) -> RunSpec:
    settings: dict[str, Any] = {"wall_seconds": 20, "memory_mb": 256, "pids": 64}
    settings.update(limits)
    return RunSpec(
        image=image,
        command=("python3", "/work/code/main.py"),
        mounts=(Mount(root / "code", "/work/code"), Mount(root / "out", "/work/out", True)),
        workdir="/work/out",
        limits=Limits(**settings),
        labels={TEST_LABEL: label},
    )


def _containers(label: str) -> list[dict[str, Any]]:
    return list(
        api_client().containers(
            all=True, filters={"label": [f"{LABEL}=1", f"{TEST_LABEL}={label}"]}
        )
    )


def _pooled_ids(label: str) -> list[str]:
    return sorted(
        c["Id"] for c in _containers(label) if (c.get("Labels") or {}).get(LABEL_POOLED) == "1"
    )


def test_pool_is_off_by_default(monkeypatch: pytest.MonkeyPatch, settings: SettingsWrapper) -> None:
    monkeypatch.delenv("SANDBOX_POOL_SIZE", raising=False)
    if hasattr(settings, "SANDBOX_POOL_SIZE"):
        del settings.SANDBOX_POOL_SIZE

    assert pool_module.pool_size() == 0
    assert get_pool() is None


def test_pooled_container_is_used_once_then_removed(
    tmp_path: Path, sandbox_image: str, test_label: str
) -> None:
    first = _workspace(tmp_path / "first", "first")
    second = _workspace(tmp_path / "second", "second")
    with forced_pool_size(1) as pool:
        assert pool is not None
        # The first run of a shape creates its container on demand and teaches the pool.
        assert run(_spec(sandbox_image, first, test_label), backend="docker").verdict == "ok"
        assert (pool.hits, pool.misses) == (0, 1)
        assert pool.wait_full(60)
        [ready] = _pooled_ids(test_label)
        state = api_client().inspect_container(ready)
        assert state["State"]["Status"] == "created"  # never started
        run_id = state["Config"]["Labels"][LABEL_RUN_ID]
        assert slot_dir(run_id).is_dir()

        # Another caller's directories, same shape: it gets the pooled container and
        # sees its own files, not the first caller's.
        result = run(_spec(sandbox_image, second, test_label), backend="docker")

        assert result.verdict == Verdict.OK, result
        assert result.run_id == run_id
        assert pool.hits == 1
        assert result.stdout == "second\n['main.py', 'name.txt']\n"
        assert (second / "out" / "result.txt").read_text() == "written"
        # Used once, then removed with its slot; the pool refills with a new one.
        assert (
            api_client().containers(all=True, filters={"id": ready, "label": [f"{LABEL}=1"]}) == []
        )
        assert not slot_dir(run_id).exists()
        assert pool.wait_full(60)
        [refill] = _pooled_ids(test_label)
        assert refill != ready
        refill_run_id = api_client().inspect_container(refill)["Config"]["Labels"][LABEL_RUN_ID]
        assert slot_dir(refill_run_id).is_dir()
        assert pool.ready_count() == 1
    # Leaving the block drains the pool, slots included.
    assert _containers(test_label) == []
    assert not slot_dir(refill_run_id).exists()


def _normalise(attrs: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    host = dict(attrs["HostConfig"])
    host["Mounts"] = [{k: v for k, v in m.items() if k != "Source"} for m in host["Mounts"]]
    host["CgroupParent"] = "/".join(host["CgroupParent"].split("/")[:-1])
    config = dict(attrs["Config"])
    config["Labels"] = {
        k: v
        for k, v in config["Labels"].items()
        if k not in (LABEL_RUN_ID, LABEL_CREATED, LABEL_POOLED)
    }
    return host, config


def test_pooled_container_has_the_same_isolation_as_a_fresh_one(
    tmp_path: Path, sandbox_image: str, test_label: str
) -> None:
    root = _workspace(tmp_path / "ws", "ws")
    spec = _spec(sandbox_image, root, test_label, memory_mb=200, cpus=0.5, pids=40)
    with forced_pool_size(1) as pool:
        assert pool is not None
        assert run(spec, backend="docker").verdict == "ok"
        assert pool.wait_full(60)
        [pooled_id] = _pooled_ids(test_label)
        fresh_id = create_container(spec)
        try:
            pooled = api_client().inspect_container(pooled_id)
            fresh = api_client().inspect_container(fresh_id)
        finally:
            api_client().remove_container(fresh_id, force=True)

    pooled_host, pooled_config = _normalise(pooled)
    fresh_host, fresh_config = _normalise(fresh)
    assert pooled_host == fresh_host
    assert pooled_config == fresh_config
    # Spelled out, the measures that matter most.
    assert pooled_host["NetworkMode"] == "none"
    assert pooled_host["CapDrop"] == ["ALL"]
    assert pooled_host["ReadonlyRootfs"] is True
    assert any(o.startswith("seccomp=") for o in pooled_host["SecurityOpt"])
    assert pooled_host["Memory"] == pooled_host["MemorySwap"] == 200 * 1024 * 1024
    assert pooled_host["PidsLimit"] == 40
    assert [(m["Target"], m.get("ReadOnly", False)) for m in pooled_host["Mounts"]] == [
        ("/work/code", True),
        ("/work/out", False),
    ]
    assert pooled["Config"]["Labels"][LABEL] == "1"
    assert pooled["Config"]["Labels"][TEST_LABEL] == test_label


def test_a_spec_that_does_not_match_the_pool_falls_back(
    tmp_path: Path, sandbox_image: str, test_label: str
) -> None:
    root = _workspace(tmp_path / "ws", "ws")
    spec = _spec(sandbox_image, root, test_label)
    with forced_pool_size(1) as pool:
        assert pool is not None
        run(spec, backend="docker")
        assert pool.wait_full(60)
        [ready] = _pooled_ids(test_label)
        pool.max_shapes = 10  # every mismatch below is learnt too; keep the first shape
        others = [
            _spec(sandbox_image, root, test_label, memory_mb=300),  # other limits
            replace(spec, env={"SEED": "1"}),  # other environment
            replace(spec, mounts=spec.mounts[:1]),  # other mount layout
            replace(spec, mounts=(Mount(root / "code" / "main.py", "/work/code"),)),  # a file
        ]
        for other in others:
            hits = pool.hits
            result = run(other, backend="docker")
            assert result.verdict in (Verdict.OK, Verdict.RUNTIME_ERROR), result
            assert pool.hits == hits, other
        # The mismatches created on demand and left the matching container alone.
        assert ready in _pooled_ids(test_label)
        # A spec the pool cannot serve at all (a missing source) is a sandbox error
        # before anything is taken.
        missing = replace(spec, mounts=(Mount(root / "nope", "/work/code"),))
        assert run(missing, backend="docker").verdict == Verdict.SANDBOX_ERROR
        assert ready in _pooled_ids(test_label)
    assert _containers(test_label) == []


def test_stale_pooled_containers_are_replaced_not_used(
    tmp_path: Path, sandbox_image: str, test_label: str
) -> None:
    root = _workspace(tmp_path / "ws", "ws")
    spec = _spec(sandbox_image, root, test_label)
    with forced_pool_size(1) as pool:
        assert pool is not None
        run(spec, backend="docker")
        assert pool.wait_full(60)
        [old] = _pooled_ids(test_label)
        pool.max_idle = 0.0  # everything ready is now too old
        result = run(spec, backend="docker")
        assert result.verdict == Verdict.OK
        assert pool.hits == 0
        assert api_client().containers(all=True, filters={"id": old, "label": [f"{LABEL}=1"]}) == []
    assert _containers(test_label) == []


def _child(code: str, label: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    environment.update(env, PYTHONPATH=str(REPO), POOL_TEST_LABEL=label)
    return subprocess.run(
        [sys.executable, "-c", code],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


CHILD_FILL = textwrap.dedent("""\
    import json, os, pathlib, sys, tempfile
    from sandbox import Limits, Mount, RunSpec, run, default_image
    from sandbox.pool import get_pool
    root = pathlib.Path(tempfile.mkdtemp()); root.chmod(0o755)
    (root / "code").mkdir(mode=0o755); (root / "out").mkdir(mode=0o755)
    (root / "code" / "main.py").write_text("print(1)")
    spec = RunSpec(
        image=default_image(), command=("python3", "/work/code/main.py"),
        mounts=(Mount(root / "code", "/work/code"), Mount(root / "out", "/work/out", True)),
        limits=Limits(wall_seconds=20, memory_mb=128),
        labels={"cert-engine.test": os.environ["POOL_TEST_LABEL"]},
    )
    assert run(spec, backend="docker").verdict == "ok"
    pool = get_pool()
    assert pool is not None and pool.wait_full(60)
    print(json.dumps(pool.ready_count()), flush=True)
""")


def test_the_pool_is_drained_when_the_worker_exits(test_label: str, sandbox_image: str) -> None:
    child = _child(CHILD_FILL + "sys.exit(0)\n", test_label, SANDBOX_POOL_SIZE="2")

    assert child.returncode == 0, child.stderr
    assert json.loads(child.stdout) == 2  # the setting was read and the pool filled
    # atexit drained it: nothing with the child's label survives it.
    assert _containers(test_label) == []


def test_the_janitor_removes_a_crashed_workers_pooled_containers(
    test_label: str, sandbox_image: str
) -> None:
    crash = "import signal; os.kill(os.getpid(), signal.SIGKILL)\n"
    child = _child(CHILD_FILL + crash, test_label, SANDBOX_POOL_SIZE="2")

    assert child.returncode == -9, child.stderr
    orphans = _pooled_ids(test_label)
    assert len(orphans) == 2  # no atexit after SIGKILL: the orphans are there
    run_ids = [api_client().inspect_container(c)["Config"]["Labels"][LABEL_RUN_ID] for c in orphans]
    assert all(slot_dir(r).is_dir() for r in run_ids)

    assert janitor_sweep(3600, labels={TEST_LABEL: test_label}) == 0  # young: spared
    assert janitor_sweep(0, labels={TEST_LABEL: test_label}) == 2
    assert _containers(test_label) == []
    assert not any(slot_dir(r).exists() for r in run_ids)


def test_a_forked_child_never_uses_its_parents_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    with forced_pool_size(1) as parent_pool:
        assert parent_pool is not None
        monkeypatch.setattr(pool_module.os, "getpid", lambda: parent_pool.pid + 1)
        child_pool = get_pool()
        monkeypatch.undo()
        assert child_pool is not None and child_pool is not parent_pool
        assert child_pool.pid != parent_pool.pid
        # Draining in the "child" leaves the parent's containers alone.
        assert pool_module.drain_pool() == 0
        child_pool.drain()
        parent_pool.drain()


def test_shape_key_ignores_host_paths_only(tmp_path: Path, sandbox_image: str) -> None:
    a = _workspace(tmp_path / "a", "a")
    b = _workspace(tmp_path / "b", "b")
    spec_a = _spec(sandbox_image, a, "x")
    kinds = (True, True)

    def key(spec: RunSpec) -> str:
        return pool_module.shape_key(spec, kinds, use_parent=True)

    assert key(spec_a) == key(_spec(sandbox_image, b, "x"))
    assert key(spec_a) != key(_spec(sandbox_image, a, "y"))  # labels
    assert key(spec_a) != key(_spec(sandbox_image, a, "x", cpus=2))  # limits
    assert key(spec_a) != key(replace(spec_a, command=("python3", "-c", "1")))
    assert key(spec_a) != pool_module.shape_key(spec_a, kinds, use_parent=False)
    assert key(spec_a) != pool_module.shape_key(spec_a, (True, False), use_parent=True)


PROBE = """\
import json, os, socket
status = dict(line.split(':', 1) for line in open('/proc/self/status') if ':' in line)
def fails(action):
    try:
        action()
    except OSError:
        return True
    return False
print(json.dumps({
    'uid': os.getuid(),
    'cap_eff': status['CapEff'].strip(),
    'no_new_privs': status['NoNewPrivs'].strip(),
    'seccomp': status['Seccomp'].strip(),
    'interfaces': sorted(name for _, name in socket.if_nameindex()),
    'code_read_only': fails(lambda: open('/work/code/new', 'w')),
    'root_read_only': fails(lambda: open('/etc/new', 'w')),
    'vsock_blocked': fails(lambda: socket.socket(40, socket.SOCK_STREAM)),
}))
"""


def test_a_pooled_container_is_as_locked_down_inside(
    tmp_path: Path, sandbox_image: str, test_label: str
) -> None:
    root = _workspace(tmp_path / "ws", "ws")
    (root / "code" / "main.py").write_text(PROBE)
    spec = _spec(sandbox_image, root, test_label)
    with forced_pool_size(1) as pool:
        assert pool is not None
        fresh = run(spec, backend="docker")
        assert pool.wait_full(60)
        pooled = run(spec, backend="docker")
        assert pool.hits == 1

    assert fresh.verdict == pooled.verdict == Verdict.OK, (fresh, pooled)
    report = json.loads(pooled.stdout)
    assert report == json.loads(fresh.stdout)
    assert report == {
        "uid": 10001,
        "cap_eff": "0000000000000000",
        "no_new_privs": "1",
        "seccomp": "2",
        "interfaces": ["lo"],
        "code_read_only": True,
        "root_read_only": True,
        "vsock_blocked": True,
    }
