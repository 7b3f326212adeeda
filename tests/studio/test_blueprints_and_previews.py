"""The blueprint editor (save, live capacity, refusals that keep the input) and the
item preview that renders an unsaved item as the candidate sees it and scores the
author's answer with the exam's own rules."""

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from certification.exams.selectors import exam_capacity
from certification.models import AuditEvent, Exam
from core.roles import Role
from tests.conftest import make_user
from training.models import Category, Question, QuestionBank, QuestionVersion, ReviewStatus, Tag

pytestmark = pytest.mark.django_db
Kind = QuestionVersion.Kind


@pytest.fixture
def bank(db: None) -> tuple[QuestionBank, Category]:
    """Six published easy items and three published hard ones in one category, plus a
    hard one that is only a draft."""
    bank = QuestionBank.objects.create(slug="b", title="Bank")
    category = Category.objects.create(bank=bank, name="CNN")
    easy, hard = (Tag.objects.get_or_create(name=f"difficulty:{d}")[0] for d in ("easy", "hard"))
    for n in range(10):
        q = Question.objects.create(bank=bank, category=category, name=f"q{n}")
        q.tags.set([easy if n < 6 else hard])
        QuestionVersion.objects.create(
            question=q,
            number=1,
            kind=Kind.TRUE_FALSE,
            stem=f"Statement {n}",
            key={"correct": True},
            status=ReviewStatus.DRAFT if n == 9 else ReviewStatus.PUBLISHED,
        )
    return bank, category


def author() -> Client:
    client = Client()
    client.force_login(make_user("ann", Role.INSTRUCTOR))
    return client


def test_a_blueprint_is_built_in_the_studio_and_its_capacity_checked(bank) -> None:
    _bank, category = bank
    client = author()
    section = {
        "title": "CNN",
        "category": str(category.pk),
        "tags": "",
        "count": "5",
        "easy": "3",
        "hard": "2",
    }
    live = client.post(
        reverse("studio-capacity"),
        json.dumps({"sections": [section]}),
        content_type="application/json",
    ).json()
    # 6 easy → 2 forms of 3; 3 published hard (the fourth is a draft) → 1 form of 2.
    assert live["forms"] == 1 and live["sections"][0]["available"] == {"easy": 6, "hard": 3}
    assert live["sections"][0]["short"] is True

    form = {
        "title": "CNN quiz",
        "mode": "exam",
        "minutes": "20",
        "pass_mark": "70",
        "sections": "1",
    }
    form.update({f"s-0-{k}": v for k, v in section.items()})
    response = client.post(reverse("studio-blueprint-new"), form)
    exam = Exam.objects.get(title="CNN quiz")
    assert response.status_code == 302 and exam.time_limit_minutes == 20
    assert exam_capacity(exam=exam).forms == 1
    assert AuditEvent.objects.filter(action="exam.blueprint_saved", object_id=str(exam.pk)).exists()
    page = client.get(reverse("studio-blueprint", args=[exam.pk])).content.decode()
    assert "题库可组成 1 份互不重复的试卷" in page


def test_bad_sections_are_refused_with_the_input_kept(bank) -> None:
    client = author()
    form = {
        "title": "Broken",
        "mode": "exam",
        "minutes": "20",
        "pass_mark": "60",
        "sections": "2",
        "s-0-tags": "topic:nope",
        "s-0-count": "2",
        "s-1-count": "3",
        "s-1-easy": "1",
    }
    response = client.post(reverse("studio-blueprint-new"), form)
    page = response.content.decode()
    assert response.status_code == 422 and not Exam.objects.filter(title="Broken").exists()
    assert "topic:nope" in page and "没有这些标签" in page and "难度数量之和须等于抽题数" in page
    live = client.post(
        reverse("studio-capacity"),
        json.dumps({"sections": [{"count": "x"}]}),
        content_type="application/json",
    )
    assert live.status_code == 422 and live.json()["problems"]


def single_choice(**extra: Any) -> dict[str, Any]:
    return {
        "kind": "single_choice",
        "stem": "Which loss suits **multi-class** classification?",
        "points": "2",
        "data": {"choices": [{"id": "a", "text": "Cross-entropy"}, {"id": "b", "text": "MSE"}]},
        "key": {"fractions": {"a": 1}},
        "feedback": {
            "general": "Cross-entropy is the log-likelihood.",
            "choices": {"b": "MSE suits regression."},
        },
        **extra,
    }


def test_the_preview_renders_and_scores_like_the_exam(db: None) -> None:
    client = author()
    preview = client.post(
        reverse("studio-item-preview"), json.dumps(single_choice()), content_type="application/json"
    ).json()
    assert "<strong>multi-class</strong>" in preview["html"] and 'value="a"' in preview["html"]
    assert "fractions" not in preview["html"]  # never the key
    right = client.post(
        reverse("studio-item-try"),
        json.dumps(single_choice(response={"choice": "a"})),
        content_type="application/json",
    ).json()
    assert right["fraction"] == 1.0 and "log-likelihood" in right["feedback_html"]
    wrong = client.post(
        reverse("studio-item-try"),
        json.dumps(single_choice(response={"choice": "b"})),
        content_type="application/json",
    ).json()
    assert wrong["fraction"] == 0.0 and "regression" in wrong["feedback_html"]


def test_the_preview_reports_problems_and_is_for_authors_only(db: None) -> None:
    client = author()
    broken = single_choice(key={"fractions": {"z": 1}})
    response = client.post(
        reverse("studio-item-preview"), json.dumps(broken), content_type="application/json"
    )
    assert response.status_code == 422 and any("key" in p for p in response.json()["problems"])
    bad_answer = client.post(
        reverse("studio-item-try"),
        json.dumps(single_choice(response={"choice": "q"})),
        content_type="application/json",
    )
    assert bad_answer.status_code == 422
    assert (
        client.post(
            reverse("studio-item-preview"), b"[1]", content_type="application/json"
        ).status_code
        == 400
    )
    candidate = Client()
    candidate.force_login(make_user("cand", Role.CANDIDATE))
    assert (
        candidate.post(
            reverse("studio-item-preview"),
            json.dumps(single_choice()),
            content_type="application/json",
        ).status_code
        == 404
    )


def test_only_the_committee_links_an_exam_or_a_task_to_a_certification(demo) -> None:
    certification = demo["certification"]
    exam = Exam.objects.create(title="Another written exam")
    practice = Exam.objects.create(title="A quiz", mode=Exam.Mode.PRACTICE)
    url = reverse("studio-assign")
    body = {"certification": certification.slug, "exam": str(exam.pk)}
    instructor = Client()
    instructor.force_login(demo["instructor"])
    assert instructor.post(url, body).status_code == 404
    committee = Client()
    committee.force_login(demo["committee"])
    assert committee.post(url, body).status_code == 302
    certification.refresh_from_db()
    assert certification.written_exam == exam
    assert AuditEvent.objects.filter(action="certification.assigned").count() == 1
    committee.post(url, body)  # again: nothing changes, nothing more is logged
    committee.post(url, {"certification": certification.slug, "exam": str(practice.pk)})
    certification.refresh_from_db()
    assert certification.written_exam == exam
    assert AuditEvent.objects.filter(action="certification.assigned").count() == 1
