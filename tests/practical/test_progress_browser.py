"""The practical page in headless Chromium: the progress steps follow the submission
through queued → training → predicting → scoring → done without a reload, then the
verdict's message, the dev score and the history chart appear. The worker is played
by the test (state changes written to the database), so no Docker is needed here;
tests/test_e2e.py drives the same API with a real worker."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from grading.models import Submission
from tests.factories import approved_application

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def practical_page(browser: Browser, live_server, demo, candidate, committee) -> Iterator[Page]:
    approved_application(
        candidate=candidate, certification=demo["certification"], committee=committee
    )
    context = browser.new_context(locale="zh-CN", extra_http_headers={"Accept-Language": "zh-hans"})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", candidate.username)
    page.fill("input[name=password]", "correct horse battery staple")
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard/")
    yield page
    context.close()


def test_progress_is_live_and_the_verdict_appears(
    practical_page: Page, live_server, demo, candidate
) -> None:
    page = practical_page
    task = demo["certification"].practical_task
    submission = Submission.objects.create(
        task=task, candidate=candidate, file_name="solution.py", sha256="0" * 64, size_bytes=1
    )
    page.goto(f"{live_server.url}/certifications/{demo['certification'].slug}/practical/")
    row = page.locator("tr.submission").first
    expect(row.locator('li[data-step="queued"]')).to_have_class("active")
    page.evaluate("window.__not_reloaded = true")

    for stage in ("train", "predict", "score"):
        Submission.objects.filter(pk=submission.pk).update(state="running", stage=stage)
        expect(row.locator(f'li[data-step="{stage}"]')).to_have_class("active", timeout=10_000)
        expect(row.locator('li[data-step="queued"]')).to_have_class("done")
        assert page.evaluate("window.__not_reloaded") is True  # no reload while running

    Submission.objects.filter(pk=submission.pk).update(
        state="done",
        stage="",
        verdict="ok",
        dev_score=0.97,
        passed=True,
        message="评测完成：通过 / Graded: passed.",
        stages={"train": {"wall_seconds": 4.2, "peak_memory_mb": 310.0}},
    )
    expect(page.locator("tr.submission .message").first).to_have_text(
        "评测完成：通过 / Graded: passed.", timeout=10_000
    )
    expect(page.locator("tr.submission .dev").first).to_have_text("0.97", timeout=10_000)
    expect(page.locator("#dev-chart svg circle")).to_have_count(1)
    expect(page.locator('tr.submission li[data-step="done"]').first).to_have_class("done")
