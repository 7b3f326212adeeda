"""The body check of ``POST /containers/create``: the configuration must be the one
``sandbox.docker_config.container_config`` builds, up to the values a run spec may
choose (image among the sandbox images, command, environment, working directory,
limits, bind sources under the configured roots, one GPU).

Every key the sandbox sets has a check; any other key must be absent or empty (the
engine's default). So ``Privileged``, ``CapAdd``, ``Binds``, ``Devices``, ``PidMode``,
``UsernsMode``, ``Runtime``, ``VolumesFrom``, ``PortBindings``, ``NetworkingConfig``
and whatever a future API adds are refused unless left at their defaults.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sandbox import conf
from sandbox.cgroups import PARENT_NAME
from sandbox.docker_config import CONTAINER_TMP, LABEL, LABEL_RUN_ID
from sandbox.proxy.config import ProxyConfig
from sandbox.proxy.rules import Refused

Check = Callable[[Any, ProxyConfig], str | None]
ULIMITS = {"nofile", "fsize", "core", "cpu"}
TMPFS = re.compile(r"rw,nosuid,nodev,size=[1-9][0-9]*m,mode=1777")


def _positive_int(value: Any, _: ProxyConfig) -> str | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and value > 0
    return None if ok else "must be a positive integer"


def _equals(expected: Any) -> Check:
    return lambda value, _: None if value == expected else f"must be {expected!r}"


def _strings(value: Any, _: ProxyConfig) -> str | None:
    ok = isinstance(value, list) and all(isinstance(item, str) for item in value)
    return None if ok else "must be a list of strings"


def _security_opt(value: Any, config: ProxyConfig) -> str | None:
    if not isinstance(value, list) or len(value) != 2 or value[0] != "no-new-privileges:true":
        return "must be no-new-privileges and the sandbox's seccomp profile"
    prefix, _, profile = str(value[1]).partition("=")
    try:
        same = prefix == "seccomp" and json.loads(profile) == config.seccomp
    except ValueError:
        same = False
    return None if same else "must be the sandbox's seccomp profile"


def _ulimits(value: Any, _: ProxyConfig) -> str | None:
    if (
        not isinstance(value, list)
        or {item.get("Name") for item in value if isinstance(item, dict)} != ULIMITS
    ):
        return f"must set exactly {sorted(ULIMITS)}"
    for item in value:
        soft, hard = item.get("Soft"), item.get("Hard")
        if set(item) != {"Name", "Soft", "Hard"} or not all(
            isinstance(v, int) and v >= 0 for v in (soft, hard)
        ):
            return "must be finite"
        if item["Name"] == "core" and hard != 0:
            return "core dumps must be off"
    return None


def _tmpfs(value: Any, _: ProxyConfig) -> str | None:
    ok = (
        isinstance(value, dict)
        and set(value) == {CONTAINER_TMP}
        and TMPFS.fullmatch(str(value[CONTAINER_TMP]))
    )
    return None if ok else "must be the sandbox's capped /tmp"


def _cgroup_parent(value: Any, _: ProxyConfig) -> str | None:
    ok = value in (None, "") or re.fullmatch(rf"/{PARENT_NAME}/[0-9a-f]{{16}}", str(value))
    return None if ok else f"must be /{PARENT_NAME}/<run id>"


def _oom_score_adj(value: Any, _: ProxyConfig) -> str | None:
    return None if isinstance(value, int) and 0 <= value <= 1000 else "must be 0..1000"


def _mount(item: Any, config: ProxyConfig) -> str | None:
    if not isinstance(item, dict) or set(item) - {"Target", "Source", "Type", "ReadOnly"}:
        return "a mount has only Target, Source, Type and ReadOnly"
    source, target = item.get("Source"), item.get("Target")
    if item.get("Type") != "bind" or not isinstance(item.get("ReadOnly", False), bool):
        return "a mount must be a bind"
    if (
        not isinstance(target, str)
        or not target.startswith("/")
        or os.path.normpath(target) != target
    ):
        return f"target {target!r} must be a normal absolute path"
    if (
        not isinstance(source, str)
        or not source.startswith("/")
        or os.path.normpath(source) != source
    ):
        return f"source {source!r} must be a normal absolute path"
    if not os.path.lexists(source):
        return f"source {source} does not exist where the proxy runs"
    # Symlinks resolved here: the engine follows them when it mounts.
    real = Path(os.path.realpath(source))
    writable = not item.get("ReadOnly", False)
    if not config.bind_allowed(real, writable=writable):
        kind = "a writable" if writable else "a"
        return f"{kind} bind of {source} is outside the allowed roots"
    return None


def _mounts(value: Any, config: ProxyConfig) -> str | None:
    if not isinstance(value, list):
        return "must be a list"
    return next((error for error in map(lambda m: _mount(m, config), value) if error), None)


def _device_requests(value: Any, _: ProxyConfig) -> str | None:
    if value in (None, []):
        return None
    if not isinstance(value, list) or len(value) != 1 or not isinstance(value[0], dict):
        return "at most one GPU request"
    request = {"Driver": "", "Count": 0, "DeviceIDs": [], "Options": {}, **value[0]}
    if set(request) != {"Driver", "Count", "DeviceIDs", "Capabilities", "Options"}:
        return "unexpected keys in the GPU request"
    ids, count = request["DeviceIDs"] or [], request["Count"] or 0
    one = (count == 1 and ids == []) or (count == 0 and len(ids) == 1 and isinstance(ids[0], str))
    if (
        request["Driver"] != ""
        or request["Options"]
        or request["Capabilities"] != [["gpu"]]
        or not one
    ):
        return "must request exactly one GPU"
    return None


HOST_CONFIG: dict[str, Check] = {
    "NetworkMode": _equals("none"),
    "CapDrop": _equals(["ALL"]),
    "SecurityOpt": _security_opt,
    "ReadonlyRootfs": _equals(True),
    "Memory": _positive_int,
    "MemorySwap": _positive_int,
    "NanoCpus": _positive_int,
    "PidsLimit": _positive_int,
    "ShmSize": _positive_int,
    "Ulimits": _ulimits,
    "Init": _equals(True),
    "IpcMode": _equals("private"),
    "LogConfig": _equals({"Type": "json-file", "Config": {"max-size": "1m", "max-file": "1"}}),
    "Tmpfs": _tmpfs,
    "OomScoreAdj": _oom_score_adj,
    "Mounts": _mounts,
    "CgroupParent": _cgroup_parent,
    "DeviceRequests": _device_requests,
}
OPTIONAL = {"CgroupParent", "DeviceRequests", "Mounts", "OomScoreAdj"}


def _labels(value: Any, _: ProxyConfig) -> str | None:
    ok = (
        isinstance(value, dict)
        and value.get(LABEL) == "1"
        and isinstance(value.get(LABEL_RUN_ID), str)
    )
    ok = ok and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
    return None if ok else f"must carry {LABEL}=1 and a run id"


def _image(value: Any, config: ProxyConfig) -> str | None:
    return None if config.image_allowed(value) else f"{value!r} is not a sandbox image"


def _user(value: Any, _: ProxyConfig) -> str | None:
    uid = conf.sandbox_uid()
    return None if value == f"{uid}:{uid}" else f"must be {uid}:{uid}"


CONFIG: dict[str, Check] = {
    "Image": _image,
    "User": _user,
    "Cmd": _strings,
    "Env": _strings,
    "Labels": _labels,
    "Hostname": _equals("sandbox"),
    "WorkingDir": lambda value, _: None if isinstance(value, str) else "must be a string",
    "NetworkDisabled": _equals(True),
    "AttachStdout": lambda value, _: None if isinstance(value, bool) else "must be a boolean",
    "AttachStderr": lambda value, _: None if isinstance(value, bool) else "must be a boolean",
    "HostConfig": lambda value, _: None if isinstance(value, dict) else "must be an object",
}


def _empty(value: Any) -> bool:
    return (
        value is None or value is False or value == "" or value == [] or value == {} or value == 0
    )


def _check_object(
    body: dict[str, Any], checks: dict[str, Check], config: ProxyConfig, where: str
) -> None:
    for key, value in body.items():
        check = checks.get(key)
        if check is None:
            if not _empty(value):
                raise Refused(f"{where}{key} is not allowed (only its default)")
            continue
        error = check(value, config)
        if error:
            raise Refused(f"{where}{key} {error}")


def check_create(raw: bytes, config: ProxyConfig) -> None:
    """Raises ``Refused`` unless ``raw`` is a sandbox container's create body."""
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise Refused("container.create: the body is not JSON") from None
    if not isinstance(body, dict):
        raise Refused("container.create: the body is not a JSON object")
    missing = sorted(set(CONFIG) - {"AttachStdout", "AttachStderr"} - set(body))
    if missing:
        raise Refused(f"container.create: missing {missing}")
    _check_object(body, CONFIG, config, "")
    host = body["HostConfig"]
    missing = sorted(set(HOST_CONFIG) - OPTIONAL - set(host))
    if missing:
        raise Refused(f"container.create: HostConfig lacks {missing}")
    _check_object(host, HOST_CONFIG, config, "HostConfig.")
    if host["MemorySwap"] != host["Memory"]:
        raise Refused("HostConfig.MemorySwap must equal Memory (no swap)")
