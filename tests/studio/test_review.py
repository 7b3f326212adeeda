"""The authoring workflow: an author's draft goes to review, a second author publishes
it or returns it with a note; exams draw only published versions; every step is in
the audit log; repeated clicks change nothing."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from certification.exams import services as exams
from certification.models import AuditEvent, Exam
from core.roles import Role
from tests.conftest import make_user
from tests.factories import objective_exam
from training.models import QuestionVersion, ReviewStatus
from training.services.items import question_edit
from training.services.review import (
    ReviewRefused,
    review_approve,
    review_return,
    review_submit,
)

pytestmark = pytest.mark.django_db
Kind = QuestionVersion.Kind


@pytest.fixture
def authors(db: None) -> tuple[Any, Any]:
    return make_user("ann", Role.INSTRUCTOR), make_user("ben", Role.INSTRUCTOR)


def edited_draft(author: Any) -> tuple[Exam, QuestionVersion]:
    exam = objective_exam(mode=Exam.Mode.PRACTICE, attempts_allowed=9)
    question = exam.sections.get().fixed_items.get(position=1).question
    saved = question_edit(
        question=question,
        name=question.name,
        category=None,
        tags=[],
        kind=Kind.SINGLE_CHOICE,
        stem="Which layer keeps spatial structure?",
        data={"choices": [{"id": "a", "text": "Dense"}, {"id": "b", "text": "Conv2d"}]},
        key={"fractions": {"b": 1}},
        feedback={"general": "Convolutions share weights over positions."},
        points="1",
        actor=author,
    )
    return exam, saved.version


def drawn_number(exam: Exam, version: QuestionVersion, candidate: str) -> int:
    attempt = exams.attempt_start(candidate=make_user(candidate, Role.CANDIDATE), exam=exam)
    return attempt.items.get(version__question=version.question).version.number


def test_a_draft_is_published_only_after_a_second_author_approves(authors) -> None:
    ann, ben = authors
    exam, draft = edited_draft(ann)
    assert draft.status == ReviewStatus.DRAFT and draft.number == 2
    assert drawn_number(exam, draft, "c1") == 1  # the draft waits

    review_submit(version=draft, actor=ann)
    assert drawn_number(exam, draft, "c2") == 1  # in review still waits
    with pytest.raises(ReviewRefused):
        review_approve(version=draft, actor=ann)  # never one's own

    published = review_approve(version=draft, actor=ben, note="Clear and correct.")
    assert (published.status, published.reviewed_by) == (ReviewStatus.PUBLISHED, ben)
    assert drawn_number(exam, draft, "c3") == 2

    actions = list(
        AuditEvent.objects.filter(object_type="training.questionversion", object_id=str(draft.pk))
        .order_by("at", "pk")
        .values_list("action", "actor__username")
    )
    assert actions == [("item.saved", "ann"), ("item.submitted", "ann"), ("item.published", "ben")]


def test_returning_needs_a_note_and_sends_the_version_back_to_draft(authors) -> None:
    ann, ben = authors
    _exam, draft = edited_draft(ann)
    review_submit(version=draft, actor=ann)
    with pytest.raises(ReviewRefused):
        review_return(version=draft, actor=ben, note="  ")
    returned = review_return(version=draft, actor=ben, note="Distractor a is implausible.")
    assert returned.status == ReviewStatus.DRAFT
    assert returned.review_note == "Distractor a is implausible."
    with pytest.raises(ReviewRefused):
        review_approve(version=returned, actor=ben)  # not in review any more
    assert AuditEvent.objects.filter(action="item.returned", actor=ben).count() == 1


def test_repeated_clicks_change_nothing_and_old_drafts_cannot_be_submitted(authors) -> None:
    ann, ben = authors
    _exam, draft = edited_draft(ann)
    review_submit(version=draft, actor=ann)
    review_submit(version=draft, actor=ann)  # a double click
    review_approve(version=draft, actor=ben)
    review_approve(version=draft, actor=ben)
    assert AuditEvent.objects.filter(action="item.submitted").count() == 1
    assert AuditEvent.objects.filter(action="item.published").count() == 1

    _exam2, older = edited_draft(ann)
    newer = question_edit(
        question=older.question,
        name="",
        category=None,
        tags=[],
        kind=older.kind,
        stem=older.stem + " (revised)",
        data=older.data,
        key=older.key,
        feedback=older.feedback,
        points="1",
        actor=ann,
    ).version
    with pytest.raises(ReviewRefused):
        review_submit(version=older, actor=ann)
    assert review_submit(version=newer, actor=ann).status == ReviewStatus.IN_REVIEW


def test_the_review_buttons_return_only_to_pages_of_this_site(authors) -> None:
    ann, _ben = authors
    _exam, draft = edited_draft(ann)
    client = Client()
    client.force_login(ann)
    url = reverse("studio-review", args=["item", draft.pk])
    away = client.post(url, {"action": "submit", "next": "https://elsewhere.example/"})
    assert away["Location"] == reverse("studio")
    back = client.post(url, {"action": "submit", "next": "/banks/"})
    assert back["Location"] == "/banks/"
