"""The candidate's exam page in headless Chromium (Debian's, driven by Playwright):
answers are saved as they are given, survive a reload and a network drop, and the
exam is submitted once."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from certification.models import Answer, Attempt
from certification.services import exams
from tests.factories import approved_application

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, live_server, demo, candidate, committee) -> Iterator[Page]:
    approved_application(candidate=candidate, certification=demo["certification"], committee=committee)
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", candidate.username)
    page.fill("input[name=password]", "correct horse battery staple")
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard/")
    yield page
    context.close()


def fieldsets(page: Page):
    return page.locator("fieldset.item")


def test_exam_autosaves_survives_reload_and_network_drop_and_submits_once(page: Page, candidate) -> None:
    page.click("text=开始笔试")
    page.wait_for_url("**/attempts/**")
    timer = page.locator("#timer").inner_text()
    minutes = int(timer.split(":")[0])
    assert 28 <= minutes <= 30

    first = fieldsets(page).nth(0)
    first.locator("input[type=radio]").nth(1).check()
    expect(first.locator(".save-state")).to_have_text("已保存")
    fill = page.locator("fieldset[data-kind=fill_in]").first
    fill.locator("input").fill("cnn")
    expect(fill.locator(".save-state")).to_have_text("已保存")
    expect(page.locator("#connection")).to_have_text("所有答案已保存")

    # The answers are on the server: a reload (or a closed browser) shows them.
    page.reload()
    expect(fieldsets(page).nth(0).locator("input[type=radio]").nth(1)).to_be_checked()
    expect(page.locator("fieldset[data-kind=fill_in]").first.locator("input")).to_have_value("cnn")

    # Network drop: the change is kept in the browser and re-sent when back online.
    page.context.set_offline(True)
    second = fieldsets(page).nth(1)
    second.locator("input[type=radio]").nth(1).check()
    expect(second.locator(".save-state")).to_have_text("未保存，网络恢复后自动重发")
    expect(page.locator("#connection")).to_contain_text("有答案待发送")
    attempt = Attempt.objects.get(candidate=candidate)
    assert Answer.objects.filter(attempt=attempt).count() == 2
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(second.locator(".save-state")).to_have_text("已保存")
    assert Answer.objects.filter(attempt=attempt).count() == 3

    # Submit: confirm, the button is disabled against double clicks, graded once.
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("#submit-exam")
    expect(page.locator("h2", has_text="已交卷")).to_be_visible()
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.GRADED
    assert page.locator("#score").inner_text().startswith(f"{attempt.score} / {attempt.max_score}")


def test_exam_page_submits_itself_when_the_server_clock_runs_out(page: Page, candidate, demo) -> None:
    exam = demo["certification"].written_exam
    attempt = exams.attempt_start(candidate=candidate, exam=exam)
    # Two seconds left on the server's clock.
    from datetime import timedelta

    from django.utils import timezone

    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() + timedelta(seconds=2))
    page.goto(page.url.replace("/dashboard/", f"/attempts/{attempt.public_id}/"))
    fieldsets(page).nth(0).locator("input[type=radio]").nth(1).check()
    expect(page.locator("h2", has_text="已交卷")).to_be_visible(timeout=15_000)
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.GRADED
    assert Answer.objects.filter(attempt=attempt).count() == 1
