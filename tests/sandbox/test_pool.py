"""The pool of pre-started single-use containers, on the real engine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from sandbox import Limits, Mount, RunSpec, Verdict, docker_backend, janitor_sweep, run
from sandbox import pool as pool_module
from sandbox.docker_config import LABEL, LABEL_CREATED, LABEL_RUN_ID, create_container
from sandbox.docker_engine import api_client
from sandbox.pool import LABEL_POOLED, forced_pool_size, get_pool, slot_dir
from sandbox.removal import removals_wait

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
        assert state["State"]["Status"] == "running"  # started, waiting at its gate
        run_id = state["Config"]["Labels"][LABEL_RUN_ID]
        assert slot_dir(run_id).is_dir()
        assert [p.name for p in sorted(slot_dir(run_id).iterdir())] == ["0", "1"]
        assert list((slot_dir(run_id) / "0").iterdir()) == []  # no caller's input yet

        # Another caller's directories, same shape: it gets the pooled container and
        # sees its own files, not the first caller's.
        result = run(_spec(sandbox_image, second, test_label), backend="docker")

        assert result.verdict == Verdict.OK, result
        assert result.run_id == run_id
        assert pool.hits == 1
        assert result.stdout == "second\n['main.py', 'name.txt']\n"
        assert (second / "out" / "result.txt").read_text() == "written"
        # The inputs were hard-linked into the slot for the run only.
        assert (second / "code" / "main.py").stat().st_nlink == 1
        # Used once, then removed with its slot (right after the run, in the
        # background); the pool refills with a new one.
        assert removals_wait(60)
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
    if config["Cmd"][:2] == ["python3", "-c"]:  # the gate; the rest is the spec's command
        assert config["Cmd"][2] == pool_module.gate_source()
        config["Cmd"] = config["Cmd"][5:]
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
            # The waiting gate process itself, seen from the host.
            status = _gate_status(pooled)
            gate_cgroup = Path(f"/proc/{_gate_pid(pooled)}/cgroup").read_text()
        finally:
            api_client().remove_container(fresh_id, force=True)

    pooled_host, pooled_config = _normalise(pooled)
    fresh_host, fresh_config = _normalise(fresh)
    assert pooled_host == fresh_host
    assert pooled_config == fresh_config
    assert pooled["Config"]["Cmd"][5:] == ["python3", "/work/code/main.py"]
    assert pooled["State"]["Running"] is True
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
    assert pooled["Config"]["User"] == "10001:10001"
    # The gate: what a fresh container's process would be.
    assert status["Uid"].split()[:2] == ["10001", "10001"]
    assert status["CapEff"] == "0000000000000000"
    assert status["CapBnd"] == "0000000000000000"
    assert status["NoNewPrivs"] == "1"
    assert status["Seccomp"] == "2"
    assert pooled_id in gate_cgroup


def _gate_pid(attrs: dict[str, Any]) -> int:
    init = attrs["State"]["Pid"]
    [child] = Path(f"/proc/{init}/task/{init}/children").read_text().split()
    return int(child)


def _gate_status(attrs: dict[str, Any]) -> dict[str, str]:
    lines = Path(f"/proc/{_gate_pid(attrs)}/status").read_text().splitlines()
    return {k: v.strip() for k, _, v in (line.partition(":") for line in lines)}


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


CRASH = "import signal; os.kill(os.getpid(), signal.SIGKILL)\n"
# A run whose result came back, its container not yet removed, then the crash.
CRASH_WITH_REMOVAL_PENDING = (
    "import sandbox.removal as r; r.removal_do = lambda removal: None\n"
    "assert run(spec, backend='docker').verdict == 'ok'\n" + CRASH
)


@pytest.mark.parametrize("crash", [CRASH, CRASH_WITH_REMOVAL_PENDING])
def test_the_janitor_removes_a_crashed_workers_containers_at_once(
    test_label: str, sandbox_image: str, crash: str
) -> None:
    child = _child(CHILD_FILL + crash, test_label, SANDBOX_POOL_SIZE="2")

    assert child.returncode == -9, child.stderr
    # No atexit after SIGKILL: the ready containers (and the used one) are there.
    orphans = [c["Id"] for c in _containers(test_label)]
    assert len(orphans) >= 2
    run_ids = [c["Labels"][LABEL_RUN_ID] for c in _containers(test_label)]
    assert any(slot_dir(r).is_dir() for r in run_ids)

    # Young, but their owner is dead: removed at once, slots and all. (A pool that
    # another test starts meanwhile may remove some of them first: the same rule.)
    assert janitor_sweep(3600, labels={TEST_LABEL: test_label}) <= len(orphans)
    _wait_until_gone(test_label)
    assert not any(slot_dir(r).exists() for r in run_ids)


def _wait_until_gone(label: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while _containers(label) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _containers(label) == []


def test_a_new_pool_removes_a_crashed_predecessors_containers(
    tmp_path: Path, test_label: str, sandbox_image: str
) -> None:
    child = _child(CHILD_FILL + CRASH_WITH_REMOVAL_PENDING, test_label, SANDBOX_POOL_SIZE="1")
    assert child.returncode == -9, child.stderr
    assert _containers(test_label) != []  # the ready one, the used one

    # The next worker process starts its pool (Celery restarts a dead child).
    other = _workspace(tmp_path / "ws", "ws")
    with forced_pool_size(1) as pool:
        assert pool is not None
        assert (
            run(_spec(sandbox_image, other, test_label + "-next"), backend="docker").verdict == "ok"
        )
        assert pool.wait_full(60)
        _wait_until_gone(test_label)
    _wait_until_gone(test_label + "-next")


def test_the_janitor_spares_a_live_workers_young_containers(
    tmp_path: Path, test_label: str, sandbox_image: str
) -> None:
    root = _workspace(tmp_path / "ws", "ws")
    with forced_pool_size(1) as pool:
        assert pool is not None
        run(_spec(sandbox_image, root, test_label), backend="docker")
        assert pool.wait_full(60)
        [ready] = _pooled_ids(test_label)
        assert janitor_sweep(3600, labels={TEST_LABEL: test_label}) == 0
        assert _pooled_ids(test_label) == [ready]
        pool_module.owner_orphans_reap()  # (other tests' dead workers, if any)
        assert _pooled_ids(test_label) == [ready]


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

    def key(spec: RunSpec, *, use_parent: bool = True, idle: float = 360) -> str:
        return pool_module.shape_key(spec, use_parent=use_parent, idle=idle)

    assert key(spec_a) == key(_spec(sandbox_image, b, "x"))
    assert key(spec_a) != key(_spec(sandbox_image, a, "y"))  # labels
    assert key(spec_a) != key(_spec(sandbox_image, a, "x", cpus=2))  # limits
    assert key(spec_a) != key(replace(spec_a, command=("python3", "-c", "1")))
    assert key(spec_a) != key(replace(spec_a, preload=("numpy",)))
    assert key(spec_a) != key(replace(spec_a, mounts=spec_a.mounts[::-1]))
    assert key(spec_a) != key(spec_a, use_parent=False)
    assert key(spec_a) != key(spec_a, idle=10)


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


def test_a_run_leaves_nothing_for_the_next_pooled_run(
    tmp_path: Path, sandbox_image: str, test_label: str
) -> None:
    root = _workspace(tmp_path / "ws", "ws")
    leave = (
        "import os\n"
        "open('/tmp/secret', 'w').write('first')\n"
        "open('/work/out/secret', 'w').write('first')\n"
        "os.makedirs('/dev/shm/x', exist_ok=True)\n"
        "print('first-run-output')\n"
    )
    look = (
        "import os\n"
        "print(sorted(os.listdir('/tmp')), sorted(os.listdir('/work/out')),"
        " sorted(os.listdir('/dev/shm')))\n"
    )
    with forced_pool_size(2) as pool:
        assert pool is not None
        (root / "code" / "main.py").write_text(leave)
        run(_spec(sandbox_image, root, test_label), backend="docker")  # learns the shape
        assert pool.wait_full(60)
        first = run(_spec(sandbox_image, root, test_label), backend="docker")
        (root / "code" / "main.py").write_text(look)
        for child in (root / "out").iterdir():
            child.unlink()
        second = run(_spec(sandbox_image, root, test_label), backend="docker")
        assert pool.hits == 2

    assert first.verdict == second.verdict == Verdict.OK, (first, second)
    assert first.stdout == "first-run-output\n"
    assert first.run_id != second.run_id
    assert second.stdout == "[] [] []\n"


def test_a_pooled_run_still_times_out_and_is_killed(
    tmp_path: Path, sandbox_image: str, test_label: str
) -> None:
    root = _workspace(tmp_path / "ws", "ws")
    with forced_pool_size(1) as pool:
        assert pool is not None
        run(_spec(sandbox_image, root, test_label), backend="docker")
        assert pool.wait_full(60)
        (root / "code" / "main.py").write_text("print('spin', flush=True)\nwhile True: pass\n")
        result = run(_spec(sandbox_image, root, test_label, wall_seconds=2), backend="docker")
        # A different limit is a different shape: that ran fresh. Now the same shape.
        assert pool.wait_full(60)
        pooled = run(_spec(sandbox_image, root, test_label, wall_seconds=2), backend="docker")
        assert pool.hits == 1

    for outcome in (result, pooled):
        assert outcome.verdict == Verdict.TIME_LIMIT, outcome
        assert outcome.stdout == "spin\n"
        assert 2 <= outcome.wall_seconds < 10


def test_a_pooled_run_reports_failures_like_python(
    tmp_path: Path, sandbox_image: str, test_label: str
) -> None:
    root = _workspace(tmp_path / "ws", "ws")
    crash = "import sys\nprint(sys.argv, __name__)\ndef f():\n    raise ValueError('boom')\nf()\n"
    with forced_pool_size(1) as pool:
        assert pool is not None
        (root / "code" / "main.py").write_text(crash)
        fresh = run(_spec(sandbox_image, root, test_label), backend="docker")
        assert pool.wait_full(60)
        pooled = run(_spec(sandbox_image, root, test_label), backend="docker")
        (root / "code" / "main.py").write_text("import sys\nsys.exit(3)\n")
        assert pool.wait_full(60)
        exits = run(_spec(sandbox_image, root, test_label), backend="docker")
        assert pool.hits == 2

    assert fresh.verdict == pooled.verdict == Verdict.RUNTIME_ERROR
    assert fresh.exit_code == pooled.exit_code == 1
    assert pooled.stdout == fresh.stdout == "['/work/code/main.py'] __main__\n"
    assert pooled.stderr == fresh.stderr
    assert pooled.stderr.startswith("Traceback (most recent call last):\n")
    assert (exits.verdict, exits.exit_code) == (Verdict.RUNTIME_ERROR, 3)


def test_the_go_signal_through_the_engine_when_the_gate_is_not_visible(
    tmp_path: Path, sandbox_image: str, test_label: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pool_module, "_gate_pidfd", lambda client, container_id: None)
    root = _workspace(tmp_path / "ws", "ws")
    with forced_pool_size(1) as pool:
        assert pool is not None
        run(_spec(sandbox_image, root, test_label), backend="docker")
        assert pool.wait_full(60)
        result = run(_spec(sandbox_image, root, test_label), backend="docker")
        assert pool.hits == 1
    assert result.verdict == Verdict.OK, result
    assert result.stdout == "ws\n['main.py', 'name.txt']\n"


def test_a_dead_gate_sends_the_run_to_a_fresh_container(
    tmp_path: Path, sandbox_image: str, test_label: str
) -> None:
    root = _workspace(tmp_path / "ws", "ws")
    with forced_pool_size(1) as pool:
        assert pool is not None
        run(_spec(sandbox_image, root, test_label), backend="docker")
        assert pool.wait_full(60)
        [ready] = _pooled_ids(test_label)
        ready_run_id = api_client().inspect_container(ready)["Config"]["Labels"][LABEL_RUN_ID]
        api_client().kill(ready)  # the gate dies before its run
        api_client().wait(ready, timeout=30)
        result = run(_spec(sandbox_image, root, test_label), backend="docker")
        assert pool.hits == 1  # taken, found dead, not used
    assert result.verdict == Verdict.OK, result
    assert result.run_id != ready_run_id
    assert result.stdout == "ws\n['main.py', 'name.txt']\n"


def test_a_gate_left_waiting_exits_by_itself(sandbox_image: str, tmp_path: Path) -> None:
    root = _workspace(tmp_path / "ws", "ws")
    label = "gate-idle-" + os.urandom(4).hex()
    shape = pool_module._Shape(_spec(sandbox_image, root, label))
    slot = pool_module._create_slot(shape, idle=1.0)
    try:
        status = api_client().wait(slot.container_id, timeout=30)
        assert status["StatusCode"] == 0
    finally:
        pool_module.discard(slot)
    assert _containers(label) == []
    assert not slot_dir(slot.run_id).exists()


def test_run_labels_stay_out_of_the_shape_and_the_janitor_finds_them(
    tmp_path: Path, sandbox_image: str, test_label: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _workspace(tmp_path / "ws", "ws")
    spec = _spec(sandbox_image, root, test_label)
    with forced_pool_size(1) as pool:
        assert pool is not None
        fresh = run(replace(spec, run_labels={"cert-engine.submission": "a"}), backend="docker")
        assert pool.wait_full(60)
        # Left behind as by a crash between the result and the removal.
        monkeypatch.setattr(docker_backend, "removal_schedule", lambda removal: None)
        pooled = run(replace(spec, run_labels={"cert-engine.submission": "b"}), backend="docker")
        monkeypatch.undo()
        assert pool.hits == 1  # another submission, the same shape
        assert fresh.verdict == pooled.verdict == Verdict.OK
        assert pool_module.run_labels_read(pooled.run_id) == {"cert-engine.submission": "b"}

        assert janitor_sweep(0, labels={TEST_LABEL: test_label, "cert-engine.submission": "b"}) == 1
        assert not slot_dir(pooled.run_id).exists()
        assert janitor_sweep(0, labels={"cert-engine.submission": "b"}) == 0
        [ready] = _pooled_ids(test_label)  # the waiting one has no run labels: spared
        assert janitor_sweep(0, labels={"cert-engine.submission": "a"}) == 0
        assert _pooled_ids(test_label) == [ready]


def test_preload_is_imported_before_the_run_and_a_missing_module_is_harmless(
    tmp_path: Path, sandbox_image: str, test_label: str
) -> None:
    root = _workspace(tmp_path / "ws", "ws")
    (root / "code" / "main.py").write_text(
        "import sys\nprint('numpy' in sys.modules, 'no_such_module' in sys.modules)\n"
    )
    spec = replace(_spec(sandbox_image, root, test_label), preload=("numpy", "no_such_module"))
    with forced_pool_size(1) as pool:
        assert pool is not None
        fresh = run(spec, backend="docker")
        assert pool.wait_full(60)
        pooled = run(spec, backend="docker")
        assert pool.hits == 1
    assert (fresh.verdict, fresh.stdout, fresh.stderr) == (Verdict.OK, "False False\n", "")
    assert (pooled.verdict, pooled.stdout, pooled.stderr) == (Verdict.OK, "True False\n", "")
