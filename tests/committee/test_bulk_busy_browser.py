"""The committee's bulk decision in headless Chromium: it takes seconds for the most
applications at once (docs/benchmarks.md, "Long operations"), so while the request
runs the form says so (data-busy in static/js/site.js) and its buttons are disabled,
and the button's decision still reaches the server."""

from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from certification.applications import services as applications
from certification.models import Application
from core.roles import Role
from tests.conftest import demo_data, make_user
from tests.journeys.standards import check, signed_in
from tests.test_browser import browser  # noqa: F401 - the shared Chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
HOLD = """() => window.addEventListener("submit", (event) => {
  window.sentDecision = new FormData(event.target, event.submitter).get("decision");
  event.preventDefault();
})"""


def test_bulk_approve_says_it_is_working_then_approves(
    browser: Browser,  # noqa: F811
    live_server: Any,
) -> None:
    demo = demo_data()
    submitted = [
        applications.application_submit(
            candidate=make_user(f"cand{n}", Role.CANDIDATE),
            certification=demo["certification"],
            full_name=f"Candidate {n}",
            learning_history="课程全部完成",
            project_experience="图像分类项目",
        )
        for n in range(3)
    ]
    with signed_in(browser, live_server.url, demo["committee"]) as page:
        page.goto(f"{live_server.url}/committee/applications/")
        check(page, "committee-bulk", "queue")
        # First the form is held back (a listener after site.js's cancels the sending),
        # to see what the page shows while the server works.
        page.evaluate(HOLD)
        page.check("input[data-check-all]")
        page.click("button[name=decision][value=approve]")

        expect(page.locator("#bulk .busy [aria-live]")).to_have_text(
            "正在处理所选申请，最多需要几秒钟……"
        )
        expect(page.locator("#bulk .busy progress")).to_be_visible()
        expect(page.locator("#bulk button[value=approve]")).to_be_disabled()
        assert page.evaluate("() => window.sentDecision") == "approve"
        check(page, "committee-bulk", "busy")

        # Then for real: the clicked button's decision reaches the server.
        page.reload()
        page.check("input[data-check-all]")
        page.click("button[name=decision][value=approve]")
        expect(page.locator(".flash").first).to_contain_text("已处理 3 份申请")

    states = set(
        Application.objects.filter(pk__in=[a.pk for a in submitted]).values_list("state", flat=True)
    )
    assert states == {Application.State.APPROVED}
