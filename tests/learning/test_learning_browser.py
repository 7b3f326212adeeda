"""A candidate's study day in headless Chromium, through the pages only: enrol, study a
lesson (its time is counted), practise and miss an item, read the study plan and its
chart, practise what it recommends in the reviews, and see it rescheduled."""

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from certification.demo.programme_exams import programme_exams_load
from certification.models import AttemptItem, LessonProgress, PracticeResponse, ReviewCard
from tests.test_browser import browser  # noqa: F401 - the shared Chromium fixture
from training.models import Curriculum

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "learning"
SLUG = "intermediate-cv"


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _wrong_choice(item_id: int) -> str:
    version = AttemptItem.objects.select_related("version").get(pk=item_id).version
    fractions = version.key["fractions"]
    return next(c["id"] for c in version.data["choices"] if fractions.get(c["id"], 0) <= 0)


def test_a_candidate_studies_practises_and_follows_the_plan(
    browser: Browser,  # noqa: F811
    live_server,
    demo: dict[str, Any],
    candidate,
) -> None:
    programme_exams_load(author=demo["instructor"])
    curriculum = Curriculum.objects.get(slug=SLUG)
    context = browser.new_context(locale="zh-CN", extra_http_headers={"Accept-Language": "zh-hans"})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", candidate.username)
    page.fill("input[name=password]", "correct horse battery staple")
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard/")

    # Enrol from "my learning", then study the first lesson.
    page.click("nav >> text=我的学习")
    expect(page.locator("main")).to_contain_text("你还没有报名任何课程")
    page.locator("li", has_text=curriculum.title).locator("text=报名学习").click()
    expect(page.locator("h1")).to_have_text(curriculum.title)
    page.click("table >> a >> nth=0")
    expect(page.locator("#lesson h1")).to_contain_text("1.")
    page.wait_for_timeout(500)  # the first heartbeat starts the clock
    assert LessonProgress.objects.filter(candidate=candidate).exists()
    shot(page, "lesson")
    page.click("text=学完本课")
    expect(page.locator("#lesson h1")).to_contain_text("2.")

    # Practise: miss a single-choice item on purpose and read why.
    page.goto(f"{live_server.url}/learn/{SLUG}/")
    expect(page.locator("progress")).to_have_attribute("value", "1")
    shot(page, "curriculum-progress")
    page.click("main >> text=开始练习")
    page.wait_for_url("**/attempts/**")
    fieldset = page.locator("fieldset[data-kind=single_choice]").first
    item_id = int(fieldset.get_attribute("data-item") or 0)
    fieldset.locator(f"input[value={_wrong_choice(item_id)}]").check()
    fieldset.locator("button.check").click()
    expect(fieldset.locator(".practice-feedback")).to_contain_text("0%")
    expect(fieldset.locator(".practice-feedback a")).to_contain_text("复习所属课时")
    assert PracticeResponse.objects.filter(candidate=candidate, fraction=0).count() == 1
    assert ReviewCard.objects.filter(candidate=candidate).count() == 1

    # The plan: the chart, the table, and what to study next.
    page.goto(f"{live_server.url}/learn/{SLUG}/plan/")
    expect(page.locator("svg.chart rect")).to_have_count(len(page.locator("tbody tr").all()))
    expect(page.locator("main")).to_contain_text("接下来学什么")
    shot(page, "study-plan")
    page.click("text=练习推荐的题目")
    page.wait_for_url("**/learn/reviews/")
    expect(page.locator(".flash")).to_contain_text("已加入")

    # Reviews: answer one; it is scored at once and rescheduled.
    review = page.locator("#reviews fieldset").first
    review.locator("input").first.check()
    review.locator("button.check").click()
    expect(review.locator(".practice-feedback")).to_contain_text("下次复习")
    shot(page, "reviews")
    assert ReviewCard.objects.filter(candidate=candidate, reviews=1).count() == 1
    context.close()
