"""The nine certifications' written exams, drawn from the programme's banks."""

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from certification.demo.programme_exams import (
    DRAW_PER_CATEGORY,
    PROGRAMME_TASKS,
    programme_exams_load,
)
from certification.exams import selectors
from certification.exams import services as exams
from certification.exams.services import blueprint_draw
from certification.models import Blueprint, Certification, Exam
from certification.results.selectors import blueprint_current
from tests.factories import approved_application
from training.models import Curriculum, Lesson

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme(programme_shared: dict[str, Any], demo: dict[str, Any]) -> dict[str, Any]:
    return programme_shared


def test_every_certification_has_a_written_exam_and_is_open(programme: dict[str, Any]) -> None:
    assert len(programme) == 9
    assert not Certification.objects.filter(written_exam__isnull=True).exists()
    assert not Certification.objects.filter(is_open=False).exists()


def test_each_exam_can_be_drawn_twice_without_repeating_an_item(programme: dict[str, Any]) -> None:
    for slug, exam in programme.items():
        sections = list(exam.sections.all())
        assert len(sections) >= 5, slug
        first = {version.question_id for _, version in blueprint_draw(exam=exam, seed=1)}
        assert len(first) == DRAW_PER_CATEGORY * len(sections)
        # Every section's pool holds two full draws, so a second form can avoid the first.
        for section in sections:
            pool = selectors.section_pool(section)
            assert pool.count() >= 2 * section.draw_count, (slug, section.title)


def test_a_candidate_sits_the_beginner_speech_exam(
    programme: dict[str, Any], candidate: Any, committee: Any
) -> None:
    certification = Certification.objects.get(slug="beginner-speech")
    approved_application(candidate=candidate, certification=certification, committee=committee)
    attempt = exams.attempt_start(candidate=candidate, exam=certification.written_exam)
    assert attempt.items.count() == DRAW_PER_CATEGORY * 6
    assert all(
        "pool:exam" in item.version.question.tags.values_list("name", flat=True)
        for item in attempt.items.select_related("version__question")
    )


def test_loading_twice_changes_nothing(programme: dict[str, Any], demo: dict[str, Any]) -> None:
    again = programme_exams_load(author=demo["instructor"])
    assert {slug: exam.pk for slug, exam in again.items()} == {
        slug: exam.pk for slug, exam in programme.items()
    }


def test_each_certification_has_a_curriculum_of_six_lessons_with_time_and_objectives(
    programme: dict[str, Any],
) -> None:
    for slug in programme:
        curriculum = Curriculum.objects.get(slug=slug)
        lessons = list(curriculum.lessons.all())
        assert len(lessons) >= 6, slug
        for lesson in lessons:
            assert lesson.minutes > 0 and 3 <= len(lesson.objectives) <= 5, lesson.title
            assert " / " in lesson.title, lesson.title


def test_the_curriculum_page_shows_objectives_time_and_the_practical_task(
    programme: dict[str, Any], client: Client
) -> None:
    page = client.get(reverse("curriculum", args=["beginner-cv"])).content.decode()
    lesson = Lesson.objects.get(curriculum__slug="beginner-cv", practical_task__isnull=False)
    assert escape(lesson.objectives[0]) in page
    assert f"{lesson.minutes} 分钟" in page
    assert reverse("practical", args=["beginner-cv"]) in page
    assert "练习 / practice quiz" in page


def test_a_practice_quiz_draws_from_its_own_banks_practice_pool_only(
    programme: dict[str, Any],
) -> None:
    quiz = Exam.objects.get(mode=Exam.Mode.PRACTICE, curriculum__slug="intermediate-speech")
    drawn = [version.question for _, version in blueprint_draw(exam=quiz, seed=7)]
    assert len(drawn) >= 8
    assert {question.bank.slug for question in drawn} == {"speech-intermediate"}
    assert all(question.tags.filter(name="pool:practice").exists() for question in drawn)


def test_programme_certifications_get_their_practical_tasks(programme: dict[str, Any]) -> None:
    """Every certification has a practical task (the speech tasks need espeak-ng, which
    the tests install), and each curriculum's practical lesson links to it."""
    tasks = dict(Certification.objects.values_list("slug", "practical_task__slug"))
    assert all(tasks.values()), tasks
    for slug, task in PROGRAMME_TASKS.items():
        assert tasks[slug] == task, slug
    for slug, task in tasks.items():
        lesson = Lesson.objects.get(curriculum__slug=slug, practical_task__isnull=False)
        assert lesson.practical_task is not None and lesson.practical_task.slug == task


@pytest.mark.parametrize("domain", ["cv", "nlp", "speech"])
def test_advanced_certifications_interview_with_the_programme_rubric(
    programme: dict[str, Any], domain: str
) -> None:
    certification = Certification.objects.get(slug=f"advanced-{domain}")
    blueprint = blueprint_current(certification=certification)
    assert blueprint is not None and blueprint.published_at is not None
    weights = {c.kind: c.weight for c in blueprint.components.all()}
    assert weights == {
        "written": Decimal("0.3"),
        "practical": Decimal("0.3"),
        "interview": Decimal("0.4"),
    }
    rubric = blueprint.components.get(kind="interview").rubric
    assert rubric is not None and rubric.title.endswith(f"· {domain}-advanced")
    assert len(rubric.criteria) >= 4 and all(len(c["levels"]) >= 3 for c in rubric.criteria)
    assert certification.interview_slots.count() >= 9
    versions = Blueprint.objects.filter(certification=certification).count()
    programme_exams_load(author=User.objects.get(username="instructor"))
    assert Blueprint.objects.filter(certification=certification).count() == versions


def test_the_exam_list_says_how_many_forms_each_exam_can_fill(
    programme: dict[str, Any], client: Client, demo: dict[str, Any]
) -> None:
    exam = programme["intermediate-nlp"]
    capacity = selectors.exam_capacity(exam=exam)
    assert capacity.forms is not None and capacity.forms >= 2
    assert all(row.forms >= 2 for row in capacity.sections)
    # The batched counts agree with the pool each section draws from.
    sections = {s.position: s for s in exam.sections.all()}
    for row in capacity.sections:
        pool = selectors.section_pool(sections[row.section.position])
        assert row.available == {"": pool.count()}
    # Ask one section for more than its pool holds: it is named as the short one.
    greedy = exam.sections.order_by("position").first()
    assert greedy is not None
    greedy.draw_count = 50
    greedy.save(update_fields=["draw_count"])
    capacity = selectors.exam_capacity(exam=exam)
    assert capacity.forms == 0 and capacity.short == (selectors.SectionDraw.of(greedy),)
    client.force_login(demo["instructor"])
    page = client.get(reverse("exam-list")).content.decode()
    assert "可组卷数" in page and escape(greedy.title) in page
