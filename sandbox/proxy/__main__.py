"""``python -m sandbox.proxy [--listen PATH] [--upstream PATH]``: run the proxy until
killed (``manage.py sandbox_proxy`` does the same with Django's settings)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from sandbox import conf
from sandbox.proxy.config import load_config
from sandbox.proxy.server import Proxy

DEFAULT_LISTEN = "/run/cert-engine/docker-proxy.sock"
DEFAULT_UPSTREAM = "/var/run/docker.sock"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--listen", default=conf.get("SANDBOX_PROXY_SOCKET") or DEFAULT_LISTEN)
    parser.add_argument(
        "--upstream", default=conf.get("SANDBOX_PROXY_UPSTREAM") or DEFAULT_UPSTREAM
    )
    parser.add_argument("--mode", default="660", help="permissions of the socket, octal")
    parser.add_argument("--log-level", default="INFO")


def serve(listen: str, upstream: str, *, mode: str, log_level: str) -> None:
    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr
    )
    with Proxy(listen, upstream, load_config(), mode=int(mode, 8)) as proxy:
        proxy.serve_forever()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox.proxy", description=__doc__)
    add_arguments(parser)
    args = parser.parse_args(argv)
    serve(args.listen, args.upstream, mode=args.mode, log_level=args.log_level)


if __name__ == "__main__":
    main()
