"""The candidates' side of the exam-day simulation: the site served by granian on
loopback, and each candidate's day through the REST API as the exam page does it
(start, autosave every item with a growing revision using the attempt's save token,
submit, then upload a practical solution for some). Every answer the server
acknowledged is remembered, to check later that none was lost."""

import socket
import subprocess
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import IO, Any

import requests
from django.conf import settings

from core import web_server

SOLUTION = b"""import numpy as np

def train(train_dir, model_dir):
    (model_dir / "m.txt").write_text("0")

def predict(model_dir, inputs):
    return np.zeros(len(inputs), dtype=np.int64)
"""


@dataclass
class Tally:
    """What the clients saw; lists are appended from many threads (atomic in CPython)."""

    start_ms: list[float] = field(default_factory=list)
    save_ms: list[float] = field(default_factory=list)
    submit_ms: list[float] = field(default_factory=list)
    upload_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # (attempt public id, item id, revision) for every 2xx autosave
    saved: list[tuple[str, int, int]] = field(default_factory=list)
    submitted: list[str] = field(default_factory=list)  # attempt public ids
    uploads: list[str] = field(default_factory=list)  # submission public ids


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def web_start(
    *, env: Mapping[str, str], workers: int, output: IO[bytes]
) -> tuple[subprocess.Popen[bytes], str]:
    """The production web server (config/serve.py, autosave fast path included) on a
    free loopback port; returns the process and its base URL once it answers."""
    port = free_port()
    process = web_server.spawn(
        host="127.0.0.1",
        port=port,
        workers=workers,
        cwd=settings.BASE_DIR,
        env=dict(env),
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(f"{base}/api/v1/certifications/", timeout=5)
            return process, base
        except requests.RequestException:
            if process.poll() is not None:
                break
            time.sleep(0.3)
    web_server.stop(process, timeout=5)
    raise RuntimeError("the web server did not answer within 60 s")


class Candidate:
    """One candidate's day. ``session`` is this thread's HTTP session."""

    def __init__(self, *, base: str, token: str, tally: Tally, session: requests.Session) -> None:
        self.base = base
        self.auth = {"Authorization": f"Token {token}"}
        self.tally = tally
        self.session = session

    def day(self, *, exam_id: int, saves_per_item: int, practical_slug: str | None) -> None:
        attempt = self._call("start", "post", f"/api/v1/exams/{exam_id}/attempts/", 201)
        if attempt is None:
            return
        token = {"X-Attempt-Token": attempt["save_token"]}
        for revision in range(1, saves_per_item + 1):
            for index, item in enumerate(attempt["items"]):
                body = {
                    "response": {"choice": "abcd"[(index + revision) % 4]},
                    "revision": revision,
                }
                path = f"/api/v1/attempts/{attempt['id']}/answers/{item['id']}/"
                if self._call("save", "put", path, 200, json=body, headers=token) is not None:
                    self.tally.saved.append((attempt["id"], item["id"], revision))
        if self._call("submit", "post", f"/api/v1/attempts/{attempt['id']}/submit/", 200):
            self.tally.submitted.append(attempt["id"])
        if practical_slug is not None:
            upload = self._call(
                "upload",
                "post",
                f"/api/v1/certifications/{practical_slug}/submissions/",
                201,
                files={"file": ("solution.py", SOLUTION)},
            )
            if upload is not None:
                self.tally.uploads.append(upload["id"])

    def _call(
        self, kind: str, method: str, path: str, expected: int, **kwargs: Any
    ) -> dict[str, Any] | None:
        headers = {**self.auth, **kwargs.pop("headers", {})}
        started = time.perf_counter()
        try:
            response = self.session.request(
                method, self.base + path, headers=headers, timeout=60, **kwargs
            )
        except requests.RequestException as exc:
            self.tally.errors.append(f"{kind}: {type(exc).__name__}")
            return None
        getattr(self.tally, f"{kind}_ms").append((time.perf_counter() - started) * 1000)
        if response.status_code != expected:
            self.tally.errors.append(f"{kind}: HTTP {response.status_code} {response.text[:200]}")
            return None
        body: dict[str, Any] = response.json()
        return body


_local = threading.local()


def thread_session() -> requests.Session:
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = requests.Session()
    return session
