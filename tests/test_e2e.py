"""The whole thin path through HTTP, on PostgreSQL, with a real Celery worker process
consuming from Redis and grading in the real Docker engine.

register → apply → committee approves → written exam (autosave, submit once) →
practical upload → worker trains and predicts in Docker, scores on the hidden set →
committee sees the composite and issues → /verify/<code>/ says valid."""

import os
import re
import subprocess
import time
from collections.abc import Iterator

import pytest
import requests
from django.conf import settings
from django.contrib.auth import get_user_model

from certification.demo.programme import demo_load
from certification.models import AttemptItem
from grading.workers import worker_env, worker_start, worker_stop
from tests.conftest import authenticator_for, totp_code
from tests.factories import correct_response
from training.bundles.paths import bundle_paths
from training.models import PracticalTask

pytestmark = [pytest.mark.docker, pytest.mark.worker, pytest.mark.xdist_group("worker")]


@pytest.fixture
def worker(transactional_db: None) -> Iterator[subprocess.Popen[bytes]]:
    process = worker_start(
        hostname=f"e2e-{os.getpid()}@%h",
        pool="solo",
        purge=True,
        output=subprocess.PIPE,
        env=worker_env(REDIS_URL=settings.CELERY_BROKER_URL),
    )
    yield process
    worker_stop(process, timeout=20)


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
            f"{self.base}{path}",
            data={**data, "csrfmiddlewaretoken": self.csrf()},
            files=files,
            headers={"Referer": f"{self.base}{path}"},
            timeout=30,
        )

    def api(self, method: str, path: str, **kwargs: object) -> requests.Response:
        headers = {"X-CSRFToken": self.csrf(), "Referer": self.base + path}
        return self.request(method, f"{self.base}{path}", headers=headers, timeout=30, **kwargs)  # type: ignore[arg-type]


def wait_for(read, done, worker, *, what: str, seconds: float = 240):
    """Polls ``read()`` until ``done(value)``, failing with the worker's log."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = read()
        if done(value):
            return value
        if worker.poll() is not None:
            pytest.fail(f"the worker died; log:\n{worker.stdout.read().decode()[-4000:]}")
        time.sleep(0.5)
    worker.terminate()
    pytest.fail(f"{what}: not in time; worker log:\n{worker.communicate()[0].decode()[-4000:]}")


def login(browser: Browser, username: str, password: str) -> None:
    """Password, then (staff) the code the account's authenticator app shows now."""
    response = browser.form("/accounts/login/", {"username": username, "password": password})
    if "/accounts/two-factor/" in response.url:
        device = authenticator_for(get_user_model().objects.get(username=username))
        response = browser.form(
            response.url.removeprefix(browser.base), {"code": totp_code(device)}
        )
    assert response.url.endswith("/dashboard/") or "/committee/" in response.url, response.url


def test_from_application_to_verified_certificate(live_server, worker) -> None:
    demo_load()
    base = live_server.url

    # 2. A candidate registers and applies; a committee member approves.
    alice = Browser(base)
    response = alice.form(
        "/accounts/register/",
        {
            "username": "alice",
            "email": "alice@example.org",
            "password": "a-long-unusual-passphrase",
        },
    )
    assert response.url.endswith("/dashboard/")
    response = alice.form(
        "/certifications/beginner-cv/apply/",
        {
            "full_name": "李爱丽",
            "learning_history": "初级课程全部完成",
            "project_experience": "MNIST 分类",
        },
    )
    assert "待审核" in response.text

    committee = Browser(base)
    login(committee, "committee", "committee-demo-2026")
    queue = committee.api("GET", "/api/v1/review/applications/").json()
    [application] = [a for a in queue if a["full_name"] == "李爱丽"]
    approved = committee.api("POST", f"/api/v1/review/applications/{application['id']}/approve/")
    assert approved.json()["state"] == "approved"

    # 3. The written exam (every item kind): start twice (same attempt), answer each
    # item through the autosave endpoint, submit twice; the programming item is run
    # by the worker in the sandbox and the case analysis is scored by an examiner.
    page = alice.form("/certifications/beginner-cv/exam/", {})
    attempt_id = re.search(r"/attempts/([0-9a-f-]{36})/", page.url).group(1)
    attempt = alice.api("GET", f"/api/v1/attempts/{attempt_id}/").json()
    assert 0 < attempt["seconds_left"] <= 30 * 60
    assert all("key" not in item and "feedback" not in item for item in attempt["items"])
    kinds = {item["kind"] for item in attempt["items"]}
    assert {
        "description",
        "single_choice",
        "multiple_choice",
        "true_false",
        "fill_in",
        "matching",
        "ordering",
        "case_analysis",
        "programming",
    } <= kinds
    for item in attempt["items"]:
        response = correct_response(AttemptItem.objects.get(pk=item["id"]).version)
        if response is None:
            continue
        saved = alice.api(
            "PUT",
            f"/api/v1/attempts/{attempt_id}/answers/{item['id']}/",
            json={"response": response, "revision": 1},
        )
        assert saved.status_code == 200, saved.text
    first = alice.api("POST", f"/api/v1/attempts/{attempt_id}/submit/").json()
    second = alice.api("POST", f"/api/v1/attempts/{attempt_id}/submit/").json()
    assert first["state"] == second["state"] == "submitted"

    examiner = Browser(base)
    login(examiner, "examiner", "examiner-demo-2026")
    queue = examiner.api("GET", "/api/v1/grading/manual/").json()
    [case] = [entry for entry in queue if entry["kind"] == "case_analysis"]
    assert "candidate" not in case and "attempt" not in case  # anonymised
    graded = examiner.api(
        "POST",
        f"/api/v1/grading/manual/{case['id']}/",
        json={"levels": {"diagnosis": "2", "remedy": "2"}, "comment": "清楚"},
    )
    assert graded.status_code == 201, graded.text
    attempt = wait_for(
        lambda: alice.api("GET", f"/api/v1/attempts/{attempt_id}/").json(),
        lambda a: a["state"] == "graded",
        worker,
        what="programming item graded",
    )
    assert attempt["percent"] == "100.00", attempt

    # 4. The practical: upload, the worker grades in Docker, progress without reload.
    task = PracticalTask.objects.get(slug="digits-pytorch")
    solution = bundle_paths(task).reference_solution.read_bytes()
    created = alice.api(
        "POST",
        "/api/v1/certifications/beginner-cv/submissions/",
        files={"file": ("solution.py", solution)},
    )
    assert created.status_code == 201, created.text
    submission_id = created.json()["id"]
    seen_states = set()

    def poll() -> dict:
        status = alice.api("GET", f"/api/v1/submissions/{submission_id}/").json()
        seen_states.add((status["state"], status["stage"]))
        return status

    status = wait_for(
        poll, lambda st: st["state"] in ("done", "failed"), worker, what="practical graded"
    )
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
    assert (
        requests.get(f"{base}/api/v1/certificates/{code}/", timeout=10).json()["status"] == "valid"
    )
