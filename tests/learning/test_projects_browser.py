"""A project in headless Chromium: from My learning to the task's page, an upload
through the form, then the run's progress live and its dev score. The worker is played
by the test (state changes written to the database); tests/learning/test_projects.py
runs one through a real worker and the Docker sandbox."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from grading.models import Submission
from tests.test_browser import browser, logged_in  # noqa: F401  (fixtures: a candidate's page)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SOLUTION = """
import numpy as np

def train(train_dir, model_dir):
    pass

def predict(model_dir, inputs):
    return np.zeros(len(inputs), dtype=np.int64)
"""


def test_a_candidate_runs_a_project_and_sees_the_dev_score(
    logged_in: Page,  # noqa: F811  (the fixture imported above)
    live_server,
    candidate,
    tmp_path: Path,
) -> None:
    page = logged_in
    page.goto(f"{live_server.url}/learn/")
    page.click("#projects-link")
    page.wait_for_url("**/learn/projects/")
    page.click("#projects a")
    page.wait_for_url("**/learn/projects/digits-pytorch/")
    expect(page.locator("#quota")).to_contain_text("0 / 20")
    solution = tmp_path / "solution.py"
    solution.write_text(SOLUTION, encoding="utf-8")
    page.set_input_files("input[type=file]", str(solution))
    page.click("#upload-button")
    expect(page.locator("body")).to_contain_text("已提交，正在开发集上运行")
    run = Submission.objects.get(candidate=candidate)
    assert run.purpose == "project"
    row = page.locator("tr.run").first
    expect(row.locator('li[data-step="queued"]')).to_have_class("active")
    expect(page.locator("#quota")).to_contain_text("1 / 20")

    Submission.objects.filter(pk=run.pk).update(state="running", stage="predict")
    expect(row.locator('li[data-step="predict"]')).to_have_class("active", timeout=10_000)
    Submission.objects.filter(pk=run.pk).update(
        state="done",
        stage="",
        verdict="ok",
        dev_score=0.42,
        message_code="scored_dev",
        message_params={"score": 0.42},
        stages={"train": {"wall_seconds": 1.2, "peak_memory_mb": 80.0}},
    )
    expect(page.locator("tr.run .dev").first).to_have_text("0.42", timeout=10_000)
    expect(page.locator("tr.run .message").first).to_have_text("开发集评测完成：0.42")
    expect(page.locator("#best-dev")).to_have_text("0.42")
    expect(page.locator("#dev-chart svg circle")).to_have_count(1)
    expect(page.locator('tr.run li[data-step="done"]').first).to_have_class("done")
