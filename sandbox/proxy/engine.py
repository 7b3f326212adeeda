"""The proxy's side of the engine: one kept-alive h11 client connection per worker
connection, and the set of containers known to be sandbox containers."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import h11

CHUNK = 64 * 1024


class Engine:
    """One kept-alive connection to the engine's socket, reopened when it closes."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.sock: socket.socket | None = None
        self.conn = h11.Connection(h11.CLIENT)

    def open(self) -> None:
        if self.sock is None or self.conn.our_state is not h11.IDLE:
            self.close()
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.connect(self.path)
            self.conn = h11.Connection(h11.CLIENT)

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock = None

    def send(self, *events: Any) -> None:
        assert self.sock is not None
        for event in events:
            data = self.conn.send(event)
            if data:
                self.sock.sendall(data)

    def events(self) -> Iterator[Any]:
        """The response's events up to its end (or the protocol switch)."""
        assert self.sock is not None
        while True:
            event = self.conn.next_event()
            if event is h11.NEED_DATA:
                self.conn.receive_data(self.sock.recv(CHUNK))
                continue
            yield event
            if isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
                return
            if isinstance(event, h11.InformationalResponse) and event.status_code == 101:
                return

    def finish_cycle(self) -> None:
        if self.conn.our_state is h11.DONE and self.conn.their_state is h11.DONE:
            self.conn.start_next_cycle()
        else:
            self.close()

    def request(self, method: str, target: str) -> tuple[int, bytes]:
        """A small request of the proxy's own: status and body."""
        self.open()
        self.send(
            h11.Request(method=method, target=target, headers=[("Host", "docker")]),
            h11.EndOfMessage(),
        )
        status, body = 0, b""
        for event in self.events():
            if isinstance(event, h11.Response):
                status = event.status_code
            elif isinstance(event, h11.Data):
                body += bytes(event.data)
        self.finish_cycle()
        return status, body


class KnownContainers:
    """Ids (and names) of containers known to be sandbox containers."""

    def __init__(self, limit: int = 4096) -> None:
        self.lock = threading.Lock()
        self.ids: dict[str, None] = {}
        self.limit = limit

    def add(self, *keys: str) -> None:
        with self.lock:
            for key in keys:
                self.ids[key] = None
            while len(self.ids) > self.limit:
                del self.ids[next(iter(self.ids))]

    def __contains__(self, key: str) -> bool:
        with self.lock:
            return key in self.ids
