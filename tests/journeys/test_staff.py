"""The examiner's, the instructor's and the committee's journeys in headless Chromium,
as each would walk them: on a desktop in Chinese from the login form (a real TOTP code)
to the end, and each key page again on a 390×844 phone in English, every one held to
``standards.check`` (axe-core, one language, fits a phone, a screenshot under
var/screenshots/<journey>/, which docs/tour.md walks through)."""

import csv
import io
import tarfile
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import Browser, expect

from certification.appeals import services as appeals
from certification.applications import services as applications
from certification.exams import answers
from certification.exams import services as exams
from certification.interviews import services as interviews
from certification.models import (
    AngoffEstimate,
    Appeal,
    Application,
    Certificate,
    Certification,
    Exam,
    InterviewRating,
    InterviewSlot,
    ManualGrade,
    TrainingRelation,
)
from certification.results import services as decisions
from core.roles import Role
from tests.conftest import make_user
from tests.factories import answer_all, approved_application, objective_exam, question
from tests.journeys import standards
from tests.journeys.staff import logged_in, path, phone
from tests.test_browser import browser  # noqa: F401 - the shared Chromium fixture
from tests.test_results import graded_practical, graded_written
from training.models import (
    BundleUpload,
    Curriculum,
    Lesson,
    QuestionBank,
    QuestionVersion,
    Rubric,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CASE_RUBRIC = [
    {
        "id": "diagnosis",
        "name": "Diagnosis of the overfitting",
        "levels": [
            {
                "id": "missed",
                "label": "Diagnosis missing",
                "descriptor": "No diagnosis",
                "points": 0,
            },
            {"id": "named", "label": "Named only", "descriptor": "Names overfitting", "points": 2},
            {
                "id": "argued",
                "label": "Argued from curves",
                "descriptor": "Shows it in the curves",
                "points": 4,
            },
        ],
    },
    {
        "id": "remedy",
        "name": "Remedies proposed",
        "levels": [
            {"id": "absent", "label": "No remedy given", "descriptor": "No remedy", "points": 0},
            {
                "id": "some",
                "label": "One sound remedy",
                "descriptor": "One sound remedy",
                "points": 3,
            },
        ],
    },
]
ANSWERS = {
    "mei": "Validation loss rises after epoch 12 while training loss falls: overfitting. "
    "Add augmentation and stop early.",
    "lei": "The model memorises the training set; I would add dropout and weight decay.",
}


def examiner_world(demo: dict[str, Any]) -> SimpleNamespace:
    """Two candidates (Mei and Lei) whose case answers wait for a person, and Mei's
    advanced interview under way with the demo examiner on the panel."""
    examiner = demo["examiner"]
    candidates = {name: make_user(name, Role.CANDIDATE) for name in ("mei", "lei")}
    exam = objective_exam(mode=Exam.Mode.PRACTICE, attempts_allowed=5)
    rubric = Rubric.objects.create(title="Case analysis: a training curve", criteria=CASE_RUBRIC)
    case = question(
        QuestionBank.objects.get(slug="test-bank"),
        QuestionVersion.Kind.CASE_ANALYSIS,
        {},
        {"rubric": rubric.pk},
        "7",
        stem="The training loss falls and the validation loss rises after epoch 12. "
        "What is happening, and what would you do?",
    )
    exam.sections.get().fixed_items.create(question=case, position=4)
    items = {}
    for name, candidate in candidates.items():
        attempt = exams.attempt_start(candidate=candidate, exam=exam)
        answer_all(attempt)
        item = attempt.items.get(version__kind=QuestionVersion.Kind.CASE_ANALYSIS)
        answers.answer_save(
            attempt=attempt, item_id=item.pk, response={"text": ANSWERS[name]}, revision=2
        )
        exams.attempt_submit(attempt=attempt)
        items[name] = item
    advanced = Certification.objects.get(slug="advanced-cv")
    application = Application.objects.create(
        candidate=candidates["mei"],
        certification=advanced,
        full_name="林美",
        learning_history="-",
        project_experience="-",
        state=Application.State.APPROVED,
        reviewed_by=demo["committee"],
        reviewed_at=timezone.now(),
    )
    slot = interviews.interview_slot_create(
        certification=advanced,
        starts_at=timezone.now() + timedelta(days=3),
        first_examiner=examiner,
        second_examiner=get_user_model().objects.get(username="examiner2"),
        created_by=demo["committee"],
        location="Room 3",
    )
    interview = interviews.interview_book(
        candidate=candidates["mei"], application_id=application.pk, slot_id=slot.pk
    )
    InterviewSlot.objects.filter(pk=slot.pk).update(starts_at=timezone.now() - timedelta(minutes=5))
    return SimpleNamespace(candidates=candidates, items=items, interview=interview)


def test_the_examiner_grades_anonymously_rates_an_interview_and_declares_a_conflict(
    browser: Browser,  # noqa: F811
    live_server,
    demo: dict[str, Any],
) -> None:
    world = examiner_world(demo)
    base, journey = live_server.url, "examiner"
    identities = [
        *(c.username for c in world.candidates.values()),
        *(c.email for c in world.candidates.values()),
        "林美",
    ]
    with (
        logged_in(browser, base, "examiner") as page,
        phone(browser, base, demo["examiner"], journey) as mobile,
    ):
        # The grading queue: two case answers, nothing that says whose they are.
        page.click("nav >> text=人工评分")
        queue = page.locator(".table-scroll table.grid tbody tr")  # not the load chart's table
        expect(queue).to_have_count(2)
        for identity in identities:
            expect(page.locator("main")).not_to_contain_text(identity)
        standards.check(page, journey, "grading-queue")
        mobile.look("/examiner/grading/", "grading-queue")

        # Rubric scoring: the answer, the rubric's levels, a comment for the candidate.
        # Mei's answer (the queue's order says nothing about whose it is); the conflict
        # below is then declared for Lei, whose work has no interview to hide.
        page.click(f"main a[href$='/examiner/grading/{world.items['mei'].pk}/']")
        page.wait_for_url("**/examiner/grading/*/")
        graded, other = world.items["mei"], "lei"
        for identity in identities:
            expect(page.locator("main")).not_to_contain_text(identity)
        standards.check(page, journey, "rubric-scoring")
        mobile.look(path(page, base), "rubric-scoring")
        page.check("input[name=level-diagnosis][value=argued]")
        page.check("input[name=level-remedy][value=some]")
        page.fill("textarea[name=comment]", "Clear diagnosis from the curves.")
        page.click("button[type=submit]:has-text('提交评分')")
        expect(page.locator(".flash")).to_be_visible()
        expect(queue).to_have_count(1)
        grade = ManualGrade.objects.get(item=graded)
        assert (grade.examiner, grade.points, grade.levels) == (
            demo["examiner"],
            7,
            {"diagnosis": "argued", "remedy": "some"},
        )

        # Conflicts: the examiner trained Lei, says so, and Lei's answer leaves the queue.
        page.click("text=登记利益冲突")
        standards.check(page, journey, "conflicts")
        mobile.look(path(page, base), "conflicts")
        page.fill("input[name=candidate]", other)
        page.select_option("select[name=kind]", "trainer")
        page.fill("input[name=note]", "Taught the spring evening course")
        page.click("button[type=submit]:has-text('登记')")
        expect(page.locator(".flash")).to_be_visible()
        expect(page.locator("table.grid")).to_contain_text(other)
        assert TrainingRelation.objects.filter(
            staff=demo["examiner"], candidate=world.candidates[other]
        ).exists()
        page.click("nav >> text=人工评分")
        expect(page.locator(".empty")).to_be_visible()
        assert not page.locator(f"a[href$='/{world.items[other].pk}/']").count()
        standards.check(page, journey, "grading-queue-empty")
        mobile.look("/examiner/grading/", "grading-queue-empty")
        response = page.goto(f"{base}/examiner/grading/{world.items[other].pk}/")
        assert response is not None and response.status == 404
        assert not ManualGrade.objects.filter(item=world.items[other]).exists()

        # Interview rating: blind, against the interview rubric.
        page.goto(f"{base}/examiner/grading/")
        page.click("nav >> text=我的面试")
        expect(page.locator("table.grid tbody tr")).to_have_count(1)
        standards.check(page, journey, "interviews")
        mobile.look("/examiner/interviews/", "interviews")
        page.click("main table a[href*='/examiner/interviews/']")
        page.wait_for_url("**/examiner/interviews/*/")
        standards.check(page, journey, "interview-rating")
        mobile.look(path(page, base), "interview-rating")
        for group in page.locator("table.rubric tr").all():
            group.locator("input[type=radio]").last.check()
        page.fill("textarea[name=comment]", "Well-argued design; clear trade-offs.")
        page.click("button[type=submit]:has-text('提交评分')")
        page.wait_for_url("**/examiner/interviews/")
        rating = InterviewRating.objects.get(interview=world.interview, examiner=demo["examiner"])
        assert rating.comment == "Well-argued design; clear trade-offs."


def committee_world(demo: dict[str, Any]) -> SimpleNamespace:
    """Three applications waiting for review; Fang, who passed the written exam and
    the practical and waits for the committee's decision; Qiang, failed by another
    committee member, who appealed."""
    certification = demo["certification"]
    objective_exam(certification=certification)
    pending = [
        applications.application_submit(
            candidate=make_user(name, Role.CANDIDATE),
            certification=certification,
            full_name=full_name,
            learning_history="Finished the beginner CV curriculum online.",
            project_experience="Classified traffic signs with a small CNN.",
        )
        for name, full_name in (("ming", "王明"), ("hong", "李红"), ("gang", "张刚"))
    ]
    chair2 = make_user("chair2", Role.COMMITTEE)
    scored = {}
    for name, full_name, written, practical in (
        ("fang", "陈芳", None, 0.95),
        ("qiang", "赵强", 1, 0.5),
    ):
        application = approved_application(
            candidate=make_user(name, Role.CANDIDATE),
            certification=certification,
            committee=chair2,
        )
        Application.objects.filter(pk=application.pk).update(full_name=full_name)
        graded_written(application, written)
        graded_practical(application, practical)
        scored[name] = application
    decisions.decision_record(
        application_id=scored["qiang"].pk,
        decided_by=chair2,
        outcome="fail",
        rationale="Written and practical below the cut score.",
    )
    appeal = appeals.appeal_file(
        candidate=scored["qiang"].candidate,
        application_id=scored["qiang"].pk,
        grounds="My practical solution timed out while the sandbox was overloaded.",
        components=["practical"],
    )
    return SimpleNamespace(pending=pending, fang=scored["fang"], appeal=appeal)


def test_the_committee_reviews_decides_sets_a_standard_issues_revokes_and_exports(
    browser: Browser,  # noqa: F811
    live_server,
    demo: dict[str, Any],
) -> None:
    world = committee_world(demo)
    base, journey = live_server.url, "committee"
    committee = demo["committee"]
    with (
        logged_in(browser, base, "committee") as page,
        phone(browser, base, committee, journey) as mobile,
    ):
        # The review queue: two applications approved at once, one left for later.
        page.click("nav >> text=审核申请")
        expect(page.locator("#bulk tbody tr", has_text="王明")).to_be_visible()
        standards.check(page, journey, "review-queue")
        mobile.look("/committee/applications/", "review-queue")
        for application in world.pending[:2]:
            page.check(f"input[name=ids][value='{application.pk}']")
        page.click("#bulk >> text=批准所选")
        expect(page.locator(".flash")).to_be_visible()
        states = dict(
            Application.objects.filter(pk__in=[a.pk for a in world.pending]).values_list(
                "pk", "state"
            )
        )
        assert [states[a.pk] for a in world.pending] == ["approved", "approved", "submitted"]

        # Results: the distribution of composites, then Fang's breakdown and a decision.
        page.click("nav >> text=成绩与发证")
        expect(page.locator("#score-distribution svg")).to_be_visible()
        standards.check(page, journey, "results")
        mobile.look("/committee/results/", "results")
        page.click("text=陈芳")
        page.wait_for_url(f"**/committee/results/{world.fang.pk}/")
        standards.check(page, journey, "decision")
        mobile.look(path(page, base), "decision")
        page.check("input[name=outcome][value=pass]")
        page.fill("textarea[name=rationale]", "Both components above their minimums.")
        page.click("text=记录结论")
        expect(page.locator(".flash")).to_be_visible()

        # Issuing: from the results, once the decision is a pass.
        page.click("nav >> text=成绩与发证")
        page.locator("tr", has_text="陈芳").locator("text=签发证书").click()
        expect(page.locator(".flash")).to_be_visible()
        certificate = Certificate.objects.get(application=world.fang)

        # An Angoff study of the written exam: the committee member's own estimates.
        page.click("text=蓝图与合格线")
        page.goto(f"{base}/committee/angoff/")
        standards.check(page, journey, "angoff")
        mobile.look("/committee/angoff/", "angoff")
        page.select_option("select[name=exam]", str(demo["certification"].written_exam_id))
        page.fill("input[name=title]", "Beginner CV written, spring")
        page.click("text=创建")
        page.wait_for_url("**/committee/angoff/*/")
        for n, field in enumerate(page.locator("input[type=number]").all()):
            field.fill(("0.6", "0.75", "0.5")[n % 3])
        page.click("text=保存估计")
        expect(page.locator(".flash")).to_be_visible()
        assert AngoffEstimate.objects.filter(judge=committee).count() == 3
        standards.check(page, journey, "angoff-study")
        mobile.look(path(page, base), "angoff-study")

        # The appeal: read against the result, rejected with reasons.
        page.goto(f"{base}/committee/appeals/")
        expect(page.locator("main")).to_contain_text("sandbox was overloaded")
        standards.check(page, journey, "appeals")
        mobile.look("/committee/appeals/", "appeals")
        page.fill("textarea[name=rationale]", "The run finished normally; the score stands.")
        page.click("button[value=reject]")
        expect(page.locator(".flash")).to_be_visible()
        world.appeal.refresh_from_db()
        assert world.appeal.state == Appeal.State.REJECTED

        # Revoking the certificate issued above, with a reason.
        page.click("nav >> text=证书管理")
        standards.check(page, journey, "certificates")
        mobile.look("/committee/certificates/", "certificates")
        row = page.locator("tr", has_text=certificate.code)
        row.locator("form[action$='/revoke/'] input[name=reason]").fill("Issued in error.")
        row.locator("form[action$='/revoke/'] button").click()
        expect(page.locator(f"tr:has-text('{certificate.code}') [data-status]")).to_have_attribute(
            "data-status", "revoked"
        )
        certificate.refresh_from_db()
        assert certificate.revoked_at is not None

        # The audit log, exported: every step above is in the file.
        page.goto(f"{base}/committee/audit/")
        standards.check(page, journey, "audit")
        mobile.look("/committee/audit/", "audit")
        with page.expect_download() as download:
            page.click("text=导出 CSV")
        lines = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    rows = list(csv.reader(lines))
    actions = {row[2] for row in rows[1:]}
    assert {
        "application.approve",
        "decision.record",
        "certificate.issue",
        "appeal.reject",
        "certificate.revoke",
    } <= actions, actions


def instructor_world() -> Exam:
    """A practice exam six candidates have taken, from all wrong to all right, so that
    its items have statistics to read."""
    exam = objective_exam(mode=Exam.Mode.PRACTICE, attempts_allowed=5)
    Exam.objects.filter(pk=exam.pk).update(title="Convolutions quiz")
    for n in range(6):
        attempt = exams.attempt_start(candidate=make_user(f"taker{n}", Role.CANDIDATE), exam=exam)
        answer_all(attempt, correct=n % 4)
        exams.attempt_submit(attempt=attempt)
    return exam


def bundle_archive() -> bytes:
    """A task bundle as an instructor packs it (its validation runs on a grading
    worker; here it waits in the queue)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        manifest = b'slug = "edge-detect"\ntitle = "Edge detection"\n'
        info = tarfile.TarInfo("task.toml")
        info.size = len(manifest)
        tar.addfile(info, io.BytesIO(manifest))
    return buffer.getvalue()


def test_the_instructor_authors_a_lesson_an_item_a_blueprint_a_bundle_and_reads_item_analysis(
    browser: Browser,  # noqa: F811
    live_server,
    demo: dict[str, Any],
) -> None:
    exam = instructor_world()
    base, journey = live_server.url, "instructor"
    curriculum = Curriculum.objects.get(slug="beginner-cv")
    bank = QuestionBank.objects.get(slug="beginner-cv-bank")
    with (
        logged_in(browser, base, "instructor") as page,
        phone(browser, base, demo["instructor"], journey) as mobile,
    ):
        page.click("nav >> text=编写工作室")
        standards.check(page, journey, "studio")
        mobile.look("/studio/", "studio")

        # A lesson, with its live preview, saved as a draft.
        page.click(f"main >> text={curriculum.title}")
        page.click("text=新建课时")
        page.fill("#title", "Padding and stride")
        page.fill(
            "#body", "## Output size\n\nWith padding $p$ and stride $s$ the output is smaller."
        )
        expect(page.locator("#preview h2")).to_have_text("Output size")
        standards.check(page, journey, "lesson-editor")
        mobile.look(path(page, base), "lesson-editor")
        page.click("text=保存草稿")
        expect(page.locator("#review")).to_contain_text("v1")
        assert not Lesson.objects.get(title="Padding and stride").is_published

        # An item with the single-choice editor, tried in the preview, saved as a draft.
        page.click("nav >> text=编写工作室")
        page.click(f"main >> text={bank.title}")
        page.click("main >> text=单选题")
        page.fill("#id_name", "stride-two")
        page.fill("#id_stem", "A 3×3 convolution with stride **2** on a 32×32 input gives?")
        editor = page.locator("#kind-editor")
        editor.locator("input[aria-label='选项 a']").fill("16×16 with padding 1")
        editor.locator("input[aria-label='选项 b']").fill("32×32")
        editor.locator("input[aria-label='正确 a']").check()
        preview = page.locator("#item-preview")
        preview.locator("input[value=a]").check()
        preview.locator("#try-answer").click()
        expect(preview.locator("#try-result")).to_contain_text("100%")
        standards.check(page, journey, "item-editor")
        mobile.look(path(page, base), "item-editor")
        page.click("text=保存草稿")
        expect(page.locator(".flash")).to_be_visible()
        assert QuestionVersion.objects.filter(question__name="stride-two").exists()

        # A blueprint: one section drawn from the bank, its capacity checked live.
        page.click("nav >> text=编写工作室")
        page.click("text=新建试卷")
        page.fill("#title", "Convolutions mock exam")
        page.fill("#minutes", "20")
        row = page.locator("tr.section-row").first
        row.locator("select").select_option(index=1)
        row.locator("input[name='s-0-count']").fill("1")
        expect(page.locator("#capacity-summary")).not_to_be_empty()
        standards.check(page, journey, "blueprint-editor")
        mobile.look("/studio/exams/new/", "blueprint-editor")
        page.click("text=保存蓝图")
        expect(page.locator(".flash")).to_be_visible()
        assert Exam.objects.filter(title="Convolutions mock exam").exists()

        # A task bundle: uploaded, then followed while a grading worker checks it.
        page.click("nav >> text=实操任务包")
        page.set_input_files(
            "input[type=file]",
            {
                "name": "edge-detect.tar.gz",
                "mimeType": "application/gzip",
                "buffer": bundle_archive(),
            },
        )
        page.click("#bundle-button")
        upload = page.locator("tr.bundle-upload", has_text="edge-detect.tar.gz")
        expect(upload.locator(".progress[data-stage]")).to_be_visible()
        standards.check(page, journey, "bundle-upload")
        mobile.look("/tasks/bundles/", "bundle-upload")
        assert BundleUpload.objects.filter(file_name="edge-detect.tar.gz").exists()

        # Item analysis: the score distribution, then difficulty and discrimination.
        page.click("nav >> text=试卷与试题分析")
        standards.check(page, journey, "exams")
        mobile.look("/exams/", "exams")
        page.goto(f"{base}/exams/{exam.pk}/analysis/")
        expect(page.locator("#scores-title")).to_contain_text("n = 6")
        expect(page.locator("table.grid").last).to_contain_text("single_choice")
        standards.check(page, journey, "item-analysis")
        mobile.look(f"/exams/{exam.pk}/analysis/", "item-analysis")
