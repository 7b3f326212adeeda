"""The studio in headless Chromium, through its pages only: an instructor writes a
lesson with its live preview, creates an item with the editor made for its kind,
answers it in the preview and sees the score, submits it; a second instructor
publishes it from the review queue; then a blueprint is built with the live capacity
check and saved."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from certification.models import Exam
from core.roles import Role
from tests.conftest import make_user, second_factor_in_page
from tests.test_browser import browser  # noqa: F401 - the shared Chromium fixture
from training.models import (
    Category,
    Curriculum,
    Domain,
    Lesson,
    Level,
    Question,
    QuestionBank,
    QuestionVersion,
    ReviewStatus,
    Tag,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple"
SHOTS = Path(__file__).resolve().parents[1] / "var" / "screenshots" / "studio"


def shot(page: Page, name: str) -> None:
    """Keeps a screenshot of a key page under var/ (CI keeps var/ as artifacts)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def bank(db: None) -> QuestionBank:
    """A bank with a category "Optimisation" holding four published items."""
    bank = QuestionBank.objects.create(slug="studio-bank", title="Studio bank")
    category = Category.objects.create(bank=bank, name="Optimisation")
    easy, _ = Tag.objects.get_or_create(name="difficulty:easy")
    for n in range(4):
        question = Question.objects.create(bank=bank, category=category, name=f"sgd-{n}")
        question.tags.set([easy])
        QuestionVersion.objects.create(
            question=question,
            number=1,
            kind=QuestionVersion.Kind.TRUE_FALSE,
            stem=f"SGD statement {n}",
            key={"correct": True},
        )
    level, _ = Level.objects.get_or_create(
        slug="beginner", defaults={"name": "初级", "name_en": "Beginner", "rank": 1}
    )
    domain, _ = Domain.objects.get_or_create(
        slug="cv", defaults={"name": "计算机视觉", "name_en": "Computer vision"}
    )
    Curriculum.objects.create(slug="studio-cv", level=level, domain=domain, title="CV 101")
    return bank


def signed_in(browser: Browser, base: str, user: Any) -> Page:  # noqa: F811
    context = browser.new_context(locale="zh-CN", extra_http_headers={"Accept-Language": "zh-hans"})
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    second_factor_in_page(page, user.username)  # instructors enrol an authenticator
    page.goto(f"{base}/studio/")
    return page


@pytest.fixture
def authors(db: None) -> Iterator[tuple[Any, Any]]:
    yield make_user("ann", Role.INSTRUCTOR), make_user("ben", Role.INSTRUCTOR)


def test_an_item_and_a_blueprint_through_the_studio_pages(
    browser: Browser,  # noqa: F811
    live_server,
    bank: QuestionBank,
    authors,
) -> None:
    ann, ben = authors
    page = signed_in(browser, live_server.url, ann)

    # A lesson, with its live preview.
    page.click("text=CV 101")
    page.click("text=新建课时")
    page.fill("#title", "Learning rates")
    page.fill("#body", "## Step size\n\nThe update is $w \\leftarrow w - \\eta g$.")
    expect(page.locator("#preview h2")).to_have_text("Step size")
    shot(page, "lesson-editor")
    page.click("text=保存草稿")
    expect(page.locator("#review")).to_contain_text("v1")
    assert not Lesson.objects.get(title="Learning rates").is_published

    # An item, with the editor made for single choice and the scoring preview.
    page.goto(f"{live_server.url}/studio/")
    page.click("text=Studio bank")
    page.click("text=单选题")
    page.fill("#id_name", "lr-too-high")
    page.select_option("#id_category", label="Optimisation")
    page.fill("#id_tags", "difficulty:easy")
    page.fill("#id_stem", "What does a **too high** learning rate do to the training loss?")
    editor = page.locator("#kind-editor")
    editor.locator("input[aria-label='选项 a']").fill("It oscillates or diverges")
    editor.locator("input[aria-label='选项 b']").fill("It decreases faster and smoother")
    editor.locator("text=添加选项").click()
    editor.locator("input[aria-label='选项 c']").fill("Nothing changes")
    editor.locator("input[aria-label='正确 a']").check()
    editor.locator("input[aria-label='选择此项时的反馈 b']").fill(
        "Large steps overshoot the minimum."
    )
    preview = page.locator("#item-preview")
    expect(preview.locator(".stem strong")).to_have_text("too high")
    preview.locator("input[value=b]").check()
    preview.locator("#try-answer").click()
    expect(preview.locator("#try-result")).to_contain_text("0%")
    expect(preview.locator("#try-result")).to_contain_text("overshoot")
    preview.locator("input[value=a]").check()
    preview.locator("#try-answer").click()
    expect(preview.locator("#try-result")).to_contain_text("100%")
    shot(page, "item-editor")
    page.click("text=保存草稿")
    expect(page.locator(".flash")).to_contain_text("草稿")
    version = QuestionVersion.objects.get(question__name="lr-too-high")
    assert version.key == {"fractions": {"a": 1}}
    assert version.feedback["choices"] == {"b": "Large steps overshoot the minimum."}
    page.click("text=版本与审核")
    page.click("text=提交审核")
    expect(page.locator("#review")).to_contain_text("等待另一位讲师审核")

    # The second instructor publishes it from the review queue.
    reviewer = signed_in(browser, live_server.url, ben)
    queue = reviewer.locator("#review-queue")
    expect(queue).to_contain_text("lr-too-high")
    shot(reviewer, "review-queue")
    queue.locator("tr", has_text="lr-too-high").locator("text=审阅").click()
    reviewer.click("text=批准并发布")
    version.refresh_from_db()
    assert version.status == ReviewStatus.PUBLISHED and version.reviewed_by == ben

    # A blueprint: one section from the category; the capacity updates as one types.
    page.goto(f"{live_server.url}/studio/")
    page.click("text=新建试卷")
    page.fill("#title", "Optimisation quiz")
    page.fill("#minutes", "15")
    row = page.locator("tr.section-row").first
    row.locator("select").select_option(label="studio-bank › Optimisation")
    row.locator("input[name='s-0-count']").fill("2")
    expect(page.locator("#capacity-summary")).to_contain_text("2 份")  # 5 published items
    row.locator("input[name='s-0-count']").fill("3")
    expect(page.locator("#capacity-summary")).to_contain_text("少于两份")
    shot(page, "blueprint-editor")
    page.click("text=保存蓝图")
    expect(page.locator(".flash")).to_contain_text("已保存")
    exam = Exam.objects.get(title="Optimisation quiz")
    section = exam.sections.get()
    assert (section.draw_count, section.draw_category.name, exam.time_limit_minutes) == (
        3,
        "Optimisation",
        15,
    )
