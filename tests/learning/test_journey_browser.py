"""The whole learning journey in headless Chromium, one candidate and the people
around her, through the pages: the committee assigns a mentor; the candidate enrols,
studies every lesson, practises and misses an item, follows the study plan into her
reviews, registers for a live session and downloads its calendar file, is marked
present by the instructor, asks her mentor about a lesson and reads the answer;
then, her curriculum complete (which this certification requires), she applies, is
approved and passes the programme's written exam (its programming items run in the
Docker sandbox through a real Celery worker; an examiner scores the written answers)."""

import os
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, expect

from certification.demo.programme_exams import programme_exams_load
from certification.models import (
    Application,
    Attempt,
    Certification,
    LiveSession,
    MentorThread,
    Notification,
    SessionRegistration,
)
from certification.sessions import services as sessions
from certification.sessions.services import SessionDetails
from grading.workers import worker_env, worker_start, worker_stop
from tests.conftest import second_factor_in_page
from tests.learning.test_learning_browser import _wrong_choice
from tests.test_browser import answer_in_page, browser  # noqa: F401 - the shared Chromium
from tests.test_e2e import Browser as Http
from tests.test_e2e import login, wait_for
from tests.test_programme_walk import examiners_score_the_manual_items, walk_response
from training.models import Curriculum, Lesson, QuestionVersion

pytestmark = [
    pytest.mark.browser,
    pytest.mark.docker,
    pytest.mark.worker,
    pytest.mark.xdist_group("worker"),
    pytest.mark.django_db(transaction=True),
]
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "journey"
SLUG = "beginner-nlp"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def worker(transactional_db: None) -> Iterator[subprocess.Popen[bytes]]:
    process = worker_start(
        hostname=f"journey-{os.getpid()}@%h",
        pool="solo",
        purge=True,
        output=subprocess.PIPE,
        env=worker_env(REDIS_URL=settings.CELERY_BROKER_URL),
    )
    yield process
    worker_stop(process, timeout=20)


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def signed_in(browser: Browser, base: str, username: str, password: str) -> BrowserContext:  # noqa: F811
    context = browser.new_context(locale="zh-CN", extra_http_headers={"Accept-Language": "zh-hans"})
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    second_factor_in_page(page, username)
    return context


def assign_mentor(committee: Page, base: str, candidate: Any, mentor: Any) -> None:
    committee.goto(f"{base}/committee/mentors/")
    committee.fill("#candidate", candidate.username)
    committee.select_option("#mentor", str(mentor.pk))
    committee.click("form.card button[type=submit]")
    expect(committee.locator("table.grid")).to_contain_text(candidate.username)


def study_every_lesson(page: Page, base: str, curriculum: Curriculum) -> None:
    """Enrol from "my learning", then read each lesson to its end."""
    page.goto(f"{base}/learn/")
    page.locator("li", has_text=curriculum.title).locator("text=报名学习").click()
    expect(page.locator("h1")).to_have_text(curriculum.title)
    lessons = Lesson.objects.filter(curriculum=curriculum, is_published=True).count()
    page.click("table >> a >> nth=0")
    for _ in range(lessons):
        page.wait_for_timeout(300)  # the first heartbeat starts the clock
        page.click("text=学完本课")
        page.wait_for_load_state()
    page.goto(f"{base}/learn/{curriculum.slug}/")
    expect(page.locator("progress").first).to_have_attribute("value", str(lessons))
    shot(page, "curriculum-complete")


def practise_and_follow_the_plan(page: Page, base: str, curriculum: Curriculum) -> None:
    page.goto(f"{base}/learn/{curriculum.slug}/")
    page.click("main >> text=开始练习")
    page.wait_for_url("**/attempts/**")
    fieldset = page.locator("fieldset[data-kind=single_choice]").first
    item_id = int(fieldset.get_attribute("data-item") or 0)
    fieldset.locator(f"input[value={_wrong_choice(item_id)}]").check()
    fieldset.locator("button.check").click()
    expect(fieldset.locator(".practice-feedback")).to_contain_text("0%")
    page.goto(f"{base}/learn/{curriculum.slug}/plan/")
    expect(page.locator("main")).to_contain_text("接下来学什么")
    shot(page, "study-plan")
    page.click("text=练习推荐的题目")
    page.wait_for_url("**/learn/reviews/")
    review = page.locator("#reviews fieldset").first
    review.locator("input").first.check()
    review.locator("button.check").click()
    expect(review.locator(".practice-feedback")).to_contain_text("下次复习")


def attend_a_session(page: Page, staff: Page, base: str, session: LiveSession) -> None:
    """Register and download the calendar file; once the session has started, its
    instructor marks the candidate present, and her list of past sessions says so."""
    page.goto(f"{base}/learn/sessions/")
    card = page.locator(f"#session-{session.pk}")
    card.locator("text=报名参加").click()
    expect(page.locator(f"#session-{session.pk}")).to_contain_text("已报名")
    with page.expect_download() as download:
        page.locator(f"#session-{session.pk}").locator("text=下载日历文件").click()
    calendar = Path(download.value.path()).read_text(encoding="utf-8")
    assert "BEGIN:VEVENT" in calendar and session.online_url in calendar
    LiveSession.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - timedelta(minutes=session.duration_minutes + 5)
    )
    staff.goto(f"{base}/studio/sessions/{session.pk}/")
    staff.locator("#attendance input[value='1']").first.check()
    staff.click("#attendance button[type=submit]")
    expect(staff.locator("#attendance input[value='1']").first).to_be_checked()
    page.goto(f"{base}/learn/sessions/")
    expect(page.locator("#past-sessions")).to_contain_text("出席")
    assert SessionRegistration.objects.get(session=session).attended is True


def ask_the_mentor(page: Page, mentor: Page, base: str, curriculum: Curriculum) -> None:
    page.goto(f"{base}/mentoring/")
    page.fill("input[name=subject]", "感受野怎么算？")
    lesson = Lesson.objects.filter(curriculum=curriculum).order_by("position").first()
    assert lesson is not None
    page.select_option("select[name=lesson]", str(lesson.pk))
    page.fill("textarea[name=body]", "两层 3×3 卷积之后，感受野是 5×5 吗？")
    page.click("main form button[type=submit]")
    expect(page.locator("h1")).to_have_text("感受野怎么算？")
    thread = MentorThread.objects.get(subject="感受野怎么算？")
    mentor.goto(f"{base}/mentor/")
    mentor.click("text=感受野怎么算？")
    mentor.fill("#body", "是的：每层加 (k−1)，1 + 2 + 2 = 5。")
    mentor.click("main form button[type=submit]")
    expect(mentor.locator("ol.messages li")).to_have_count(2)
    page.goto(f"{base}/mentor/threads/{thread.pk}/")
    expect(page.locator("ol.messages li.from-mentor")).to_contain_text("1 + 2 + 2 = 5")
    shot(page, "mentor-thread")
    assert Notification.objects.filter(recipient=thread.candidate).exists()


def apply(page: Page, base: str, committee: Http, candidate: Any) -> Application:
    page.goto(f"{base}/certifications/{SLUG}/apply/")
    page.fill("[name=learning_history]", "课程全部完成，参加了直播答疑")
    page.fill("[name=full_name]", "李爱丽")
    page.fill("[name=project_experience]", "客服工单分类项目")
    page.click("main button[type=submit]")
    application = Application.objects.get(candidate=candidate, certification__slug=SLUG)
    queue = committee.api("GET", f"/api/v1/review/queue/?certification={SLUG}").json()
    [row] = [r for r in queue["results"] if r["id"] == application.pk]
    assert row["eligible"] is True, row  # the completed curriculum meets the rule
    approved = committee.api("POST", f"/api/v1/review/applications/{application.pk}/approve/")
    assert approved.json()["state"] == "approved", approved.text
    return application


def written_exam(page: Page, base: str, application: Application) -> Attempt:
    page.goto(f"{base}/dashboard/")
    page.locator(f"form[action='/certifications/{SLUG}/exam/'] button").click()
    page.wait_for_url("**/attempts/**")
    attempt = Attempt.objects.get(
        candidate=application.candidate, exam_id=application.certification.written_exam_id
    )
    for item in attempt.items.select_related("version").order_by("position"):
        response = walk_response(item.version)
        if response is None:
            continue
        if item.version.kind == QuestionVersion.Kind.PROGRAMMING:
            fieldset = page.locator(f"fieldset[data-item='{item.pk}']")
            fieldset.locator("textarea").fill(response["code"])
            expect(fieldset.locator(".save-state")).to_have_text("已保存")
        else:
            answer_in_page(page, item)
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#submit-exam")
    expect(page.locator(".result")).to_be_visible()
    return attempt


def test_a_candidate_studies_practises_attends_asks_and_passes(
    browser: Browser,  # noqa: F811
    live_server,
    demo: dict[str, Any],
    candidate,
    worker,
) -> None:
    programme_exams_load(author=demo["instructor"])
    Certification.objects.filter(slug=SLUG).update(requires_curriculum=True)
    curriculum = Curriculum.objects.get(slug=SLUG)
    session = sessions.session_schedule(
        actor=demo["instructor"],
        details=SessionDetails(
            curriculum=curriculum,
            title="卷积答疑 Convolution Q&A",
            starts_at=timezone.now() + timedelta(days=2),
            time_zone="Asia/Shanghai",
            duration_minutes=60,
            capacity=20,
            online_url="https://meet.example.org/conv-qa",
            room="",
            description="",
        ),
        now=None,
    )
    base = live_server.url
    staff = signed_in(browser, base, "instructor", "instructor-demo-2026").new_page()
    board = signed_in(browser, base, "committee", "committee-demo-2026").new_page()
    assign_mentor(board, base, candidate, demo["instructor"])
    context = signed_in(browser, base, candidate.username, PASSWORD)
    page = context.new_page()

    study_every_lesson(page, base, curriculum)
    practise_and_follow_the_plan(page, base, curriculum)
    attend_a_session(page, staff, base, session)
    ask_the_mentor(page, staff, base, curriculum)
    committee, examiner = Http(base), Http(base)
    login(committee, "committee", "committee-demo-2026")
    login(examiner, "examiner", "examiner-demo-2026")
    attempt = written_exam(page, base, apply(page, base, committee, candidate))
    examiners_score_the_manual_items(attempt, examiner)
    wait_for(
        lambda: Attempt.objects.get(pk=attempt.pk).state,
        lambda state: state == "graded",
        worker,
        what="written exam graded",
    )
    attempt.refresh_from_db()
    assert attempt.percent is not None and attempt.percent >= attempt.exam.pass_mark
    page.goto(f"{base}/attempts/{attempt.public_id}/")
    expect(page.locator(".result #score")).to_contain_text(f"{attempt.max_score} / ")
    shot(page, "passed")
    page.goto(f"{base}/learn/{SLUG}/")
    expect(page.locator("main")).to_contain_text("参加直播课 1 次（60 分钟）")
    shot(page, "progress-after")
