"""``python -m config.serve [--host H] [--port P]``: the web server (granian over
``config.wsgi``, core/web_server.py explains the choice) in place of this process.
The Dockerfile and the compose files start the site this way."""

import argparse
import os

from core.web_server import STATEMENT_TIMEOUT, command


def main() -> None:
    parser = argparse.ArgumentParser(description="The web server (core/web_server.py).")
    parser.add_argument("--host", default=os.environ.get("WEB_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("WEB_PORT", "8000")))
    args = parser.parse_args()
    argv = command(host=args.host, port=args.port)
    os.environ.setdefault("DATABASE_STATEMENT_TIMEOUT", STATEMENT_TIMEOUT)
    os.execv(argv[0], argv)  # noqa: S606 - our own argv; the server takes this process over


if __name__ == "__main__":
    main()
