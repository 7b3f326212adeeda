"""The learning journey on the programme's content: enrolment, lesson time and
completion, practice answers as evidence, reviews of missed items, the study plan,
the curriculum eligibility rule and the nightly refresh."""

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from certification.applications import services as applications
from certification.exams import services as exams
from certification.exams.answers import answer_save
from certification.learning import plan as plans
from certification.learning import selectors
from certification.learning import services as learning
from certification.models import (
    Attempt,
    Certification,
    Enrolment,
    Exam,
    ItemStatistic,
    PracticeResponse,
    ReviewCard,
    StudyPlanSnapshot,
)
from core.errors import ApplicationError, NotFound
from core.roles import Role
from grading.objective import InvalidResponse
from tests.conftest import make_user
from tests.factories import correct_response
from training.models import Curriculum, Lesson, QuestionVersion

pytestmark = pytest.mark.django_db
SLUG = "intermediate-cv"


@pytest.fixture
def programme(programme_shared: dict[str, Any], demo: dict[str, Any]) -> dict[str, Any]:
    return programme_shared


@pytest.fixture
def curriculum(programme: dict[str, Any]) -> Curriculum:
    return Curriculum.objects.get(slug=SLUG)


def _wrong(version: QuestionVersion) -> dict[str, Any]:
    fractions = version.key["fractions"]
    ids = [choice["id"] for choice in version.data["choices"]]
    return {"choice": next(c for c in ids if fractions.get(c, 0) <= 0)}


def _practice(candidate: Any, curriculum: Curriculum) -> tuple[Attempt, list[Any]]:
    quiz = Exam.objects.get(curriculum=curriculum, mode=Exam.Mode.PRACTICE)
    attempt = exams.attempt_start(candidate=candidate, exam=quiz)
    items = [
        item
        for item in attempt.items.select_related("version").order_by("position")
        if item.version.kind == "single_choice"
    ]
    assert len(items) >= 2
    return attempt, items


def _answer(attempt: Attempt, item: Any, response: dict[str, Any]) -> float | None:
    answer_save(attempt=attempt, item_id=item.pk, response=response, revision=1)
    return exams.practice_check(attempt=attempt, item_id=item.pk).fraction


def test_enrolling_twice_keeps_one_enrolment_and_approval_enrols(programme, candidate, committee):
    curriculum = Curriculum.objects.get(slug="beginner-cv")
    first = learning.enrolment_ensure(candidate=candidate, curriculum=curriculum)
    assert learning.enrolment_ensure(candidate=candidate, curriculum=curriculum) == first

    other = make_user("dora", Role.CANDIDATE)
    application = applications.application_submit(
        candidate=other,
        certification=Certification.objects.get(slug="beginner-cv"),
        full_name="Dora",
        learning_history="-",
        project_experience="-",
    )
    applications.application_approve(application_id=application.pk, reviewer=committee)
    enrolment = Enrolment.objects.get(candidate=other)
    assert enrolment.curriculum == curriculum
    assert enrolment.source == Enrolment.Source.APPLICATION


def test_study_time_counts_heartbeats_but_not_pauses(curriculum, candidate):
    lesson = Lesson.objects.filter(curriculum=curriculum).order_by("position").first()
    start = timezone.now()
    beats = [0, 30, 60, 60 + 600, 60 + 620]  # a ten-minute pause in the middle
    for seconds in beats:
        progress = learning.lesson_heartbeat(
            candidate=candidate, lesson_id=lesson.pk, now=start + timedelta(seconds=seconds)
        )
    assert progress.seconds == 30 + 30 + 20
    assert Enrolment.objects.filter(candidate=candidate, curriculum=curriculum).exists()


def test_completing_lessons_makes_progress_and_can_be_undone(curriculum, candidate):
    lessons = list(Lesson.objects.filter(curriculum=curriculum).order_by("position"))
    learning.lesson_complete(candidate=candidate, lesson_id=lessons[0].pk)
    learning.lesson_complete(candidate=candidate, lesson_id=lessons[0].pk)  # a double click
    progress = selectors.curriculum_progress(candidate=candidate, curriculum=curriculum)
    assert progress.completed == 1 and progress.share == pytest.approx(1 / len(lessons))
    met, total = progress.objectives
    assert met == len(lessons[0].objectives) and total == sum(len(x.objectives) for x in lessons)
    learning.lesson_complete(candidate=candidate, lesson_id=lessons[0].pk, done=False)
    assert selectors.curriculum_progress(candidate=candidate, curriculum=curriculum).completed == 0


def test_an_unpublished_lesson_is_not_found(curriculum, candidate):
    lesson = Lesson.objects.filter(curriculum=curriculum).first()
    Lesson.objects.filter(pk=lesson.pk).update(is_published=False)
    with pytest.raises(NotFound):
        learning.lesson_complete(candidate=candidate, lesson_id=lesson.pk)


def test_a_missed_practice_item_is_recorded_once_and_scheduled_for_review(curriculum, candidate):
    attempt, items = _practice(candidate, curriculum)
    missed, right = items[0], items[1]
    assert _answer(attempt, missed, _wrong(missed.version)) == 0
    assert _answer(attempt, missed, _wrong(missed.version)) == 0  # checked twice
    assert _answer(attempt, right, correct_response(right.version)) == 1
    recorded = PracticeResponse.objects.filter(candidate=candidate)
    assert recorded.count() == 2
    card = ReviewCard.objects.get(candidate=candidate)
    assert card.question_id == missed.version.question_id
    assert card.due_at <= timezone.now() + timedelta(minutes=2)
    feedback = exams.practice_check(attempt=attempt, item_id=missed.pk)
    assert feedback.lesson_url.startswith(f"/learn/{SLUG}/lessons/") and feedback.lesson_title


def test_a_review_answered_right_comes_back_later_and_a_wrong_one_soon(curriculum, candidate):
    attempt, items = _practice(candidate, curriculum)
    _answer(attempt, items[0], _wrong(items[0].version))
    card = ReviewCard.objects.get(candidate=candidate)
    later = timezone.now() + timedelta(minutes=5)
    assert [c.pk for c in learning.reviews_due(candidate=candidate, now=later)] == [card.pk]
    version = learning.review_version(card=card)

    wrong = learning.review_answer(
        candidate=candidate, card_id=card.pk, response=_wrong(version), now=later
    )
    assert wrong.fraction == 0 and wrong.due_at < later + timedelta(hours=1)
    assert wrong.feedback_html  # the item's feedback teaches why
    right = learning.review_answer(
        candidate=candidate, card_id=card.pk, response=correct_response(version), now=wrong.due_at
    )
    assert right.fraction == 1 and right.due_at > wrong.due_at + timedelta(minutes=5)
    assert PracticeResponse.objects.filter(candidate=candidate, source="review").count() == 2


def test_a_malformed_review_answer_changes_nothing(curriculum, candidate, other_candidate):
    attempt, items = _practice(candidate, curriculum)
    _answer(attempt, items[0], _wrong(items[0].version))
    card = ReviewCard.objects.get(candidate=candidate)
    before = (card.due_at, card.reviews)
    with pytest.raises(InvalidResponse):
        learning.review_answer(candidate=candidate, card_id=card.pk, response={"choice": "zz"})
    with pytest.raises(NotFound):  # another candidate's card
        learning.review_answer(candidate=other_candidate, card_id=card.pk, response={"choice": "a"})
    card.refresh_from_db()
    assert (card.due_at, card.reviews) == before


def test_the_plan_covers_the_exam_categories_and_puts_the_missed_one_first(curriculum, candidate):
    categories = plans.exam_categories(curriculum)
    assert len(categories) >= 5
    assert sum(c.weight for c in categories) == pytest.approx(1.0)
    attempt, items = _practice(candidate, curriculum)
    for item in items:
        _answer(attempt, item, correct_response(item.version))
    weak = items[0].version.question.category_id
    for item in items:
        if item.version.question.category_id == weak:
            _answer(attempt, item, _wrong(item.version))
    plan = plans.study_plan(candidate=candidate, curriculum=curriculum)
    assert plan.responses == len(items)
    assert plan.categories[0].category_id == weak
    plan = plans.plan_recommend(plan=plan, candidate=candidate, curriculum=curriculum)
    first = plan.categories[0]
    assert first.lessons and first.items
    assert set(
        Lesson.objects.filter(pk__in=first.lessons).values_list("curriculum_id", flat=True)
    ) == {curriculum.pk}
    carded = ReviewCard.objects.filter(candidate=candidate, question_id__in=first.items)
    before = carded.count()  # the missed items are scheduled already
    added = learning.reviews_add(candidate=candidate, question_ids=first.items)
    assert added == len(first.items) - before and carded.count() == len(first.items)
    assert learning.reviews_add(candidate=candidate, question_ids=first.items) == 0


def test_a_certification_may_require_its_completed_curriculum(programme, candidate):
    certification = Certification.objects.get(slug="beginner-cv")
    certification.requires_curriculum = True
    certification.save(update_fields=["requires_curriculum"])
    values = {"full_name": "A", "learning_history": "-", "project_experience": "-"}
    with pytest.raises(ApplicationError, match="需要学完课程"):
        applications.application_submit(candidate=candidate, certification=certification, **values)
    for lesson in Lesson.objects.filter(curriculum__slug="beginner-cv", is_published=True):
        learning.lesson_complete(candidate=candidate, lesson_id=lesson.pk)
    application = applications.application_submit(
        candidate=candidate, certification=certification, **values
    )
    assert application.state == "submitted"


def test_the_nightly_refresh_writes_item_statistics_and_every_plan(curriculum, candidate):
    learning.enrolment_ensure(candidate=candidate, curriculum=curriculum)
    attempt, items = _practice(candidate, curriculum)
    _answer(attempt, items[0], _wrong(items[0].version))
    make_user("idle", Role.CANDIDATE)
    learning.enrolment_ensure(
        candidate=make_user("enrolled-only", Role.CANDIDATE), curriculum=curriculum
    )
    assert plans.study_plans_refresh() == Enrolment.objects.count()
    statistic = ItemStatistic.objects.get(question_id=items[0].version.question_id)
    assert statistic.responses == 1 and statistic.correct == 0
    snapshot = StudyPlanSnapshot.objects.get(candidate=candidate, curriculum=curriculum)
    assert snapshot.plan["responses"] == 1
    assert len(snapshot.plan["categories"]) == len(plans.exam_categories(curriculum))


def test_the_pages_walk_from_my_learning_to_a_review(curriculum, candidate):
    client = Client()
    client.force_login(candidate)
    assert "intermediate" in client.get("/learn/").content.decode().lower()
    assert client.post(f"/learn/{SLUG}/enrol/").status_code == 302
    page = client.get(f"/learn/{SLUG}/").content.decode()
    assert "0/" in page and curriculum.title in page
    lesson = client.get(f"/learn/{SLUG}/lessons/1/")
    assert lesson.status_code == 200 and "data-heartbeat" in lesson.content.decode()
    done = client.post(f"/learn/{SLUG}/lessons/1/complete/", {"done": "1"})
    assert done["Location"].endswith(f"/learn/{SLUG}/lessons/2/")
    plan_page = client.get(f"/learn/{SLUG}/plan/").content.decode()
    assert "<svg" in plan_page and "80%" in plan_page
    assert client.post(f"/learn/{SLUG}/plan/practise/").status_code == 302
    reviews = client.get("/learn/reviews/").content.decode()
    assert reviews.count("data-url=") >= 1


def test_the_api_answers_a_review_and_reports_progress(curriculum, candidate):
    api = APIClient()
    api.force_authenticate(candidate)
    assert api.post("/api/v1/learning/enrolments/", {"curriculum": SLUG}).status_code == 201
    assert api.post("/api/v1/learning/enrolments/", {"curriculum": "nope"}).status_code == 404
    attempt, items = _practice(candidate, curriculum)
    _answer(attempt, items[0], _wrong(items[0].version))
    ReviewCard.objects.update(due_at=timezone.now())  # the first step is a minute
    due = api.get("/api/v1/learning/reviews/").json()
    assert len(due) == 1 and "key" not in due[0]["item"] and "feedback" not in due[0]["item"]
    version = learning.review_version(card=ReviewCard.objects.get())
    answered = api.post(
        f"/api/v1/learning/reviews/{due[0]['id']}/answer/",
        {"response": correct_response(version)},
        format="json",
    )
    assert answered.status_code == 200 and answered.json()["fraction"] == 1.0
    bad = api.post(
        f"/api/v1/learning/reviews/{due[0]['id']}/answer/", {"response": "x"}, format="json"
    )
    assert bad.status_code == 400
    progress = api.get(f"/api/v1/learning/curricula/{SLUG}/progress/").json()
    assert progress["completed"] == 0 and len(progress["lessons"]) >= 6
    plan = api.get(f"/api/v1/learning/curricula/{SLUG}/plan/").json()
    assert plan["responses"] == 2 and plan["categories"][0]["mastery"] < 1
