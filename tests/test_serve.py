"""The production web server (config/serve.py: granian running config.wsgi) serving
the real application on a loopback port: pages and the API, a signed-in page, a
streamed download that arrives in chunks, and a clean stop on SIGTERM. The exam-day
simulation (tests/test_exam_day.py) drives starts and autosaves through it."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from django.conf import settings
from django.test import Client

from certification.audit.services import audit_record
from certification.bench.exam_day_client import web_start
from core import web_server
from grading.workers import worker_env

pytestmark = pytest.mark.django_db(transaction=True)  # the server reads committed rows


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    with (tmp_path / "web.log").open("wb") as log:
        process, base = web_start(env=worker_env(), workers=1, output=log)
        try:
            yield process, base
        finally:
            web_server.stop(process)


def test_the_command_is_granian_over_the_wsgi_application_with_threads() -> None:
    argv = web_server.command(host="127.0.0.1", port=8123, workers=2, threads=8)

    assert argv[1:3] == ["-m", "granian"]
    assert "config.wsgi:application" in argv
    assert argv[argv.index("--interface") + 1] == "wsgi"
    assert argv[argv.index("--workers") + 1] == "2"
    assert argv[argv.index("--blocking-threads") + 1] == "8"
    assert argv[argv.index("--host") + 1] == "127.0.0.1"


def test_the_server_s_database_sessions_cancel_a_statement_after_the_timeout() -> None:
    env = {**worker_env(), "DATABASE_STATEMENT_TIMEOUT": "1234ms"}
    shown = subprocess.run(
        [
            *(sys.executable, "manage.py", "shell", "-c"),
            "from django.db import connection; c = connection.cursor(); "
            "c.execute('SHOW statement_timeout'); print(c.fetchone()[0])",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert shown.stdout.strip().splitlines()[-1] == "1234ms"
    assert web_server.STATEMENT_TIMEOUT == "60s"


def test_it_serves_pages_and_the_api(site: tuple[Any, str]) -> None:
    _, base = site

    page = requests.get(f"{base}/", timeout=10)
    api = requests.get(f"{base}/api/v1/certifications/", timeout=10)

    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    assert api.status_code == 200 and isinstance(api.json(), list | dict)


def test_a_signed_in_committee_member_gets_the_audit_export_streamed(
    site: tuple[Any, str], committee: Any
) -> None:
    _, base = site
    for n in range(3):
        audit_record(actor=committee, action="test.event", obj=committee, after={"n": n})
    client = Client()
    client.force_login(committee)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value

    response = requests.get(
        f"{base}/committee/audit.csv",
        cookies={settings.SESSION_COOKIE_NAME: cookie},
        stream=True,
        timeout=30,
    )
    lines = response.text.splitlines()

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    # Streamed: no length known ahead, the body arrives in chunks.
    assert "Content-Length" not in response.headers
    assert response.headers.get("Transfer-Encoding") == "chunked"
    assert sum("test.event" in line for line in lines) == 3


def test_it_stops_cleanly_on_sigterm_workers_included(
    site: tuple[subprocess.Popen[bytes], str],
) -> None:
    process, base = site
    group = os.getpgid(process.pid)

    process.send_signal(signal.SIGTERM)

    assert process.wait(timeout=30) == 0
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{base}/", timeout=5)
    with pytest.raises(ProcessLookupError):  # no worker left behind in its group
        _wait_for_group_gone(group)


def _wait_for_group_gone(group: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        os.killpg(group, 0)  # raises ProcessLookupError once the group is empty
        time.sleep(0.1)
