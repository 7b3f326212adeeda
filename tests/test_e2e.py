"""The whole thin path through HTTP, on PostgreSQL, with a real Celery worker process
consuming from Redis and grading in the real Docker engine.

register → apply → committee approves → written exam (autosave, submit once) →
practical upload → worker trains and predicts in Docker, scores on the hidden set →
committee sees the composite and issues → /verify/<code>/ says valid."""

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from django.conf import settings

from certification.demo import demo_load
from grading.bundles import bundle_paths
from training.models import PracticalTask

pytestmark = [pytest.mark.docker, pytest.mark.worker, pytest.mark.xdist_group("worker")]

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def worker(transactional_db: None) -> Iterator[subprocess.Popen[bytes]]:
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.CELERY_BROKER_URL,
        "PRIVATE_STORAGE_DIR": str(settings.PRIVATE_STORAGE_DIR),
        "SANDBOX_BACKEND": "docker",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "sandbox-cpu",
         "--concurrency", "1", "--pool", "solo", "--purge", "--loglevel", "INFO",
         "--hostname", f"e2e-{os.getpid()}@%h"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


class Browser(requests.Session):
    """A requests session that speaks Django's CSRF protocol, like a browser."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base

    def csrf(self) -> str:
        if "csrftoken" not in self.cookies:
            self.get(f"{self.base}/accounts/login/", timeout=10)
        return self.cookies["csrftoken"]

    def form(self, path: str, data: dict[str, str], files: dict | None = None) -> requests.Response:
        return self.post(
            f"{self.base}{path}", data={**data, "csrfmiddlewaretoken": self.csrf()}, files=files,
            headers={"Referer": f"{self.base}{path}"}, timeout=30,
        )

    def api(self, method: str, path: str, **kwargs: object) -> requests.Response:
        headers = {"X-CSRFToken": self.csrf(), "Referer": self.base + path}
        return self.request(method, f"{self.base}{path}", headers=headers, timeout=30, **kwargs)  # type: ignore[arg-type]


def login(browser: Browser, username: str, password: str) -> None:
    response = browser.form("/accounts/login/", {"username": username, "password": password})
    assert response.url.endswith("/dashboard/") or "/committee/" in response.url, response.url


def test_from_application_to_verified_certificate(live_server, worker) -> None:
    demo_load()
    base = live_server.url

    # 2. A candidate registers and applies; a committee member approves.
    alice = Browser(base)
    response = alice.form("/accounts/register/", {"username": "alice", "email": "alice@example.org", "password": "a-long-unusual-passphrase"})
    assert response.url.endswith("/dashboard/")
    response = alice.form("/certifications/beginner-cv/apply/", {
        "full_name": "李爱丽", "learning_history": "初级课程全部完成", "project_experience": "MNIST 分类"})
    assert "待审核" in response.text

    committee = Browser(base)
    login(committee, "committee", "committee-demo-2026")
    queue = committee.api("GET", "/api/v1/review/applications/").json()
    [application] = [a for a in queue if a["full_name"] == "李爱丽"]
    approved = committee.api("POST", f"/api/v1/review/applications/{application['id']}/approve/")
    assert approved.json()["state"] == "approved"

    # 3. The written exam: start (twice: same attempt), answer, autosave, submit twice.
    page = alice.form("/certifications/beginner-cv/exam/", {})
    attempt_id = re.search(r"/attempts/([0-9a-f-]{36})/", page.url).group(1)
    attempt = alice.api("GET", f"/api/v1/attempts/{attempt_id}/").json()
    assert 0 < attempt["seconds_left"] <= 30 * 60
    assert all("key" not in item for item in attempt["items"])
    from training.models import Question

    for item in attempt["items"]:
        question = Question.objects.get(stem=item["stem"])
        answer = {"choice": question.key["correct"]} if item["kind"] == "single_choice" else {"text": question.key["accepted"][0]}
        saved = alice.api("PUT", f"/api/v1/attempts/{attempt_id}/answers/{item['id']}/", json={"response": answer, "revision": 1})
        assert saved.status_code == 200, saved.text
    first = alice.api("POST", f"/api/v1/attempts/{attempt_id}/submit/").json()
    second = alice.api("POST", f"/api/v1/attempts/{attempt_id}/submit/").json()
    assert first["state"] == second["state"] == "graded"
    assert first["percent"] == second["percent"] == "100.00"

    # 4. The practical: upload, the worker grades in Docker, progress without reload.
    task = PracticalTask.objects.get(slug="digits-pytorch")
    solution = bundle_paths(task).reference_solution.read_bytes()
    created = alice.api("POST", "/api/v1/certifications/beginner-cv/submissions/", files={"file": ("solution.py", solution)})
    assert created.status_code == 201, created.text
    submission_id = created.json()["id"]
    seen_states = set()
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        status = alice.api("GET", f"/api/v1/submissions/{submission_id}/").json()
        seen_states.add((status["state"], status["stage"]))
        if status["state"] in ("done", "failed"):
            break
        assert worker.poll() is None, worker.stdout.read().decode()
        time.sleep(0.5)
    else:
        worker.terminate()
        pytest.fail(f"not graded in time; worker log:\n{worker.communicate()[0].decode()[-4000:]}")
    assert (status["state"], status["verdict"], status["passed"]) == ("done", "ok", True), status
    assert "test_score" not in status  # the hidden-set score is for the committee
    assert any(state == "running" for state, _ in seen_states) or ("queued", "") in seen_states

    # 5. The committee sees the composite and issues the certificate.
    results = committee.api("GET", "/api/v1/results/").json()
    [result] = [r for r in results if r["candidate"] == "李爱丽"]
    assert result["complete"] and result["passed"]
    assert float(result["composite"]) >= 70
    issued = committee.api("POST", f"/api/v1/results/{application['id']}/certificate/")
    assert issued.status_code == 201, issued.text
    code = issued.json()["code"]

    # 6. Anyone can verify it; an unknown code is not found.
    public = requests.get(f"{base}/verify/{code}/", timeout=10)
    assert public.status_code == 200 and "证书有效" in public.text and "李爱丽" in public.text
    assert requests.get(f"{base}/verify/not-a-code/", timeout=10).status_code == 404
    assert requests.get(f"{base}/api/v1/certificates/{code}/", timeout=10).json()["status"] == "valid"
