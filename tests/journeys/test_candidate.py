"""The candidate's journey in a real browser, held to the journeys' standards at each
key page (``standards.check``: axe-core, one language, fits a phone, a screenshot under
var/screenshots/candidate/; docs/tour.md walks through them).

On a desktop in Chinese, Mei walks all of it for Advanced NLP: registers, confirms her
address from the mail, applies with an attachment and a waiver request (Advanced needs
the Intermediate certificate), is approved, studies and practises, books a sitting of
the written exam and takes it in its window with a network drop and a closed tab in
the middle, uploads her practical and follows its stages live (a real Celery worker
grading in Docker), books her interview, reads her result and its breakdown, appeals,
receives her certificate, downloads the PDF, shares it to LinkedIn, and anyone
verifies it signed out. On a phone in English, Lin walks the same key pages."""

import re
import subprocess
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from certification.interviews.selectors import interview_rubric
from certification.models import (
    Answer,
    Application,
    Attempt,
    Interview,
    InterviewSlot,
    SittingBooking,
)
from core.roles import Role
from grading.models import Submission
from tests.conftest import authenticator_for, make_user
from tests.factories import correct_response
from tests.journeys import standards
from tests.journeys.standards import check
from tests.test_browser import answer_in_page, browser  # noqa: F401 - the shared Chromium
from tests.test_e2e import Browser as Http
from tests.test_e2e import login, wait_for
from tests.test_programme_walk import (
    best_levels,
    examiners_score_the_manual_items,
    practise,
    walk_response,
    worker,  # noqa: F401 - the Celery worker fixture
)
from training.bundles.paths import bundle_paths
from training.models import PracticalTask, QuestionVersion

pytestmark = [
    pytest.mark.browser,
    pytest.mark.docker,
    pytest.mark.worker,
    pytest.mark.xdist_group("worker"),
]
JOURNEY = "candidate"
SLUG = "advanced-nlp"
PASSWORD = "a-long-unusual-passphrase"
# The smallest PDF the attachment check accepts (it reads the type from the content).
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
OBJECTIVE = ("single_choice", "multiple_choice", "true_false", "fill_in", "matching")


# --- Steps --------------------------------------------------------------------------


def register(page: Page, base: str, username: str, step: str) -> None:
    page.goto(f"{base}/accounts/register/")
    check(page, JOURNEY, f"{step}-register")
    page.fill("input[name=username]", username)
    page.fill("input[name=email]", f"{username}@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/dashboard/")
    expect(page.locator("#email-pending")).to_contain_text(f"{username}@example.org")


def confirm_email(page: Page, base: str, username: str) -> None:
    """The mail is in the outbox (only its delivery is not real): open its link."""
    [message] = [m for m in mail.outbox if m.to == [f"{username}@example.org"]]
    found = re.search(r"https?://[^/\s]+(/accounts/verify-email/\S+/)", message.body)
    assert found, message.body
    page.goto(base + found.group(1))
    expect(page.locator("main h1")).to_have_text("邮箱已验证")
    check(page, JOURNEY, "03-email-confirmed")
    page.goto(f"{base}/dashboard/")
    expect(page.locator("#email-pending")).to_have_count(0)


def apply(page: Page, base: str, *, slug: str, username: str, tmp: Path, step: str) -> Application:
    page.goto(f"{base}/certifications/{slug}/apply/")
    page.fill("[name=full_name]", "王美" if username == "mei" else "Lin Zhou")
    page.fill("[name=learning_history]", "NLP courses, all completed")
    page.fill("[name=project_experience]", "Ticket triage and tag extraction")
    if page.locator("[name=waiver_request]").count():
        page.fill("[name=waiver_request]", "I hold an equivalent certificate (attached).")
    proof = tmp / f"{username}-certificate.pdf"
    proof.write_bytes(PDF)
    page.set_input_files("input[name=attachments]", [str(proof)])
    check(page, JOURNEY, f"{step}-apply")
    page.click("button[name=action][value=submit]")
    page.wait_for_url("**/dashboard/")
    application = Application.objects.get(candidate__username=username, certification__slug=slug)
    assert application.attachments.count() == 1
    return application


def approve(committee: Http, application: Application, *, waiver: bool) -> None:
    path = f"/api/v1/review/applications/{application.pk}"
    if waiver:
        granted = committee.api("POST", f"{path}/waiver/", json={"reason": "同等证书已核实"})
        assert granted.status_code == 201, granted.text
    approved = committee.api("POST", f"{path}/approve/")
    assert approved.json()["state"] == "approved", approved.text


def study_and_practise(page: Page, base: str) -> None:
    page.goto(f"{base}/curricula/{SLUG}/")
    assert page.locator("ol.lessons > li").count() >= 6
    check(page, JOURNEY, "06-curriculum")
    practise(page, "mei")
    check(page, JOURNEY, "07-practice")


def book_sitting(page: Page, base: str) -> SittingBooking:
    """The written exam is sat at a booked sitting: the dashboard says so and links to
    the booking page; the booking comes with an .ics; on the day the window opens."""
    page.goto(f"{base}/dashboard/")
    page.click(f"a[href='/certifications/{SLUG}/sittings/']")
    expect(page.locator("input[name=sitting]")).to_have_count(3)
    check(page, JOURNEY, "08-sittings")
    page.locator("input[name=sitting]").first.check()
    page.locator(f"form[action='/certifications/{SLUG}/sittings/book/'] button").click()
    expect(page.locator("#my-sitting")).to_be_visible()
    with page.expect_download() as download:
        page.click(f"a[href='/certifications/{SLUG}/sittings/booking.ics']")
    calendar = Path(download.value.path()).read_text(encoding="utf-8")
    booking = SittingBooking.objects.select_related("sitting").get(
        candidate__username="mei", state="booked"
    )
    assert f"DTSTART:{booking.sitting.starts_at:%Y%m%dT%H%M%SZ}" in calendar
    check(page, JOURNEY, "09-sitting-booked")
    page.goto(f"{base}/dashboard/")
    expect(page.locator(f"form[action='/certifications/{SLUG}/exam/']")).to_have_count(0)
    # The day of the sitting comes: its window opens.
    now = timezone.now()
    booking.sitting.__class__.objects.filter(pk=booking.sitting_id).update(
        starts_at=now - timedelta(minutes=5), ends_at=now + timedelta(hours=3)
    )
    return booking


def written_exam(page: Page, base: str) -> tuple[Attempt, Page]:
    """Answers half, loses the network, answers one more, closes the tab; reopens the
    attempt in a new tab of the same browser (the unsent answer is sent), closes that
    too and opens a new page: everything is there. Then the rest, and submit."""
    page.goto(f"{base}/dashboard/")
    page.locator(f"form[action='/certifications/{SLUG}/exam/'] button").click()
    page.wait_for_url("**/attempts/**")
    url = page.url
    attempt = Attempt.objects.get(candidate__username="mei", exam__mode="exam")
    items = list(attempt.items.select_related("version").order_by("position"))
    offline = next(i for i in items if i.version.kind == "single_choice")
    objective = [i for i in items if i.version.kind in OBJECTIVE and i != offline]
    first = objective[: len(objective) // 2]
    for item in first:
        answer_in_page(page, item)
    check(page, JOURNEY, "10-exam")

    context = page.context
    context.set_offline(True)
    fieldset = page.locator(f"fieldset[data-item='{offline.pk}']")
    choice = correct_response(offline.version)["choice"]  # type: ignore[index]
    fieldset.locator(f"input[value={choice}]").check()
    expect(fieldset.locator(".save-state")).to_have_text("未保存，网络恢复后自动重发")
    expect(page.locator("#connection")).to_contain_text("个答案待发送")
    page.close()
    context.set_offline(False)

    page = context.new_page()  # a new tab, the same browser
    page.goto(url)
    expect(page.locator(f"fieldset[data-item='{offline.pk}'] .save-state")).to_have_text("已保存")
    expect(page.locator("#connection")).to_have_text("所有答案已保存")
    page.close()
    page = context.new_page()  # and again, after closing it
    page.goto(url)
    expect(page.locator(f"fieldset[data-item='{offline.pk}'] input:checked")).to_have_count(1)
    saved = Answer.objects.filter(item__attempt=attempt).count()
    assert saved == len(first) + 1, saved

    for item in items:
        if item in first or item == offline:
            continue
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
    return attempt, page


def practical(page: Page, base: str, application: Application, worker: subprocess.Popen) -> None:  # noqa: F811
    """Uploads the solution and watches its stages move without reloading."""
    task = application.certification.practical_task
    assert task is not None
    # The task's predict budget (20 s) is part of the task and tested with it; on a
    # test machine shared by many jobs the reference can overrun it. The journey is
    # about the candidate's path, so it gives the run room.
    PracticalTask.objects.filter(pk=task.pk).update(predict_seconds=120)
    page.goto(f"{base}/certifications/{SLUG}/practical/")
    page.set_input_files("input[type=file]", str(bundle_paths(task).reference_solution))
    page.click("#upload-button")
    row = page.locator("tr.submission").first
    expect(row).to_have_attribute("data-state", re.compile("queued|running"))
    check(page, JOURNEY, "11-practical-running")
    submission = wait_for(
        lambda: (
            Submission.objects.filter(candidate__username="mei", task=task).order_by("-pk").first()
        ),
        lambda s: s is not None and s.state in ("done", "failed"),
        worker,
        what="practical graded",
        seconds=300,
    )
    assert (submission.verdict, submission.passed) == ("ok", True), submission.message_text
    # The page reloads itself once the run is over: let it.
    expect(row).to_have_attribute("data-final", "1", timeout=30_000)
    expect(page.locator("td.passed").first).to_contain_text("通过")
    check(page, JOURNEY, "12-practical-done")


def interview(page: Page, base: str, application: Application) -> None:
    page.goto(f"{base}/applications/{application.pk}/interview/")
    check(page, JOURNEY, "13-interview")
    page.locator("input[name=slot]").first.check()
    page.click(f"form[action='/applications/{application.pk}/interview/book/'] button")
    expect(page.locator(".flash")).to_contain_text("已预约")
    booked = Interview.objects.select_related("slot").get(application=application)
    InterviewSlot.objects.filter(pk=booked.slot_id).update(  # it takes place
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


def result_and_appeal(page: Page, base: str, application: Application, committee: Http) -> None:
    decided = committee.api(
        "POST",
        f"/api/v1/results/{application.pk}/decision/",
        json={"outcome": "pass", "rationale": "各部分均达到要求"},
    )
    assert decided.status_code == 201, decided.text
    page.goto(f"{base}/dashboard/")
    page.click(f"a[href='/applications/{application.pk}/result/']")
    expect(page.locator("main")).to_contain_text("委员会结论")
    check(page, JOURNEY, "14-result")
    page.fill("[name=grounds]", "面试第二项的评分与我的回答不符，请复核。")
    page.locator("input[name=components][value=interview]").check()
    page.locator("main form button").last.click()
    expect(page.locator(".flash")).to_be_visible()
    check(page, JOURNEY, "15-appeal-filed")
    # Another member decides the appeal: not the one who decided the result.
    authenticator_for(make_user("chair2", Role.COMMITTEE))
    second = Http(base)
    login(second, "chair2", "correct horse battery staple")
    [appeal] = second.api("GET", "/api/v1/appeals/").json()
    decided = second.api(
        "POST",
        f"/api/v1/appeals/{appeal['id']}/decision/",
        json={"grant": False, "rationale": "复核后评分维持不变"},
    )
    assert decided.status_code in (200, 201), decided.text


def certificate(page: Page, base: str, application: Application, committee: Http) -> str:
    issued = committee.api("POST", f"/api/v1/results/{application.pk}/certificate/")
    assert issued.status_code == 201, issued.text
    code = issued.json()["code"]
    page.goto(f"{base}/dashboard/")
    page.click(f"a[href='/certificates/{code}/']")
    check(page, JOURNEY, "16-certificate")
    expect(page.locator(f"a[href='/certificates/{code}/pdf/']")).to_be_visible()
    pdf = page.request.get(f"{base}/certificates/{code}/pdf/")  # what the link downloads
    assert pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF-")
    share = page.locator("a[href^='https://www.linkedin.com/profile/add']").get_attribute("href")
    assert share and f"certId={code}" in share and "verify" in unquote(share)
    return code


def verify_signed_out(
    chromium: Browser, base: str, code: str, *, viewport: str, language: str
) -> None:
    with standards.signed_in(chromium, base, None, viewport=viewport, language=language) as page:
        page.goto(f"{base}/verify/{code}/")
        expect(page.locator("main")).to_contain_text(
            "证书有效" if language == "zh-hans" else "valid"
        )
        check(page, JOURNEY, "17-verify")


# --- The journeys -------------------------------------------------------------------


def test_the_candidates_journey_on_a_desktop_and_a_phone(
    browser: Browser,  # noqa: F811
    live_server,
    worker,  # noqa: F811
    tmp_path: Path,
) -> None:
    started = time.monotonic()
    laps: list[tuple[str, float]] = []
    call_command("load_demo", "--no-cohort", verbosity=0)
    laps.append(("load_demo", time.monotonic()))
    base = live_server.url
    committee, examiner = Http(base), Http(base)
    login(committee, "committee", "committee-demo-2026")
    login(examiner, "examiner", "examiner-demo-2026")

    context = standards.new_context(browser, viewport="desktop", language="zh-hans")
    page = context.new_page()
    register(page, base, "mei", "01")
    check(page, JOURNEY, "02-dashboard-new")
    confirm_email(page, base, "mei")
    laps.append(("confirm_email", time.monotonic()))
    application = apply(page, base, slug=SLUG, username="mei", tmp=tmp_path, step="04")
    check(page, JOURNEY, "05-applied")
    approve(committee, application, waiver=True)
    laps.append(("approve", time.monotonic()))
    study_and_practise(page, base)
    laps.append(("study_and_practise", time.monotonic()))
    book_sitting(page, base)
    laps.append(("book_sitting", time.monotonic()))
    attempt, page = written_exam(page, base)
    laps.append(("written_exam", time.monotonic()))
    examiners_score_the_manual_items(attempt, examiner)
    wait_for(
        lambda: Attempt.objects.get(pk=attempt.pk).state,
        lambda state: state == "graded",
        worker,
        what="written exam graded",
    )
    laps.append(("written_exam_graded", time.monotonic()))
    practical(page, base, application, worker)
    laps.append(("practical", time.monotonic()))
    interview(page, base, application)
    laps.append(("interview", time.monotonic()))
    result_and_appeal(page, base, application, committee)
    laps.append(("result_and_appeal", time.monotonic()))
    code = certificate(page, base, application, committee)
    laps.append(("certificate", time.monotonic()))
    context.close()
    verify_signed_out(browser, base, code, viewport="desktop", language="zh-hans")
    desktop = time.monotonic() - started

    # The phone, in English: the same key pages.
    mei = Application.objects.get(pk=application.pk).candidate
    with standards.signed_in(browser, base, None, viewport="phone", language="en") as phone:
        register(phone, base, "lin", "01")
        check(phone, JOURNEY, "02-dashboard-new")
        lin = apply(phone, base, slug="beginner-cv", username="lin", tmp=tmp_path, step="04")
        approve(committee, lin, waiver=False)
        phone.goto(f"{base}/dashboard/")
        phone.locator("form[action='/certifications/beginner-cv/exam/'] button").click()
        phone.wait_for_url("**/attempts/**")
        check(phone, JOURNEY, "10-exam")
    with standards.signed_in(browser, base, mei, viewport="phone", language="en") as phone:
        phone.goto(f"{base}/applications/{application.pk}/result/")
        check(phone, JOURNEY, "14-result")
        phone.goto(f"{base}/certificates/{code}/")
        check(phone, JOURNEY, "16-certificate")
    verify_signed_out(browser, base, code, viewport="phone", language="en")
    laps.append(("phone", time.monotonic()))
    previous = started
    for name, at in laps:
        print(f"{name}: {at - previous:.0f} s", end="; ")
        previous = at
    print(f"candidate journey: desktop {desktop:.0f} s, in all {time.monotonic() - started:.0f} s")
