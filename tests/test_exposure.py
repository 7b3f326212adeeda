"""Exposure control (certification/exams/exposure.py): with a simulated cohort, no
drawn item is shown to more than the exam's share of the window's attempts (± one
attempt) when the bank allows it, and drawing still succeeds, with a warning, when
it does not."""

import logging
from collections import Counter

import pytest

from certification.exams import services as exams
from certification.models import AttemptItem, Exam
from tests.conftest import make_user
from tests.factories import choices, question
from training.models import Category, QuestionBank

pytestmark = pytest.mark.django_db

Kind = "single_choice"


def exam_drawing(*, pool: int, draw: int, percent: int) -> Exam:
    bank, _ = QuestionBank.objects.get_or_create(slug="exposure", defaults={"title": "Exposure"})
    category = Category.objects.create(bank=bank, name="pool")
    for _ in range(pool):
        question(bank, Kind, {"choices": choices()}, {"fractions": {"a": 1}}, category=category)
    exam = Exam.objects.create(
        title="Exposure", mode=Exam.Mode.PRACTICE, max_exposure_percent=percent
    )
    exam.sections.create(position=1, draw_count=draw, draw_category=category)
    return exam


def cohort_starts(exam: Exam, size: int) -> Counter[int]:
    for n in range(size):
        exams.attempt_start(candidate=make_user(f"cohort{n}", None), exam=exam)
    return Counter(
        AttemptItem.objects.filter(attempt__exam=exam).values_list(
            "version__question_id", flat=True
        )
    )


def test_no_item_exceeds_the_share_when_the_bank_allows(caplog):
    exam = exam_drawing(pool=10, draw=2, percent=25)  # each form shows 20% of the pool
    with caplog.at_level(logging.WARNING, logger="certification.exams.exposure"):
        shown = cohort_starts(exam, 30)
    assert len(shown) == 10 and sum(shown.values()) == 60
    assert max(shown.values()) <= 0.25 * 30 + 1
    assert "exposure cap exceeded" not in caplog.text


def test_a_bank_too_small_still_draws_and_warns(caplog):
    exam = exam_drawing(pool=3, draw=2, percent=25)  # two of three must be shown
    with caplog.at_level(logging.WARNING, logger="certification.exams.exposure"):
        shown = cohort_starts(exam, 6)
    assert sum(shown.values()) == 12 and max(shown.values()) - min(shown.values()) <= 1
    assert "exposure cap exceeded" in caplog.text


def test_without_a_cap_the_draw_is_the_seeded_one():
    exam = exam_drawing(pool=10, draw=3, percent=25)
    exam.max_exposure_percent = None
    exam.save(update_fields=["max_exposure_percent"])
    first = [v.pk for _, v in exams.blueprint_draw(exam=exam, seed=7)]
    assert first == [v.pk for _, v in exams.blueprint_draw(exam=exam, seed=7)]
