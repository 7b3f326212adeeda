"""One worker connection: read a request (h11), decide, forward or refuse, repeat
while the connection is kept alive."""

from __future__ import annotations

import contextlib
import json
import logging
import selectors
import socket
from typing import TYPE_CHECKING, Any

import h11

from sandbox.docker_config import LABEL
from sandbox.proxy.create_rules import check_create
from sandbox.proxy.engine import CHUNK, Engine
from sandbox.proxy.rules import Allowed, Refused, decide

if TYPE_CHECKING:
    from sandbox.proxy.server import Proxy

logger = logging.getLogger("sandbox.proxy")
IDLE_SECONDS = 300.0  # a kept-alive connection with no new request is closed after
DROPPED_HEADERS = {b"connection", b"keep-alive", b"transfer-encoding", b"content-length"}


class _NotFound(Exception):
    """The container does not exist, or is not a sandbox container (same answer)."""


class Session:
    def __init__(self, sock: socket.socket, proxy: Proxy) -> None:
        self.sock = sock
        self.proxy = proxy
        self.conn = h11.Connection(h11.SERVER, max_incomplete_event_size=64 * 1024)
        self.engine = Engine(proxy.upstream)

    def serve(self) -> None:
        self.sock.settimeout(IDLE_SECONDS)
        try:
            while self._one():
                pass
        except h11.RemoteProtocolError as exc:
            self._answer_quietly(400, f"malformed HTTP: {exc}")
        except (OSError, h11.ProtocolError) as exc:
            logger.debug("connection ended: %s", exc)
        finally:
            self.engine.close()
            with contextlib.suppress(OSError):
                self.sock.close()

    def _send(self, *events: Any) -> None:
        for event in events:
            data = self.conn.send(event)
            if data:
                self.sock.sendall(data)

    def _answer(self, status: int, message: str) -> None:
        body = json.dumps({"message": message}).encode()
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        self._send(
            h11.Response(status_code=status, headers=headers),
            h11.Data(data=body),
            h11.EndOfMessage(),
        )

    def _answer_quietly(self, status: int, message: str) -> None:
        with contextlib.suppress(OSError, h11.ProtocolError):
            self._answer(status, message)

    def _read_request(self) -> tuple[h11.Request, bytes] | None:
        request: h11.Request | None = None
        body = bytearray()
        while True:
            event = self.conn.next_event()
            if event is h11.NEED_DATA:
                try:
                    self.conn.receive_data(self.sock.recv(CHUNK))
                except TimeoutError:
                    return None
            elif isinstance(event, h11.Request):
                request = event
            elif isinstance(event, h11.Data):
                body += event.data
                if len(body) > self.proxy.config.max_body_bytes:
                    self._answer(
                        413,
                        f"refused by the sandbox proxy: body over {self.proxy.config.max_body_bytes} bytes",
                    )
                    return None
            elif isinstance(event, h11.EndOfMessage) and request is not None:
                return request, bytes(body)
            else:  # ConnectionClosed
                return None

    def _one(self) -> bool:
        """Serves one request; whether the connection stays open for another."""
        read = self._read_request()
        if read is None:
            return False
        request, body = read
        method, target = (
            request.method.decode("ascii", "replace"),
            request.target.decode("ascii", "replace"),
        )
        try:
            allowed = self._check(request, method, target, body)
        except Refused as exc:
            logger.warning("refused %s %s: %s", method, target[:200], exc)
            self._answer(403, f"refused by the sandbox proxy: {exc}")
            return self._next_cycle()
        except _NotFound as exc:
            self._answer(404, f"No such container: {exc}")
            return self._next_cycle()
        logger.info("allowed %s %s", allowed.route, method)
        if self._forward(request, body, allowed):
            self._pipe()
            return False
        return self._next_cycle()

    def _check(self, request: h11.Request, method: str, target: str, body: bytes) -> Allowed:
        allowed = decide(method, target, self.proxy.config)
        if allowed.route == "container.create":
            check_create(body, self.proxy.config)
        elif body:
            raise Refused(f"{allowed.route}: a body is not expected")
        if allowed.container is not None:
            self._check_container(allowed.container)
        if allowed.route == "container.attach" and not _upgrades(request):
            raise Refused("container.attach: only as an upgraded (hijacked) connection")
        return allowed

    def _check_container(self, key: str) -> None:
        if key in self.proxy.known:
            return
        status, body = self.engine.request("GET", f"/containers/{key}/json")
        if status == 404:
            raise _NotFound(key)
        if status != 200:
            raise Refused(f"the engine did not answer for container {key} ({status})")
        info = json.loads(body)
        if ((info.get("Config") or {}).get("Labels") or {}).get(LABEL) != "1":
            raise _NotFound(key)
        self.proxy.known.add(str(info["Id"]), key)

    def _next_cycle(self) -> bool:
        if self.conn.our_state is h11.DONE and self.conn.their_state is h11.DONE:
            self.conn.start_next_cycle()
            return True
        return False

    def _forward(self, request: h11.Request, body: bytes, allowed: Allowed) -> bool:
        """Sends the request to the engine and streams its answer back; whether both
        sides switched protocols (an attach)."""
        headers = [
            (n, v)
            for n, v in request.headers.raw_items()
            if n.lower() not in (b"content-length", b"transfer-encoding")
        ]
        if body:
            headers.append((b"Content-Length", str(len(body)).encode()))
        self.engine.open()
        self.engine.send(h11.Request(method=request.method, target=request.target, headers=headers))
        self.engine.send(*([h11.Data(data=body)] if body else []), h11.EndOfMessage())
        captured = bytearray()
        for event in self.engine.events():
            if isinstance(event, h11.InformationalResponse):
                if event.status_code == 101:
                    self._send(
                        h11.InformationalResponse(
                            status_code=101, headers=event.headers.raw_items(), reason=event.reason
                        )
                    )
                    return True
            elif isinstance(event, h11.Response):
                kept = [
                    (n, v)
                    for n, v in event.headers.raw_items()
                    if n.lower() not in DROPPED_HEADERS or n.lower() == b"content-length"
                ]
                self._send(
                    h11.Response(status_code=event.status_code, headers=kept, reason=event.reason)
                )
            elif isinstance(event, h11.Data):
                if allowed.route == "container.create":
                    captured += event.data
                self._send(h11.Data(data=event.data))
            elif isinstance(event, h11.EndOfMessage):
                self._send(h11.EndOfMessage())
        if captured:
            with contextlib.suppress(ValueError, KeyError, TypeError):
                self.proxy.known.add(str(json.loads(captured)["Id"]))
        self.engine.finish_cycle()
        return False

    def _pipe(self) -> None:
        """Both sides switched: copy bytes both ways until the engine ends the stream."""
        engine = self.engine.sock
        assert engine is not None
        leftovers = (
            (self.conn.trailing_data[0], engine),
            (self.engine.conn.trailing_data[0], self.sock),
        )
        for data, destination in leftovers:
            if data:
                destination.sendall(data)
        self.sock.settimeout(None)
        with selectors.DefaultSelector() as selector:
            selector.register(self.sock, selectors.EVENT_READ, engine)
            selector.register(engine, selectors.EVENT_READ, self.sock)
            while True:
                for key, _ in selector.select():
                    source, destination = key.fileobj, key.data
                    assert isinstance(source, socket.socket)
                    data = source.recv(CHUNK)
                    if data:
                        destination.sendall(data)
                        continue
                    if source is engine:
                        return
                    selector.unregister(source)
                    with contextlib.suppress(OSError):
                        destination.shutdown(socket.SHUT_WR)


def _upgrades(request: h11.Request) -> bool:
    return any(name.lower() == b"upgrade" for name, _ in request.headers.raw_items())
