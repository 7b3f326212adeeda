"""The proxy's listener: a threaded Unix-socket server, one ``Session`` per worker
connection (the docker SDK keeps a small pool of them)."""

from __future__ import annotations

import logging
import os
import socket
import socketserver
import stat

from sandbox.proxy.config import ProxyConfig
from sandbox.proxy.engine import KnownContainers
from sandbox.proxy.session import Session

logger = logging.getLogger("sandbox.proxy")


class _Handler(socketserver.BaseRequestHandler):
    server: Proxy

    def handle(self) -> None:
        assert isinstance(self.request, socket.socket)
        Session(self.request, self.server).serve()


class Proxy(socketserver.ThreadingUnixStreamServer):
    """Listens on ``listen`` (created with ``mode``), forwards to ``upstream``."""

    daemon_threads = True

    def __init__(
        self, listen: str, upstream: str, config: ProxyConfig, *, mode: int = 0o660
    ) -> None:
        self.upstream = upstream
        self.config = config
        self.known = KnownContainers()
        if os.path.lexists(listen):
            if not stat.S_ISSOCK(os.lstat(listen).st_mode):
                raise FileExistsError(f"{listen} exists and is not a socket")
            os.unlink(listen)  # left by a proxy that was killed
        os.makedirs(os.path.dirname(listen) or ".", exist_ok=True)
        old = os.umask(0o777 & ~mode)
        try:
            super().__init__(listen, _Handler)
        finally:
            os.umask(old)
        os.chmod(listen, mode)
        logger.info("sandbox proxy on %s -> %s", listen, upstream)
