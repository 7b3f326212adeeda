"""The practical page in headless Chromium: the progress steps follow the submission
through queued → training → predicting → scoring → done without a reload, then the
verdict's message, the dev score and the history chart appear. The worker is played
by the test (state changes written to the database), so no Docker is needed here;
tests/test_e2e.py drives the same API with a real worker."""

import pytest
from playwright.sync_api import Page, expect

from grading.models import Submission
from tests.test_browser import browser, logged_in  # noqa: F401  (fixtures: a candidate's page)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_progress_is_live_and_the_verdict_appears(
    logged_in: Page,  # noqa: F811  (the fixture imported above)
    live_server,
    demo,
    candidate,
) -> None:
    page = logged_in
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
        message_code="graded_passed",
        stages={"train": {"wall_seconds": 4.2, "peak_memory_mb": 310.0}},
    )
    # The API answers in the page's language.
    expect(page.locator("tr.submission .message").first).to_have_text(
        "评测完成：通过", timeout=10_000
    )
    expect(page.locator("tr.submission .dev").first).to_have_text("0.97", timeout=10_000)
    expect(page.locator("#dev-chart svg circle")).to_have_count(1)
    expect(page.locator('tr.submission li[data-step="done"]').first).to_have_class("done")
