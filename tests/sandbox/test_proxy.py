"""The Docker socket proxy (sandbox/proxy): a sandbox run goes through it unchanged;
every other call, and every create that is not the sandbox's configuration, is
refused with 403 and reaches nothing: afterwards no container, volume or image with
the request's unique name exists on the real engine."""

from __future__ import annotations

import contextlib
import copy
import json
import os
import socket
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import docker
import h11
import pytest

from sandbox import Limits, Mount, RunSpec, Verdict, docker_engine
from sandbox import pool as pool_module
from sandbox.docker_config import SECCOMP_PROFILE, container_config, new_run_id
from sandbox.pool import forced_pool_size
from sandbox.proxy.config import DEFAULT_IMAGE_PATTERNS, ProxyConfig
from sandbox.proxy.server import Proxy

from .conftest import TEST_LABEL, RunPy

pytestmark = pytest.mark.docker
UPSTREAM = os.environ.get("SANDBOX_PROXY_UPSTREAM", "/var/run/docker.sock")


def _readonly_root() -> Path:
    """A folder that only a read-only bind may use: outside the temporary directory
    (the writable root), wherever the checkout is (a clone under /tmp included)."""
    temp = Path(os.path.realpath(tempfile.gettempdir()))
    base = Path("/var/tmp") if temp != Path("/var/tmp") else Path.home()
    root = base / "cert-engine-proxy-test-ro"
    root.mkdir(exist_ok=True)
    (root / "profile.json").write_bytes(SECCOMP_PROFILE.read_bytes())
    assert not root.resolve().is_relative_to(temp)
    return root.resolve()


READONLY_ROOT = _readonly_root()
Mutation = Callable[[dict[str, Any]], None]


@pytest.fixture(scope="module")
def proxy_socket() -> Iterator[str]:
    path = Path(tempfile.mkdtemp(prefix="cert-proxy-test-")) / "docker.sock"
    config = ProxyConfig(
        images=DEFAULT_IMAGE_PATTERNS,
        writable_roots=(Path(os.path.realpath(tempfile.gettempdir())),),
        readonly_roots=(READONLY_ROOT,),
        seccomp=json.loads(SECCOMP_PROFILE.read_text()),
    )
    proxy = Proxy(str(path), UPSTREAM, config)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    yield str(path)
    proxy.shutdown()
    proxy.server_close()


@pytest.fixture
def engine() -> docker.APIClient:
    """The real engine, not through the proxy."""
    return docker.APIClient(base_url=f"unix://{UPSTREAM}", version="auto", timeout=30)


def http(
    path: str, method: str, target: str, body: bytes = b"", *, raw: bytes | None = None
) -> tuple[int, dict[str, Any]]:
    """One request on a fresh connection to the proxy: status and JSON body."""
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(30)
        sock.connect(path)
        conn = h11.Connection(h11.CLIENT)
        if raw is None:
            headers = [
                ("Host", "docker"),
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(body))),
            ]
            raw = conn.send(h11.Request(method=method, target=target, headers=headers))
            raw += (conn.send(h11.Data(data=body)) if body else b"") + conn.send(h11.EndOfMessage())
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(raw)  # the proxy may answer and close before reading it all
        status, data = 0, b""
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                conn.receive_data(sock.recv(65536))
            elif isinstance(event, h11.Response):
                status = event.status_code
            elif isinstance(event, h11.Data):
                data += event.data
            elif isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
                break
    return status, json.loads(data or b"null")


def sandbox_body(image: str, label: str, mounts: tuple[Mount, ...] = ()) -> dict[str, Any]:
    """The create body the sandbox sends for a trivial spec."""
    spec = RunSpec(
        image=image,
        command=("true",),
        mounts=mounts,
        workdir="/work",
        limits=Limits(),
        labels={TEST_LABEL: label},
    )
    config = container_config(spec, new_run_id(), cgroup_parent=None)
    client = docker.APIClient(base_url=f"unix://{UPSTREAM}", version="1.41")
    config["host_config"] = client.create_host_config(**config["host_config"])
    config.pop("name")
    return dict(client.create_container_config(**config))


def assert_nothing_created(engine: docker.APIClient, label: str) -> None:
    assert engine.containers(all=True, filters={"label": [f"{TEST_LABEL}={label}"]}) == []


def test_a_sandbox_run_through_the_proxy_is_ok(
    proxy_socket: str, run_py: RunPy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{proxy_socket}")
    monkeypatch.setattr(docker_engine, "_clients", {})
    result = run_py(
        "import os; print(sorted(os.listdir('/extra'))[:1]); open('/work/out/x', 'w').write('1')",
        extra_mounts=(Mount(READONLY_ROOT, "/extra"),),
    )
    assert result.verdict == Verdict.OK, result
    assert result.stdout == "['profile.json']\n"


@pytest.mark.parametrize("go_through_engine", [False, True])
def test_a_pooled_run_through_the_proxy_is_ok(
    proxy_socket: str,
    run_py: RunPy,
    monkeypatch: pytest.MonkeyPatch,
    go_through_engine: bool,
) -> None:
    """The pool's calls (create, attach, start, kill with SIGUSR1 when the gate's process
    is not visible, remove) all pass the proxy."""
    monkeypatch.setenv("DOCKER_HOST", f"unix://{proxy_socket}")
    monkeypatch.setattr(docker_engine, "_clients", {})
    if go_through_engine:
        monkeypatch.setattr(pool_module, "_gate_pidfd", lambda client, container_id: None)
    with forced_pool_size(1) as pool:
        assert pool is not None
        assert run_py("print('warm')").verdict == Verdict.OK
        assert pool.wait_full(60)
        result = run_py("print('pooled')")
        assert pool.hits == 1
    assert result.verdict == Verdict.OK, result
    assert result.stdout == "pooled\n"


def _set(path: str, value: Any) -> Mutation:
    def mutate(body: dict[str, Any]) -> None:
        *parents, key = path.split(".")
        target = body
        for parent in parents:
            target = target[parent]
        if value is KeyError:
            del target[key]
        else:
            target[key] = value

    return mutate


def _bind(source: str, *, read_only: bool) -> Mutation:
    return _set(
        "HostConfig.Mounts",
        [{"Target": "/host", "Source": source, "Type": "bind", "ReadOnly": read_only}],
    )


FORBIDDEN_CREATES: dict[str, Mutation] = {
    "privileged": _set("HostConfig.Privileged", True),
    "cap add": _set("HostConfig.CapAdd", ["SYS_ADMIN"]),
    "no cap drop": _set("HostConfig.CapDrop", KeyError),
    "host bind via Binds": _set("HostConfig.Binds", ["/:/host"]),
    "host bind via Mounts": _bind("/", read_only=True),
    "docker socket bind": _bind(UPSTREAM, read_only=True),
    "dot-dot source": _bind(f"{tempfile.gettempdir()}/../etc", read_only=True),
    "writable bind of a read-only root": _bind(str(READONLY_ROOT), read_only=False),
    "bind propagation": _set(
        "HostConfig.Mounts",
        [
            {
                "Target": "/h",
                "Source": str(READONLY_ROOT),
                "Type": "bind",
                "ReadOnly": True,
                "BindOptions": {"Propagation": "rshared"},
            }
        ],
    ),
    "volume mount": _set(
        "HostConfig.Mounts", [{"Target": "/h", "Source": "vol", "Type": "volume"}]
    ),
    "network bridge": _set("HostConfig.NetworkMode", "bridge"),
    "network host": _set("HostConfig.NetworkMode", "host"),
    "network enabled": _set("NetworkDisabled", False),
    "pid host": _set("HostConfig.PidMode", "host"),
    "ipc host": _set("HostConfig.IpcMode", "host"),
    "userns host": _set("HostConfig.UsernsMode", "host"),
    "uts host": _set("HostConfig.UTSMode", "host"),
    "devices": _set(
        "HostConfig.Devices",
        [{"PathOnHost": "/dev/mem", "PathInContainer": "/dev/mem", "CgroupPermissions": "rwm"}],
    ),
    "all gpus": _set("HostConfig.DeviceRequests", [{"Count": -1, "Capabilities": [["gpu"]]}]),
    "seccomp unconfined": _set(
        "HostConfig.SecurityOpt", ["no-new-privileges:true", "seccomp=unconfined"]
    ),
    "apparmor unconfined": _set("HostConfig.SecurityOpt", ["apparmor=unconfined"]),
    "writable root": _set("HostConfig.ReadonlyRootfs", False),
    "no memory limit": _set("HostConfig.Memory", KeyError),
    "swap": _set("HostConfig.MemorySwap", -1),
    "no pids limit": _set("HostConfig.PidsLimit", -1),
    "root user": _set("User", "0:0"),
    "other image": _set("Image", "debian:bookworm"),
    "image by id": _set("Image", "sha256:" + "0" * 64),
    "runtime": _set("HostConfig.Runtime", "runc-unsafe"),
    "sysctls": _set("HostConfig.Sysctls", {"kernel.shm_rmid_forced": "1"}),
    "cgroup parent /": _set("HostConfig.CgroupParent", "/"),
    "oom protected": _set("HostConfig.OomScoreAdj", -1000),
    "no sandbox label": _set("Labels", {"x": "1"}),
    "port bindings": _set("HostConfig.PortBindings", {"80/tcp": [{"HostPort": "80"}]}),
}


@pytest.mark.parametrize("mutate", FORBIDDEN_CREATES.values(), ids=FORBIDDEN_CREATES.keys())
def test_a_create_that_is_not_the_sandbox_configuration_is_refused(
    proxy_socket: str, engine: docker.APIClient, sandbox_image: str, mutate: Mutation
) -> None:
    label = uuid.uuid4().hex
    body = sandbox_body(sandbox_image, label)
    # The unmodified body passes (checked without creating: an unknown API version).
    forbidden = copy.deepcopy(body)
    mutate(forbidden)
    forbidden.setdefault("Labels", {})[TEST_LABEL] = label
    status, answer = http(
        proxy_socket,
        "POST",
        f"/v1.41/containers/create?name=cert-sandbox-{new_run_id()}",
        json.dumps(forbidden).encode(),
    )
    assert status == 403, answer
    assert answer["message"].startswith("refused by the sandbox proxy")
    assert_nothing_created(engine, label)


def test_a_symlink_out_of_the_roots_is_refused(
    proxy_socket: str, engine: docker.APIClient, sandbox_image: str, tmp_path: Path
) -> None:
    (tmp_path / "link").symlink_to("/")
    label = uuid.uuid4().hex
    body = sandbox_body(sandbox_image, label, (Mount(tmp_path / "link", "/host"),))
    body["HostConfig"]["Mounts"][0]["Source"] = str(tmp_path / "link")
    status, answer = http(
        proxy_socket,
        "POST",
        f"/containers/create?name=cert-sandbox-{new_run_id()}",
        json.dumps(body).encode(),
    )
    assert status == 403 and "outside the allowed roots" in answer["message"]
    assert_nothing_created(engine, label)


def test_the_sandbox_body_itself_is_accepted_and_creates_one_labelled_container(
    proxy_socket: str, engine: docker.APIClient, sandbox_image: str
) -> None:
    label = uuid.uuid4().hex
    body = json.dumps(sandbox_body(sandbox_image, label)).encode()
    status, answer = http(
        proxy_socket, "POST", f"/v1.41/containers/create?name=cert-sandbox-{new_run_id()}", body
    )
    try:
        assert status == 201, answer
        status, _ = http(proxy_socket, "GET", f"/containers/{answer['Id']}/json")
        assert status == 200
    finally:
        for container in engine.containers(all=True, filters={"label": [f"{TEST_LABEL}={label}"]}):
            engine.remove_container(container["Id"], force=True)


def _valid_create(image: str) -> bytes:
    return json.dumps(sandbox_body(image, uuid.uuid4().hex)).encode()


ID = "0" * 64
FORBIDDEN_CALLS = {
    "list all containers": ("GET", "/containers/json?all=1"),
    "list by another label": ("GET", '/containers/json?filters={"label":["other=1"]}'),
    "list by id only": ("GET", '/containers/json?filters={"id":["abc"]}'),
    "pull an image": ("POST", "/images/create?fromImage=busybox&tag=latest"),
    "import an image": ("POST", "/v1.41/images/create?fromSrc=-&repo=cert-engine/sandbox-x"),
    "remove an image": ("DELETE", "/images/debian:bookworm"),
    "inspect another image": ("GET", "/images/debian:bookworm/json"),
    "build": ("POST", "/build"),
    "swarm": ("GET", "/swarm"),
    "swarm init": ("POST", "/swarm/init"),
    "volume create": ("POST", "/volumes/create"),
    "networks": ("GET", "/networks"),
    "events": ("GET", "/events"),
    "exec create": ("POST", f"/containers/{ID}/exec"),
    "archive get": ("GET", f"/containers/{ID}/archive?path=/"),
    "archive put": ("PUT", f"/containers/{ID}/archive?path=/"),
    "container logs": ("GET", f"/containers/{ID}/logs?stdout=1"),
    "container update": ("POST", f"/containers/{ID}/update"),
    "prune": ("POST", "/containers/prune"),
    "plugins": ("GET", "/plugins"),
    "wrong method": ("PUT", "/containers/create"),
    "url-encoded dot-dot": ("POST", "/containers/%2e%2e/images/create"),
    "url-encoded slash": ("POST", "/containers%2Fcreate"),
    "dot-dot": ("POST", "/containers/create/../../images/create"),
    "dot segment": ("POST", "/./containers/create"),
    "double slash": ("POST", "//containers/create"),
    "backslash": ("POST", "/containers\\create"),
    "unknown version prefix": ("POST", "/v1.99/containers/create"),
    "other version spelling": ("POST", "/v2/containers/create"),
    "extra query parameter": ("POST", "/containers/create?platform=linux"),
    "repeated name": ("POST", "/containers/create?name=cert-sandbox-0000000000000000&name=x"),
    "another name": ("POST", "/containers/create?name=db"),
    "fragment": ("POST", "/containers/create#x"),
    "remove with link": ("DELETE", f"/containers/{ID}?link=1"),
    "kill with another signal": ("POST", f"/containers/{ID}/kill?signal=SIGTERM"),
    "kill with a numbered signal": ("POST", f"/containers/{ID}/kill?signal=19"),
}


@pytest.mark.parametrize(("method", "target"), FORBIDDEN_CALLS.values(), ids=FORBIDDEN_CALLS.keys())
def test_a_call_the_sandbox_does_not_make_is_refused(
    proxy_socket: str, engine: docker.APIClient, sandbox_image: str, method: str, target: str
) -> None:
    volumes = {v["Name"] for v in engine.volumes().get("Volumes") or []}
    name = f"cert-proxy-test-{uuid.uuid4().hex}"
    body = (
        _valid_create(sandbox_image) if "create" in target else json.dumps({"Name": name}).encode()
    )
    status, answer = http(proxy_socket, method, target, body)
    assert status == 403, answer
    assert answer["message"].startswith("refused by the sandbox proxy")
    assert {v["Name"] for v in engine.volumes().get("Volumes") or []} <= volumes
    assert (
        engine.containers(all=True, filters={"name": ["^/cert-sandbox-0000000000000000$", "^/db$"]})
        == []
    )
    assert engine.images(name="cert-engine/sandbox-x") == []


@pytest.fixture
def foreign_container(engine: docker.APIClient, sandbox_image: str) -> Iterator[str]:
    """A created (never started) container without the sandbox label."""
    created = engine.create_container(
        sandbox_image,
        command=["true"],
        network_disabled=True,
        host_config=engine.create_host_config(network_mode="none"),
    )
    yield str(created["Id"])
    engine.remove_container(created["Id"], force=True)


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("GET", "/json"),
        ("POST", "/start"),
        ("POST", "/kill"),
        ("POST", "/wait"),
        ("DELETE", "?force=1"),
        ("POST", "/attach?stdout=1&stream=1"),
    ],
)
def test_a_container_that_is_not_a_sandbox_answers_like_a_missing_one(
    proxy_socket: str, engine: docker.APIClient, foreign_container: str, method: str, suffix: str
) -> None:
    status, answer = http(proxy_socket, method, f"/containers/{foreign_container}{suffix}")
    assert status == 404, answer
    assert engine.inspect_container(foreign_container)["State"]["Status"] == "created"


def test_an_oversized_body_is_refused(
    proxy_socket: str, engine: docker.APIClient, sandbox_image: str
) -> None:
    label = uuid.uuid4().hex
    body = sandbox_body(sandbox_image, label)
    body["Env"] = [f"X={'x' * 1024}"] * 512
    status, answer = http(
        proxy_socket,
        "POST",
        f"/containers/create?name=cert-sandbox-{new_run_id()}",
        json.dumps(body).encode(),
    )
    assert status == 413, answer
    assert_nothing_created(engine, label)


@pytest.mark.parametrize(
    "body", [b"{", b"[]", b"\xff\xfe", b'{"Image": "cert-engine/sandbox-x:1"}', b""]
)
def test_a_malformed_body_is_refused(proxy_socket: str, body: bytes) -> None:
    status, answer = http(
        proxy_socket, "POST", f"/containers/create?name=cert-sandbox-{new_run_id()}", body
    )
    assert status == 403, answer


def test_malformed_http_is_answered_400(proxy_socket: str) -> None:
    status, answer = http(proxy_socket, "", "", raw=b"GARBAGE\r\n\r\n")
    assert status == 400, answer


def test_keep_alive_and_a_chunked_request(proxy_socket: str, sandbox_image: str) -> None:
    """Several requests on one connection, one of them with a chunked body."""
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(30)
        sock.connect(proxy_socket)
        conn = h11.Connection(h11.CLIENT)
        statuses = []
        for method, target, body in [
            ("GET", "/_ping", b""),
            ("POST", "/containers/create?name=db", b'{"a": 1}'),
            ("GET", "/version", b""),
        ]:
            headers = [("Host", "docker")] + ([("Transfer-Encoding", "chunked")] if body else [])
            sock.sendall(conn.send(h11.Request(method=method, target=target, headers=headers)))
            if body:
                sock.sendall(conn.send(h11.Data(data=body)))
            sock.sendall(conn.send(h11.EndOfMessage()))
            while True:
                event = conn.next_event()
                if event is h11.NEED_DATA:
                    conn.receive_data(sock.recv(65536))
                elif isinstance(event, h11.Response):
                    statuses.append(event.status_code)
                elif isinstance(event, h11.EndOfMessage):
                    break
            conn.start_next_cycle()
    assert statuses == [200, 403, 200]
