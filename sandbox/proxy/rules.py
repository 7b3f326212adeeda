"""The Engine API calls the sandbox makes, and nothing else.

A request is matched on its method and its path with an optional ``/v1.NN`` prefix
(the API versions the docker SDK speaks). Paths are matched as sent: a ``%``-escape,
an empty, ``.`` or ``..`` segment, or a backslash is refused before any matching, so
that no spelling of a path can reach a route other than the one checked. Each route
names the query parameters it accepts; any other parameter is refused too. Calls that
name a container are allowed only for sandbox containers (label
``cert-engine.sandbox=1``), which the server checks against the engine.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl

from sandbox.docker_config import LABEL
from sandbox.proxy.config import ProxyConfig

# The docker SDK's oldest and newest API versions (it negotiates within them).
_VERSION = r"(?:/v1\.(?:2[4-9]|3[0-9]|4[0-9]))?"
_CONTAINER = r"(?P<container>[0-9a-f]{12,64}|cert-sandbox-[0-9a-f]{16})"
_IMAGE = r"(?P<image>[a-z0-9][a-z0-9._/-]*(?::[A-Za-z0-9_.-]+)?)"
LIST_FILTERS = {"label", "id", "name", "status"}
_TRUE_FALSE = {"0", "1", "true", "false", "True", "False"}
# The run kills with SIGKILL (the default when no signal is named); a pooled
# container's gate gets its go signal, SIGUSR1, when its process is not visible here.
KILL_SIGNALS = {"KILL", "SIGKILL", "9", "USR1", "SIGUSR1", "10"}


@dataclass(frozen=True)
class Route:
    name: str
    methods: frozenset[str]
    pattern: re.Pattern[str]
    query: frozenset[str]


def _route(name: str, methods: str, path: str, query: str = "") -> Route:
    return Route(
        name,
        frozenset(methods.split()),
        re.compile(_VERSION + path + r"\Z"),
        frozenset(query.split()),
    )


ROUTES = (
    _route("ping", "GET HEAD", "/_ping"),
    _route("version", "GET", "/version"),
    _route("info", "GET", "/info"),
    _route("container.create", "POST", "/containers/create", "name"),
    _route("container.list", "GET", "/containers/json", "all filters limit size trunc_cmd"),
    _route(
        "container.attach", "POST", f"/containers/{_CONTAINER}/attach", "stdout stderr stream logs"
    ),
    _route("container.start", "POST", f"/containers/{_CONTAINER}/start"),
    _route("container.wait", "POST", f"/containers/{_CONTAINER}/wait", "condition"),
    _route("container.kill", "POST", f"/containers/{_CONTAINER}/kill", "signal"),
    _route("container.inspect", "GET", f"/containers/{_CONTAINER}/json", "size"),
    _route("container.remove", "DELETE", f"/containers/{_CONTAINER}", "v force link"),
    _route("image.inspect", "GET", f"/images/{_IMAGE}/json"),
)


class Refused(Exception):
    """The request may not reach the engine; the message says why."""


@dataclass(frozen=True)
class Allowed:
    """A request that may go on: its route, and the container it names (to be checked
    for the sandbox label) if any."""

    route: str
    container: str | None = None


def _split(target: str) -> tuple[str, list[tuple[str, str]]]:
    path, _, query = target.partition("?")
    if not path.startswith("/") or any(c in path for c in "%\\") or "#" in target or "//" in path:
        raise Refused(f"path {path!r} is not in canonical form")
    if any(part in (".", "..") for part in path.split("/")[1:]):
        raise Refused(f"path {path!r} is not in canonical form")
    try:
        params = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError as exc:
        raise Refused(f"malformed query string: {exc}") from None
    return path, params


def _check_query(route: str, params: list[tuple[str, str]], config: ProxyConfig) -> None:
    names = [name for name, _ in params]
    if len(set(names)) != len(names):
        raise Refused(f"{route}: a query parameter is repeated")
    values = dict(params)
    if route == "container.list":
        _check_list_filters(values.get("filters"))
    if route == "container.create" and not re.fullmatch(
        r"cert-sandbox-[0-9a-f]{16}", values.get("name", "")
    ):
        raise Refused("container.create: the name must be cert-sandbox-<run id>")
    if route == "container.kill" and values.get("signal", "KILL") not in KILL_SIGNALS:
        raise Refused(f"container.kill: signal {values['signal']!r} is not allowed")
    if route == "container.remove" and values.get("link", "0") not in ("0", "false", "False"):
        raise Refused("container.remove: link=1 is not allowed")
    for name in ("all", "size", "trunc_cmd", "stdout", "stderr", "stream", "logs", "v", "force"):
        if name in values and values[name] not in _TRUE_FALSE:
            raise Refused(f"{route}: {name}={values[name]!r}")


def _check_list_filters(raw: str | None) -> None:
    """Listing is allowed only of sandbox containers: the filters must require our label."""
    try:
        filters = json.loads(raw or "null")
    except ValueError:
        raise Refused("container.list: malformed filters") from None
    labels = filters.get("label") if isinstance(filters, dict) else None
    if isinstance(labels, dict):  # the older {"label": {"k=v": true}} form
        labels = [key for key, on in labels.items() if on is True]
    if not isinstance(labels, list) or f"{LABEL}=1" not in labels or set(filters) - LIST_FILTERS:
        raise Refused(f"container.list: the filters must require label {LABEL}=1")


def decide(method: str, target: str, config: ProxyConfig) -> Allowed:
    """The route of ``method target`` if the sandbox makes that call; raises ``Refused``
    otherwise. The body of a create is checked separately (``create_rules``)."""
    path, params = _split(target)
    for route in ROUTES:
        match = route.pattern.match(path)
        if match is None:
            continue
        if method not in route.methods:
            raise Refused(f"{method} {path} is not allowed")
        unknown = sorted({name for name, _ in params} - route.query)
        if unknown:
            raise Refused(f"{route.name}: query parameter(s) {unknown} not allowed")
        _check_query(route.name, params, config)
        groups = match.groupdict()
        if route.name == "image.inspect" and not config.image_allowed(groups["image"]):
            raise Refused(f"image {groups['image']!r} is not a sandbox image")
        return Allowed(route.name, groups.get("container"))
    raise Refused(f"{method} {path} is not an Engine API call the sandbox makes")
