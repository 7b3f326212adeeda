"""The question import in headless Chromium with a real worker: a refused upload
shows its error in place (the upload script), a good one leads to the import's page,
whose progress bar and live text follow the worker to the preview, then to the
result after confirming. Each page meets the journeys' standards (axe, language,
layout: tests/journeys/standards.py)."""

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from core.roles import Role
from scripts.import_at_limit import file_at_limit
from tests.conftest import make_user
from tests.interchange.test_import_progress import worker  # noqa: F401 - the Celery worker
from tests.journeys.standards import check, signed_in
from tests.test_browser import browser  # noqa: F401 - the shared Chromium
from training.models import Question, QuestionBank
from training.services.interchange import QUESTION_IMPORT_MAX_BYTES

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.xdist_group("worker")]

# A run of several seconds on a quiet machine: the bar is seen moving.
SIZE = 600_000


def test_upload_preview_and_import_with_progress_in_the_browser(
    browser: Browser,  # noqa: F811
    live_server: Any,
    worker: Any,  # noqa: F811
) -> None:
    bank = QuestionBank.objects.create(slug="browser-bank", title="Browser bank")
    instructor = make_user("ivan", Role.INSTRUCTOR)
    with signed_in(browser, live_server.url, instructor) as page:
        page.goto(f"{live_server.url}/banks/{bank.slug}/import/")
        check(page, "question-import", "upload")

        page.set_input_files(
            "input[name=file]",
            {
                "name": "big.gift",
                "mimeType": "text/plain",
                "buffer": b"x" * (QUESTION_IMPORT_MAX_BYTES + 1),
            },
        )
        page.click("#import-button")
        expect(page.locator("#import-upload .errorlist")).to_contain_text("文件过大")
        assert page.url.endswith(f"/banks/{bank.slug}/import/")

        page.set_input_files(
            "input[name=file]",
            {"name": "big.gift", "mimeType": "text/plain", "buffer": file_at_limit(SIZE)},
        )
        page.click("#import-button")
        page.wait_for_url(re.compile(r"/imports/\d+/$"))
        expect(page.locator("#import-bar")).to_be_visible()
        check(page, "question-import", "progress")
        expect(page.locator("#import-text")).to_have_text(
            re.compile(r"[\d,]+ / [\d,]+ 道题"), timeout=60_000
        )

        expect(page.locator("#preview")).to_be_visible(timeout=120_000)
        check(page, "question-import", "preview")
        page.click("#confirm-form button")
        expect(page.locator("#result")).to_be_visible(timeout=120_000)
        check(page, "question-import", "done")
        expect(page.locator("#result")).to_contain_text("已导入")

    assert Question.objects.filter(bank=bank).count() > 1000
