"""The exam engine's pages: practice from the curriculum, the examiners' grading
queue, and item analysis with its CSV export."""

import csv
import io
from decimal import Decimal

import pytest
from django.test import Client

from certification.exams import answers
from certification.exams import services as exams
from certification.exams.presentation import feedback_html, item_view, review_rights
from certification.models import Attempt, Exam
from core.roles import Role
from tests.conftest import make_user
from tests.factories import answer_all, approved_application, objective_exam, question
from training.models import QuestionBank, QuestionVersion, Rubric

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_practice_quiz_is_offered_on_the_curriculum_and_gives_feedback(demo, candidate):
    client = logged_in(candidate)
    page = client.get("/curricula/beginner-cv/")
    quiz = Exam.objects.get(mode=Exam.Mode.PRACTICE, curriculum__slug="beginner-cv")
    assert f"/exams/{quiz.pk}/practice/".encode() in page.content

    response = client.post(f"/exams/{quiz.pk}/practice/")
    attempt = Attempt.objects.get(candidate=candidate, exam=quiz)
    assert response["Location"] == f"/attempts/{attempt.public_id}/"
    item = attempt.items.select_related("version").first()
    key = item.version.key["fractions"]
    best = max(key, key=key.get)
    general = item.version.feedback["general"]
    before = client.get(f"/attempts/{attempt.public_id}/").content.decode()
    api_items = client.get(f"/api/v1/attempts/{attempt.public_id}/").json()["items"]
    assert general and general not in before and feedback_html(item.version.feedback) not in before
    assert not any("feedback" in entry for entry in api_items)  # nothing before answering
    client.put(
        f"/api/v1/attempts/{attempt.public_id}/answers/{item.pk}/",
        {"response": {"choice": best}, "revision": 1},
        content_type="application/json",
    )
    too_big = client.put(
        f"/api/v1/attempts/{attempt.public_id}/answers/{item.pk}/",
        {"response": {"choice": best}, "revision": answers.MAX_REVISION + 1},
        content_type="application/json",
    )
    assert too_big.status_code == 400 and "revision" in too_big.json()["error"]["fields"]
    feedback = client.post(f"/api/v1/attempts/{attempt.public_id}/items/{item.pk}/check/").json()
    assert feedback["fraction"] == 1 and feedback["feedback"]["general"] == general
    assert feedback["feedback_html"] == feedback_html(item.version.feedback)
    assert "检查答案".encode() in client.get(f"/attempts/{attempt.public_id}/").content


def test_practice_feedback_waits_for_submit_and_renders_latex(demo, candidate):
    quiz = Exam.objects.get(mode=Exam.Mode.PRACTICE, curriculum__slug="beginner-cv")
    attempt = exams.attempt_start(candidate=candidate, exam=quiz)
    sigmoid = attempt.items.get(version__stem__startswith="sigmoid")
    assert "feedback" not in item_view(sigmoid, rights=review_rights(attempt))

    exams.attempt_submit(attempt=attempt)
    attempt.refresh_from_db()
    shown = item_view(sigmoid, rights=review_rights(attempt))
    assert "<math" in shown["feedback_html"] and "e^{-x}" not in shown["feedback_html"]
    page = logged_in(candidate).get(f"/attempts/{attempt.public_id}/").content.decode()
    assert shown["feedback_html"] in page


def test_examiner_grades_a_case_analysis_through_the_page(demo, candidate, committee):
    exam = objective_exam(certification=demo["certification"])
    rubric = Rubric.objects.create(
        title="量表",
        criteria=[
            {
                "id": "c",
                "name": "诊断",
                "levels": [
                    {"id": "0", "label": "无", "points": 0},
                    {"id": "1", "label": "好", "points": 1},
                ],
            }
        ],
    )
    case = question(
        QuestionBank.objects.get(slug="test-bank"),
        QuestionVersion.Kind.CASE_ANALYSIS,
        {},
        {"rubric": rubric.pk},
        "4",
        stem="分析这个案例",
    )
    exam.sections.get().fixed_items.create(question=case, position=4)
    approved_application(
        candidate=candidate, certification=demo["certification"], committee=committee
    )
    attempt = exams.attempt_start(candidate=candidate, exam=exam)
    answer_all(attempt)
    exams.attempt_submit(attempt=attempt)

    examiner = make_user("eve", Role.EXAMINER)
    client = logged_in(examiner)
    queue = client.get("/examiner/grading/")
    assert (
        "分析这个案例" in queue.content.decode()
        and candidate.username not in queue.content.decode()
    )
    item = attempt.items.get(version__kind="case_analysis")
    page = client.get(f"/examiner/grading/{item.pk}/")
    assert "诊断" in page.content.decode()

    incomplete = client.post(f"/examiner/grading/{item.pk}/", {"comment": "?"})
    assert incomplete.status_code == 200  # the form again, with the message
    assert Attempt.objects.get(pk=attempt.pk).state == Attempt.State.SUBMITTED

    done = client.post(f"/examiner/grading/{item.pk}/", {"level-c": "1", "comment": "清楚"})
    assert done.status_code == 302
    attempt.refresh_from_db()
    assert (attempt.state, attempt.score) == (Attempt.State.GRADED, Decimal(10))
    assert client.get(f"/examiner/grading/{item.pk}/").status_code == 404


def test_item_analysis_page_and_csv(demo, committee):
    exam = objective_exam()
    exam.attempts_allowed = 1
    exam.mode = Exam.Mode.PRACTICE
    exam.save()
    for index, correct in enumerate([0, 1, 2, 3, 3, 2]):
        person = make_user(f"p{index}", Role.CANDIDATE)
        attempt = exams.attempt_start(candidate=person, exam=exam)
        answer_all(attempt, correct=correct)
        exams.attempt_submit(attempt=attempt)
    instructor = make_user("ian", Role.INSTRUCTOR)
    listing = logged_in(instructor).get("/exams/").content.decode()
    assert f'href="/exams/{exam.pk}/analysis/"' in listing  # the way in: the exam list
    assert logged_in(make_user("cat", Role.CANDIDATE)).get("/exams/").status_code == 404
    page = logged_in(instructor).get(f"/exams/{exam.pk}/analysis/")
    assert page.status_code == 200 and "<svg" in page.content.decode()
    rows = list(
        csv.reader(
            io.StringIO(logged_in(committee).get(f"/exams/{exam.pk}/analysis.csv").content.decode())
        )
    )
    header = rows[0]
    assert "facility" in header and "discrimination_index" in header
    facilities = [float(row[header.index("facility")]) for row in rows[1:4]]
    assert facilities == pytest.approx([5 / 6, 4 / 6, 2 / 6])
