"""A demo cohort: 40 learners who sat a mock exam made of the beginner CV bank's
automatically graded items, so that the item analysis page of the demo
(``make run``) has figures and charts to show.

Not part of ``demo_load``: the tests start from the plain demo. Answers go through
the exam service, as a browser's would. Whether a learner gets an item right
follows a simple Rasch model (the learner's ability against the item's difficulty
tag), from a fixed seed, so every demo shows the same figures. A wrong answer is
left blank, which scores the same."""

import math
import random
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from certification.exams import answers
from certification.exams import services as exams
from certification.models import Attempt, Exam
from core.roles import Role, role_grant
from training.models import Question, QuestionVersion

MOCK_EXAM = "模拟考（演示班级）Mock exam (demo cohort)"
DIFFICULTY = {"difficulty:easy": -1.0, "difficulty:medium": 0.0, "difficulty:hard": 1.0}
Kind = QuestionVersion.Kind


def full_marks_response(version: QuestionVersion) -> dict[str, Any] | None:
    """The response that earns full marks on an automatically graded item."""
    key = version.key
    if version.kind == Kind.SINGLE_CHOICE:
        return {"choice": max(key["fractions"], key=lambda c: key["fractions"][c])}
    if version.kind == Kind.MULTIPLE_CHOICE:
        return {"choices": [c for c, f in key["fractions"].items() if f > 0]}
    if version.kind == Kind.TRUE_FALSE:
        return {"value": key["correct"]}
    if version.kind == Kind.FILL_IN:
        return {"blanks": {name: _accepted(rules) for name, rules in key["blanks"].items()}}
    if version.kind == Kind.MATCHING:
        return {"pairs": key["pairs"]}
    if version.kind == Kind.ORDERING:
        return {"order": key["order"]}
    return None


def _accepted(rules: list[dict[str, Any]]) -> str:
    """An answer that a blank's first full-credit rule accepts: its value, or the low
    end of a numeric range (a regex is a pattern, not an answer)."""
    rule = next(r for r in rules if r.get("fraction", 1) >= 1 and r["match"] != "regex")
    value = rule.get("value")
    return str(value if value is not None else rule["min"])


def _mock_exam() -> Exam:
    exam, created = Exam.objects.get_or_create(
        title=MOCK_EXAM,
        defaults={"mode": Exam.Mode.PRACTICE, "time_limit_minutes": 30, "attempts_allowed": 1},
    )
    if created:
        section = exam.sections.create(position=1, title="客观题 Objective items")
        objective = [
            question
            for question in Question.objects.filter(bank__slug="beginner-cv-bank").order_by("pk")
            if full_marks_response(question.latest_version()) is not None
        ]
        for position, question in enumerate(objective, start=1):
            section.fixed_items.create(question=question, position=position)
    return exam


@transaction.atomic
def demo_cohort_load(*, size: int = 40, seed: int = 2026) -> int:
    """Creates ``size`` learners (no usable password), each with one graded attempt
    of the mock exam. Returns how many were created: 0 when the cohort exists."""
    exam = _mock_exam()
    if Attempt.objects.filter(exam=exam).exists():
        return 0
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    User = get_user_model()
    for number in range(1, size + 1):
        learner = User(username=f"learner{number:02d}", email=f"learner{number:02d}@example.org")
        learner.set_unusable_password()
        learner.save()
        role_grant(user=learner, role=Role.CANDIDATE)
        ability = rng.gauss(0.0, 1.2)
        attempt = exams.attempt_start(candidate=learner, exam=exam)
        items = attempt.items.select_related("version").prefetch_related("version__question__tags")
        for item in items:
            tags = [tag.name for tag in item.version.question.tags.all()]
            difficulty = next((DIFFICULTY[t] for t in tags if t in DIFFICULTY), 0.0)
            if rng.random() < 1 / (1 + math.exp(difficulty - ability)):
                response = full_marks_response(item.version)
                answers.answer_save(attempt=attempt, item_id=item.pk, response=response, revision=1)
        exams.attempt_submit(attempt=attempt)
    return size
