"""The candidate's exam page in headless Chromium (Debian's, driven by Playwright):
every item kind can be answered, answers are saved as they are given, survive a
reload and a network drop, and the exam is submitted once."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect, sync_playwright

from certification.exams import services as exams
from certification.models import Answer, Attempt, AttemptItem, IntegrityEvent
from tests.factories import approved_application, correct_response, objective_exam

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
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def logged_in(browser: Browser, live_server, demo, candidate, committee) -> Iterator[Page]:
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


def start_exam(page: Page) -> None:
    page.click("text=开始笔试")
    page.wait_for_url("**/attempts/**")


def test_exam_autosaves_survives_reload_and_network_drop_and_submits_once(
    logged_in: Page, demo, candidate
) -> None:
    page = logged_in
    objective_exam(certification=demo["certification"])
    start_exam(page)
    minutes = int(page.locator("#timer").inner_text().split(":")[0])
    assert 28 <= minutes <= 30

    first = page.locator("fieldset[data-kind=single_choice]")
    first.locator("input[value=b]").check()
    expect(first.locator(".save-state")).to_have_text("已保存")
    fill = page.locator("fieldset[data-kind=fill_in]")
    fill.locator("input").fill("cnn")
    expect(fill.locator(".save-state")).to_have_text("已保存")
    expect(page.locator("#connection")).to_have_text("所有答案已保存")

    # The answers are on the server: a reload (or a closed browser) shows them.
    page.reload()
    expect(page.locator("fieldset[data-kind=single_choice] input[value=b]")).to_be_checked()
    expect(page.locator("fieldset[data-kind=fill_in] input")).to_have_value("cnn")

    # Network drop: the change is kept in the browser and re-sent when back online.
    page.context.set_offline(True)
    second = page.locator("fieldset[data-kind=true_false]")
    second.locator("input[value=false]").check()
    expect(second.locator(".save-state")).to_have_text("未保存，网络恢复后自动重发")
    expect(page.locator("#connection")).to_contain_text("个答案待发送")
    attempt = Attempt.objects.get(candidate=candidate)
    assert Answer.objects.filter(item__attempt=attempt).count() == 2
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(second.locator(".save-state")).to_have_text("已保存")
    assert Answer.objects.filter(item__attempt=attempt).count() == 3

    # Submit: confirm, the button is disabled against double clicks, graded once.
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("#submit-exam")
    expect(page.locator("h2", has_text="已交卷")).to_be_visible()
    attempt.refresh_from_db()
    assert (attempt.state, attempt.score) == (Attempt.State.GRADED, 6)
    assert page.locator("#score").inner_text().startswith("6.00 / 6.00")


def test_unsent_answers_survive_a_closed_tab(logged_in: Page, demo, candidate) -> None:
    page = logged_in
    objective_exam(certification=demo["certification"])
    start_exam(page)
    url = page.url
    page.context.set_offline(True)
    page.locator("fieldset[data-kind=fill_in] input").fill("CNN")
    expect(page.locator("#connection")).to_contain_text("个答案待发送")
    context = page.context
    page.close()  # the tab closes before the network comes back

    context.set_offline(False)
    page = context.new_page()
    page.goto(url)
    expect(page.locator("fieldset[data-kind=fill_in] input")).to_have_value("CNN")
    expect(page.locator("fieldset[data-kind=fill_in] .save-state")).to_have_text("已保存")
    assert Answer.objects.get(item__attempt__candidate=candidate).response == {
        "blanks": {"1": "CNN"}
    }


def test_exam_page_submits_itself_when_the_server_clock_runs_out(
    logged_in: Page, demo, candidate
) -> None:
    page = logged_in
    exam = objective_exam(certification=demo["certification"])
    attempt = exams.attempt_start(candidate=candidate, exam=exam)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() + timedelta(seconds=3))
    page.goto(page.url.replace("/dashboard/", f"/attempts/{attempt.public_id}/"))
    page.locator("fieldset[data-kind=single_choice] input[value=b]").check()
    expect(page.locator("h2", has_text="已交卷")).to_be_visible(timeout=15_000)
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.GRADED
    assert Answer.objects.filter(item__attempt=attempt).count() == 1


def answer_in_page(page: Page, item: AttemptItem) -> None:
    """Gives the full-mark answer through the item's widgets, as a person would."""
    response = correct_response(item.version)
    fs = page.locator(f"fieldset[data-item='{item.pk}']")
    kind = item.version.kind
    if kind == "single_choice":
        fs.locator(f"input[value={response['choice']}]").check()
    elif kind == "multiple_choice":
        for choice in response["choices"]:
            fs.locator(f"input[value={choice}]").check()
    elif kind == "true_false":
        fs.locator(f"input[value={str(response['value']).lower()}]").check()
    elif kind == "fill_in":
        for name, value in response["blanks"].items():
            fs.locator(f"input[data-blank='{name}']").fill(value)
    elif kind == "matching":
        for prompt, option in response["pairs"].items():
            fs.locator(f"select[data-prompt={prompt}]").select_option(option)
    elif kind == "ordering":
        first = response["order"][0]
        # Move the first item down and back up, so there is a change to save even
        # when the shuffle happened to show the right order.
        fs.locator(f"li[data-id={first}] button.down").click()
        for target, item_id in enumerate(response["order"]):
            while True:
                ids = fs.locator("li").evaluate_all("els => els.map(e => e.dataset.id)")
                if ids.index(item_id) == target:
                    break
                fs.locator(f"li[data-id={item_id}] button.up").click()
    elif kind in ("case_analysis", "short_answer"):
        fs.locator("textarea").fill(response["text"])
    elif kind == "programming":
        fs.locator("textarea").fill(response["code"])
    else:
        return
    expect(fs.locator(".save-state")).to_have_text("已保存")


def test_every_item_kind_is_answerable_in_the_page(logged_in: Page, candidate) -> None:
    page = logged_in
    start_exam(page)  # the demo exam: every kind
    attempt = Attempt.objects.get(candidate=candidate)
    items = list(attempt.items.select_related("version").order_by("position"))
    assert {
        "description",
        "multiple_choice",
        "matching",
        "ordering",
        "programming",
        "case_analysis",
    } <= {i.version.kind for i in items}
    for item in items:
        answer_in_page(page, item)
    page.reload()
    for item in items:
        expected = correct_response(item.version)
        if expected is not None:
            saved = Answer.objects.get(item=item).response
            if item.version.kind == "multiple_choice":
                saved, expected = sorted(saved["choices"]), sorted(expected["choices"])
            assert saved == expected, item.version.kind
    # The ordering widget shows the saved order after the reload.
    ordering = next(i for i in items if i.version.kind == "ordering")
    shown = page.locator(f"fieldset[data-item='{ordering.pk}'] li").evaluate_all(
        "els => els.map(e => e.dataset.id)"
    )
    assert shown == correct_response(ordering.version)["order"]


def test_practice_quiz_shows_feedback_only_when_asked(logged_in: Page, candidate) -> None:
    page = logged_in
    page.goto(page.url.replace("/dashboard/", "/curricula/beginner-cv/"))
    page.locator("form[action*='/practice/'] button").first.click()
    page.wait_for_url("**/attempts/**")
    sigmoid = page.locator("fieldset", has_text="sigmoid 函数的取值范围是")
    expect(page.locator(".feedback")).to_have_count(0)  # nothing before answering
    expect(sigmoid.locator(".practice-feedback")).to_be_empty()

    attempt = Attempt.objects.get(candidate=candidate)
    item = attempt.items.get(version__stem__startswith="sigmoid")
    best = max(item.version.key["fractions"], key=item.version.key["fractions"].get)
    sigmoid.locator(f"input[value={best}]").check()
    sigmoid.locator("button.check").click()
    expect(sigmoid.locator(".practice-feedback")).to_contain_text("100%")
    expect(sigmoid.locator(".practice-feedback math")).to_have_count(1)
    expect(sigmoid.locator(".practice-feedback")).not_to_contain_text("e^{-x}")


def test_a_second_browser_takes_over_and_the_first_keeps_its_unsent_answer(
    browser: Browser, logged_in: Page, demo, candidate
) -> None:
    """Two browsers (contexts) on one attempt: the second asks, then takes over; the
    first shows that it was taken over, stops saving, and keeps what was typed."""
    first = logged_in
    objective_exam(certification=demo["certification"])
    start_exam(first)
    attempt = Attempt.objects.get(candidate=candidate)
    # Focus loss is reported (in a batch, a moment later).
    first.evaluate("window.dispatchEvent(new Event('blur'))")
    first.evaluate("window.dispatchEvent(new Event('focus'))")

    context = browser.new_context(locale="zh-CN", extra_http_headers={"Accept-Language": "zh-hans"})
    second = context.new_page()
    second.goto(first.url.split("/attempts/")[0] + "/accounts/login/")
    second.fill("input[name=username]", candidate.username)
    second.fill("input[name=password]", "correct horse battery staple")
    second.click("button[type=submit]")
    second.wait_for_url("**/dashboard/")
    second.goto(first.url)
    expect(second.locator("#takeover-confirm")).to_be_visible()
    second.click("#takeover-confirm")
    expect(second.locator(".flash[role=status]")).to_contain_text("接管")
    expect(second.locator("#timer")).to_be_visible()

    fill = first.locator("fieldset[data-kind=fill_in]")
    fill.locator("input").fill("CNN")
    expect(first.locator("#takeover-notice")).to_be_visible()
    expect(fill.locator("input")).to_be_disabled()
    stored = first.evaluate(
        f"localStorage.getItem('attempt:{attempt.public_id}:' + "
        "document.querySelector('fieldset[data-kind=fill_in]').dataset.item)"
    )
    assert stored and '"CNN"' in stored  # not lost: still in the first browser
    assert not Answer.objects.filter(item__attempt=attempt).exists()

    kinds = set(IntegrityEvent.objects.filter(attempt=attempt).values_list("kind", flat=True))
    assert {"session_takeover", "focus_lost", "focus_back"} <= kinds
    context.close()
