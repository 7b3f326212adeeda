"""Pieces of the sandbox that need no engine: types, settings, the seccomp profile and
the image builder's hashing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from sandbox import Limits, Mount, RunSpec, conf
from sandbox.docker_config import SECCOMP_PROFILE, container_config
from sandbox.images import builder

BLOCKED = {
    "io_uring_setup", "io_uring_enter", "io_uring_register", "userfaultfd", "bpf", "keyctl",
    "add_key", "request_key", "ptrace", "mount", "umount2", "unshare", "setns",
    "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load",
    "perf_event_open", "pivot_root", "chroot", "open_by_handle_at",
}  # fmt: skip


def test_seccomp_profile_allows_none_of_the_blocked_calls() -> None:
    profile = json.loads(SECCOMP_PROFILE.read_text())
    assert profile["defaultAction"] == "SCMP_ACT_ERRNO"
    allowed = {
        name
        for rule in profile["syscalls"]
        if rule["action"] == "SCMP_ACT_ALLOW"
        for name in rule["names"]
    }
    assert BLOCKED.isdisjoint(allowed)
    socket_rules = [r for r in profile["syscalls"] if "socket" in r["names"]]
    assert socket_rules == [
        {
            "names": ["socket"],
            "action": "SCMP_ACT_ALLOW",
            "comment": socket_rules[0]["comment"],
            "args": [{"index": 0, "value": 38, "op": "SCMP_CMP_LT"}],
        }
    ]


def test_limits_are_validated() -> None:
    with pytest.raises(ValueError, match="gpus"):
        Limits(gpus=2)
    with pytest.raises(ValueError):
        Limits(wall_seconds=0)
    with pytest.raises(ValueError):
        Mount(Path("/x"), "relative/path")
    assert Limits(wall_seconds=10, cpus=2).effective_cpu_seconds == 21


def test_spec_is_immutable_and_keeps_only_its_env() -> None:
    env = {"A": "1"}
    spec = RunSpec(image="img", command=("python3", "x.py"), env=env)
    env["B"] = "2"
    assert dict(spec.env) == {"A": "1"}
    with pytest.raises(TypeError):
        spec.env["C"] = "3"  # type: ignore[index]


def test_container_config_carries_every_isolation_measure() -> None:
    spec = RunSpec(
        image="img",
        command=("python3", "x.py"),
        limits=Limits(memory_mb=128, cpus=0.5, pids=32, writable_mb=8),
        env={"SEED": "1"},
        labels={"job": "42"},
    )
    config = container_config(spec, "run1", cgroup_parent=None)
    host = config["host_config"]
    assert host["network_mode"] == "none"
    assert host["cap_drop"] == ["ALL"]
    assert "no-new-privileges:true" in host["security_opt"]
    assert any(opt.startswith("seccomp={") for opt in host["security_opt"])
    assert host["read_only"] is True
    assert host["mem_limit"] == host["memswap_limit"] == 128 * 1024 * 1024
    assert host["nano_cpus"] == 500_000_000
    assert host["pids_limit"] == 32
    assert host["init"] is True
    assert host["ipc_mode"] == "private"
    assert {u["Name"] for u in host["ulimits"]} == {"nofile", "fsize", "core", "cpu"}
    assert config["user"] == "10001:10001"
    assert config["environment"]["SEED"] == "1"
    assert config["labels"]["cert-engine.sandbox"] == "1"
    assert config["labels"]["job"] == "42"
    assert host["device_requests"] == []


def test_backend_setting(settings: SettingsWrapper) -> None:
    settings.SANDBOX_BACKEND = "docker"
    assert conf.backend_name() == "docker"
    settings.SANDBOX_BACKEND = "podman"
    with pytest.raises(ValueError):
        conf.backend_name()


def test_image_tag_is_a_content_hash(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SANDBOX_BUILD_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("SANDBOX_WHEEL_DIRS", str(tmp_path / "wheels"))
    (tmp_path / "wheels").mkdir()
    tag = builder.image_tag("pytorch")
    assert tag.startswith("cert-engine/sandbox-pytorch-cpu:")
    assert builder.image_tag("pytorch") == tag
    wheel = tmp_path / "wheels" / "torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl"
    wheel.write_bytes(b"one")
    with_wheel = builder.image_tag("pytorch")
    assert with_wheel != tag
    wheel.write_bytes(b"two")
    assert builder.image_tag("pytorch") != with_wheel
    assert builder.image_tag("tensorflow").startswith("cert-engine/sandbox-tensorflow-cpu:")


def test_mirror_comes_from_apt_sources() -> None:
    deb822 = "Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm bookworm-updates\n"
    assert builder._mirror_in(deb822, True) == "http://mirror.example/debian"
    one_line = "deb [arch=amd64] http://mirror.example/debian bookworm main\n"
    assert builder._mirror_in(one_line, False) == "http://mirror.example/debian"
    assert builder._mirror_in("deb http://x/debian-security bookworm-security main", False) is None


@pytest.mark.parametrize(
    "name", ["pytorch-cpu", "pytorch-cuda", "tensorflow-cpu", "tensorflow-cuda"]
)
def test_registry_dockerfiles_run_as_the_sandbox_user_and_hold_no_secrets(name: str) -> None:
    dockerfile = Path(builder.HERE / "docker" / f"{name}.Dockerfile").read_text()
    lines = [line.strip() for line in dockerfile.splitlines()]

    assert "USER 10001:10001" in lines
    assert "WORKDIR /work" in lines
    instructions = "\n".join(line for line in lines if not line.startswith("#")).upper()
    assert not any(word in instructions for word in ("PASSWORD", "TOKEN", "SECRET", "API_KEY"))
    assert "://" not in dockerfile  # no registry or index host baked in
