"""Lessons in the studio: created hidden, edited as new draft versions, published by a
second author (the curriculum page changes only then), reordered; bad input keeps
what was typed and says what is wrong."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from certification.models import AuditEvent
from core.roles import Role
from tests.conftest import make_user
from training.models import Curriculum, Domain, Lesson, Level, ReviewStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def curriculum(db: None) -> Curriculum:
    level, _ = Level.objects.get_or_create(
        slug="beginner", defaults={"name": "初级", "name_en": "Beginner", "rank": 1}
    )
    domain, _ = Domain.objects.get_or_create(
        slug="nlp", defaults={"name": "自然语言处理", "name_en": "NLP"}
    )
    curriculum, _ = Curriculum.objects.get_or_create(
        slug="beginner-nlp", defaults={"level": level, "domain": domain, "title": "NLP 101"}
    )
    return curriculum


def client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_a_new_lesson_is_hidden_until_a_second_author_publishes_it(curriculum) -> None:
    ann, ben = make_user("ann", Role.INSTRUCTOR), make_user("ben", Role.INSTRUCTOR)
    body = "## Tokens\n\nA tokenizer maps text to ids: $f: \\Sigma^* \\to \\mathbb{N}^*$."
    response = client(ann).post(
        reverse("studio-lesson-new", args=[curriculum.slug]),
        {
            "title": "Tokenisation",
            "body": body,
            "minutes": "25",
            "objectives": "Explain BPE\nCount tokens",
        },
    )
    lesson = Lesson.objects.get(curriculum=curriculum, title="Tokenisation")
    assert response.status_code == 302 and not lesson.is_published
    page = Client().get(reverse("curriculum", args=[curriculum.slug])).content.decode()
    assert "Tokenisation" not in page

    version = lesson.versions.get()
    client(ann).post(reverse("studio-review", args=["lesson", version.pk]), {"action": "submit"})
    own = client(ann).post(
        reverse("studio-review", args=["lesson", version.pk]), {"action": "approve"}
    )
    assert own.status_code == 302
    version.refresh_from_db()
    assert version.status == ReviewStatus.IN_REVIEW  # refused: one's own version
    client(ben).post(reverse("studio-review", args=["lesson", version.pk]), {"action": "approve"})
    lesson.refresh_from_db()
    assert lesson.is_published and lesson.objectives == ["Explain BPE", "Count tokens"]
    page = Client().get(reverse("curriculum", args=[curriculum.slug])).content.decode()
    assert "Tokenisation" in page and "mathbb" not in page  # LaTeX rendered

    # An edit is a new draft: candidates keep reading version 1 until it is approved.
    client(ann).post(
        reverse("studio-lesson-edit", args=[lesson.pk]),
        {
            "title": "Tokenisation, revised",
            "body": body + "\n\nBPE merges pairs.",
            "minutes": "30",
            "objectives": "",
        },
    )
    lesson.refresh_from_db()
    assert lesson.title == "Tokenisation" and lesson.versions.count() == 2
    assert set(
        AuditEvent.objects.filter(object_type="training.lessonversion").values_list(
            "action", flat=True
        )
    ) == {
        "lesson.saved",
        "lesson.submitted",
        "lesson.published",
    }


def test_bad_input_keeps_the_text_and_names_the_fields(curriculum) -> None:
    ann = make_user("ann", Role.INSTRUCTOR)
    response = client(ann).post(
        reverse("studio-lesson-new", args=[curriculum.slug]),
        {"title": "", "body": "Kept text", "minutes": "-5", "objectives": ""},
    )
    page = response.content.decode()
    assert response.status_code == 422 and "Kept text" in page
    assert "请填写标题" in page and "0–600" in page
    assert not Lesson.objects.filter(curriculum=curriculum).exists()


def test_lessons_move_up_and_down(curriculum) -> None:
    ann = make_user("ann", Role.INSTRUCTOR)
    for n in (1, 2, 3):
        Lesson.objects.create(curriculum=curriculum, position=n, title=f"L{n}", body="x")
    second = Lesson.objects.get(title="L2")
    c = client(ann)
    c.post(reverse("studio-lesson-move", args=[second.pk]), {"direction": "up"})
    assert list(curriculum.lessons.order_by("position").values_list("title", flat=True)) == [
        "L2",
        "L1",
        "L3",
    ]
    c.post(reverse("studio-lesson-move", args=[second.pk]), {"direction": "up"})  # already first
    c.post(
        reverse("studio-lesson-move", args=[Lesson.objects.get(title="L1").pk]),
        {"direction": "down"},
    )
    assert list(curriculum.lessons.order_by("position").values_list("title", flat=True)) == [
        "L2",
        "L3",
        "L1",
    ]
    assert (
        c.post(
            reverse("studio-lesson-move", args=[second.pk]), {"direction": "sideways"}
        ).status_code
        == 404
    )


def test_the_markdown_preview_is_sanitised(curriculum) -> None:
    ann = make_user("ann", Role.INSTRUCTOR)
    response = client(ann).post(
        reverse("studio-markdown-preview"),
        data='{"text": "**bold** <script>alert(1)</script>"}',
        content_type="application/json",
    )
    html = response.json()["html"]
    assert "<strong>bold</strong>" in html and "<script>" not in html
    candidate = make_user("cand", Role.CANDIDATE)
    assert (
        client(candidate)
        .post(reverse("studio-markdown-preview"), data="{}", content_type="application/json")
        .status_code
        == 404
    )
