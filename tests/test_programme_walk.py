"""One candidate climbs the computer-vision ladder of the programme that ``load_demo``
loads, through the browser: beginner, then intermediate (which needs the beginner
certificate), then advanced (with its interview). At each level: apply, study the
curriculum, take the written exam in the page, upload the practical (graded by a
real Celery worker in the Docker sandbox), book the interview at the advanced level;
examiners score what people score, the committee issues, anyone verifies."""

import os
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from certification.interviews.selectors import interview_rubric
from certification.models import Application, Attempt, AttemptItem, Interview, InterviewSlot
from grading.models import Submission
from grading.workers import worker_env, worker_start, worker_stop
from tests.factories import correct_response
from tests.test_browser import answer_in_page, browser  # noqa: F401 - the shared Chromium
from tests.test_e2e import Browser as Http
from tests.test_e2e import login, wait_for
from training.bundles.paths import bundle_paths
from training.models import QuestionVersion, Rubric

pytestmark = [
    pytest.mark.browser,
    pytest.mark.docker,
    pytest.mark.worker,
    pytest.mark.xdist_group("worker"),
]
LADDER = ("beginner-cv", "intermediate-cv", "advanced-cv")
PASSWORD = "a-long-unusual-passphrase"


@pytest.fixture
def worker(transactional_db: None) -> Iterator[subprocess.Popen[bytes]]:
    process = worker_start(
        hostname=f"walk-{os.getpid()}@%h",
        pool="solo",
        purge=True,
        output=subprocess.PIPE,
        env=worker_env(REDIS_URL=settings.CELERY_BROKER_URL),
    )
    yield process
    worker_stop(process, timeout=20)


def walk_response(version: QuestionVersion) -> dict[str, Any] | None:
    """Full marks: the key's answer, the reference code of a programming item."""
    if version.kind == QuestionVersion.Kind.PROGRAMMING and version.key.get("reference"):
        return {"code": version.key["reference"]}
    return correct_response(version)


def best_levels(rubric: Rubric) -> dict[str, str]:
    return {
        c["id"]: max(c["levels"], key=lambda level: float(level["points"]))["id"]
        for c in rubric.criteria
    }


def register(page: Page, base: str) -> None:
    page.goto(f"{base}/accounts/register/")
    page.fill("input[name=username]", "mei")
    page.fill("input[name=email]", "mei@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard/")


def apply_and_get_approved(page: Page, base: str, slug: str, committee: Http) -> Application:
    page.goto(f"{base}/certifications/{slug}/apply/")
    page.fill("textarea[name=learning_history], input[name=learning_history]", "课程全部完成")
    page.fill("[name=full_name]", "王美")
    page.fill("[name=project_experience]", "图像分类与检测项目")
    page.click("button[type=submit]")
    application = Application.objects.get(candidate__username="mei", certification__slug=slug)
    approved = committee.api("POST", f"/api/v1/review/applications/{application.pk}/approve/")
    assert approved.json()["state"] == "approved", approved.text
    return application


def study(page: Page, base: str, slug: str) -> None:
    """The curriculum: at least six lessons, each with its time; the practical lesson
    links to the task; the practice quiz gives feedback on a checked answer."""
    page.goto(f"{base}/curricula/{slug}/")
    assert page.locator("ol.lessons > li").count() >= 6
    expect(page.locator("ol.lessons")).to_contain_text("分钟")
    assert page.locator(f"a[href='/certifications/{slug}/practical/']").count() >= 1
    practise(page, "mei")


def practise(page: Page, username: str) -> None:
    """On a curriculum page: starts its first practice quiz, answers a choice item
    right and checks it; the feedback gives full marks."""
    page.locator("form[action*='/practice/'] button").first.click()
    page.wait_for_url("**/attempts/**")
    practice = Attempt.objects.filter(candidate__username=username).order_by("-pk").first()
    assert practice is not None and practice.exam.mode == "practice"
    item = next(
        i
        for i in practice.items.select_related("version").order_by("position")
        if i.version.kind in ("single_choice", "true_false", "multiple_choice")
    )
    answer_in_page(page, item)
    page.locator(f"fieldset[data-item='{item.pk}'] button.check").click()
    expect(page.locator(f"fieldset[data-item='{item.pk}'] .practice-feedback")).to_contain_text(
        "得分 100%"
    )


def written_exam(page: Page, base: str, slug: str) -> Attempt:
    page.goto(f"{base}/dashboard/")
    page.locator(f"form[action='/certifications/{slug}/exam/'] button").click()
    page.wait_for_url("**/attempts/**")
    application = Application.objects.get(candidate__username="mei", certification__slug=slug)
    attempt = Attempt.objects.get(
        candidate__username="mei", exam_id=application.certification.written_exam_id
    )
    for item in attempt.items.select_related("version").order_by("position"):
        response = walk_response(item.version)
        if response is None:
            continue
        if item.version.kind == QuestionVersion.Kind.PROGRAMMING:
            page.locator(f"fieldset[data-item='{item.pk}'] textarea").fill(response["code"])
            expect(page.locator(f"fieldset[data-item='{item.pk}'] .save-state")).to_have_text(
                "已保存"
            )
        else:
            answer_in_page(page, item)
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#submit-exam")
    expect(page.locator(".result")).to_be_visible()
    return attempt


def examiners_score_the_manual_items(attempt: Attempt, examiner: Http) -> None:
    for item in AttemptItem.objects.filter(attempt=attempt).select_related("version"):
        if not item.version.is_manual:
            continue
        rubric = Rubric.objects.get(pk=item.version.key["rubric"])
        graded = examiner.api(
            "POST",
            f"/api/v1/grading/manual/{item.pk}/",
            json={"levels": best_levels(rubric), "comment": "论证完整"},
        )
        assert graded.status_code == 201, graded.text


def practical(page: Page, base: str, slug: str, worker: Any) -> None:
    application = Application.objects.get(candidate__username="mei", certification__slug=slug)
    task = application.certification.practical_task
    assert task is not None
    solution = bundle_paths(task).reference_solution
    page.goto(f"{base}/certifications/{slug}/practical/")
    page.set_input_files("input[type=file]", str(solution))
    page.click("#upload-button")
    submission = wait_for(
        lambda: (
            Submission.objects.filter(candidate__username="mei", task=task).order_by("-pk").first()
        ),
        lambda s: s is not None and s.state in ("done", "failed"),
        worker,
        what=f"{slug}: practical graded",
        seconds=400,
    )
    assert (submission.verdict, submission.passed) == ("ok", True), submission.message
    # The page reloads itself once the run is over: let it, before going elsewhere.
    expect(page.locator("td.passed").first).to_contain_text("通过", timeout=30_000)


def interview(page: Page, base: str, application: Application) -> None:
    page.goto(f"{base}/applications/{application.pk}/interview/")
    page.locator("input[name=slot]").first.check()
    page.click(f"form[action='/applications/{application.pk}/interview/book/'] button")
    expect(page.locator("body")).to_contain_text("已预约")
    booked = Interview.objects.select_related("slot").get(application=application)
    # The interview takes place: its slot is now in the past.
    InterviewSlot.objects.filter(pk=booked.slot_id).update(
        starts_at=timezone.now() - timedelta(hours=1)
    )
    levels = best_levels(interview_rubric(booked))
    for examiner in (booked.slot.first_examiner, booked.slot.second_examiner):
        http = Http(base)
        login(http, examiner.username, f"{examiner.username}-demo-2026")
        rated = http.api(
            "POST", f"/api/v1/examiner/interviews/{booked.pk}/rating/", json={"levels": levels}
        )
        assert rated.status_code in (200, 201), rated.text


def certify(page: Page, base: str, application: Application, committee: Http) -> None:
    results = committee.api("GET", "/api/v1/results/").json()
    [result] = [r for r in results if r["application"] == application.pk]
    assert result["complete"] and result["passed"], result
    issued = committee.api("POST", f"/api/v1/results/{application.pk}/certificate/")
    assert issued.status_code == 201, issued.text
    page.goto(f"{base}/verify/{issued.json()['code']}/")
    expect(page.locator("body")).to_contain_text("证书有效")


def test_one_candidate_climbs_the_cv_ladder(
    browser: Browser,  # noqa: F811
    live_server,
    worker,
) -> None:
    call_command("load_demo", "--no-cohort", verbosity=0)
    base = live_server.url
    committee, examiner = Http(base), Http(base)
    login(committee, "committee", "committee-demo-2026")
    login(examiner, "examiner", "examiner-demo-2026")
    context = browser.new_context(locale="zh-CN", extra_http_headers={"Accept-Language": "zh-hans"})
    page = context.new_page()
    register(page, base)
    for slug in LADDER:
        application = apply_and_get_approved(page, base, slug, committee)
        study(page, base, slug)
        attempt = written_exam(page, base, slug)
        examiners_score_the_manual_items(attempt, examiner)
        wait_for(
            lambda pk=attempt.pk: Attempt.objects.get(pk=pk).state,
            lambda state: state == "graded",
            worker,
            what=f"{slug}: written exam graded",
        )
        practical(page, base, slug, worker)
        if slug.startswith("advanced"):
            interview(page, base, application)
        certify(page, base, application, committee)
    context.close()
