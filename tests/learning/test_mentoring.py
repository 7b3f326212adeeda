"""Mentoring: the committee assigns an instructor as a candidate's mentor (which
declares the conflict of interest), the candidate asks about a lesson, the mentor
answers and follows the mentee's progress and study plan; nobody else sees any of it."""

from typing import Any

import pytest
from django.core import mail
from django.test import Client
from rest_framework.test import APIClient

from certification.applications.conflicts import has_conflict
from certification.learning import services as learning
from certification.mentoring import selectors
from certification.mentoring import services as mentoring
from certification.models import (
    AuditEvent,
    Mentorship,
    MentorThread,
    Notification,
    TrainingRelation,
)
from core.errors import ApplicationError, NotFound
from core.roles import Role
from tests.conftest import make_user
from training.models import Lesson, PracticalTask

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(demo: dict[str, Any], candidate, other_candidate, committee) -> dict[str, Any]:
    return {
        "candidate": candidate,
        "other": other_candidate,
        "committee": committee,
        "mentor": make_user("mona", Role.INSTRUCTOR),
        "second": make_user("nils", Role.INSTRUCTOR),
        "lesson": Lesson.objects.filter(curriculum__slug="beginner-cv").order_by("position")[0],
    }


def _assigned(people: dict[str, Any], mentor: str = "mentor") -> Mentorship:
    return mentoring.mentor_assign(
        assigned_by=people["committee"], candidate=people["candidate"], mentor=people[mentor]
    )


def test_assigning_a_mentor_declares_the_conflict_and_tells_both(
    people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = _assigned(people)
    assert _assigned(people) == first  # a double click
    assert TrainingRelation.objects.filter(
        staff=people["mentor"], candidate=people["candidate"], kind="mentor"
    ).exists()
    assert has_conflict(staff=people["mentor"], candidate=people["candidate"].pk)
    assert AuditEvent.objects.filter(action="mentor.assign").count() == 1
    assert {m.to[0] for m in mail.outbox} >= {"alice@example.org", "mona@example.org"}

    second = _assigned(people, "second")  # reassigned: the first mentorship ends
    first.refresh_from_db()
    assert first.ended_at is not None and second.ended_at is None
    assert mentoring.mentor_current(candidate=people["candidate"]) == second


def test_only_the_committee_assigns_and_only_instructors_mentor(people):
    with pytest.raises(NotFound):
        mentoring.mentor_assign(
            assigned_by=people["mentor"], candidate=people["candidate"], mentor=people["mentor"]
        )
    with pytest.raises(ApplicationError):
        mentoring.mentor_assign(
            assigned_by=people["committee"], candidate=people["candidate"], mentor=people["other"]
        )
    assert not Mentorship.objects.exists()


def test_a_question_and_its_answer_notify_the_other_one(people):
    with pytest.raises(ApplicationError, match="你还没有导师"):
        mentoring.thread_open(candidate=people["candidate"], subject="BN", body="Why?")
    _assigned(people)
    thread = mentoring.thread_open(
        candidate=people["candidate"],
        subject="BatchNorm at inference",
        body="Which statistics does BN use in eval mode?",
        lesson_id=people["lesson"].pk,
    )
    assert thread.awaiting_mentor and thread.lesson == people["lesson"]
    assert Notification.objects.filter(recipient=people["mentor"], link__contains=str(thread.pk))
    mentoring.message_post(
        author=people["mentor"], thread_id=thread.pk, body="The running averages from training."
    )
    thread.refresh_from_db()
    assert not thread.awaiting_mentor
    assert Notification.objects.filter(recipient=people["candidate"], link__contains=str(thread.pk))
    assert [t.pk for t in selectors.threads_for(user=people["mentor"])] == [thread.pk]
    with pytest.raises(ApplicationError):
        mentoring.message_post(author=people["candidate"], thread_id=thread.pk, body="   ")


def test_nobody_else_sees_a_thread_and_a_former_mentor_only_reads(people):
    _assigned(people)
    thread = mentoring.thread_open(candidate=people["candidate"], subject="Q", body="?")
    for outsider in (people["other"], people["second"], people["committee"]):
        with pytest.raises(NotFound):
            mentoring.thread_for(user=outsider, thread_id=thread.pk)
        with pytest.raises(NotFound):
            mentoring.message_post(author=outsider, thread_id=thread.pk, body="hi")
    _assigned(people, "second")
    assert mentoring.thread_for(user=people["mentor"], thread_id=thread.pk) == thread
    with pytest.raises(ApplicationError, match="你已不是该考生的导师"):
        mentoring.message_post(author=people["mentor"], thread_id=thread.pk, body="late")


def test_the_mentor_follows_the_mentees_progress_and_plan(people):
    _assigned(people)
    learning.lesson_complete(candidate=people["candidate"], lesson_id=people["lesson"].pk)
    view = selectors.mentee_view(mentor=people["mentor"], candidate_id=people["candidate"].pk)
    progress, plan = view.curricula[0]
    assert progress.completed == 1 and plan.curriculum_id == people["lesson"].curriculum_id
    with pytest.raises(NotFound):
        selectors.mentee_view(mentor=people["second"], candidate_id=people["candidate"].pk)
    client = Client()
    client.force_login(people["mentor"])
    page = client.get(f"/mentor/mentees/{people['candidate'].pk}/")
    assert page.status_code == 200 and "<svg" in page.content.decode()
    client.force_login(people["second"])
    assert client.get(f"/mentor/mentees/{people['candidate'].pk}/").status_code == 404


def test_an_empty_reply_keeps_nothing_and_says_why(people):
    _assigned(people)
    thread = mentoring.thread_open(candidate=people["candidate"], subject="Q", body="?")
    client = Client()
    client.force_login(people["candidate"])
    page = client.post(f"/mentor/threads/{thread.pk}/", {"body": "  "})
    assert page.status_code == 400 and thread.messages.count() == 1
    asked = client.post(
        "/mentoring/", {"subject": "Augmentation", "body": "Flip digits?", "lesson": ""}
    )
    assert asked.status_code == 302 and "/mentor/threads/" in asked["Location"]


def test_the_api_carries_a_conversation(people):
    committee, candidate, mentor = APIClient(), APIClient(), APIClient()
    committee.force_authenticate(people["committee"])
    candidate.force_authenticate(people["candidate"])
    mentor.force_authenticate(people["mentor"])
    assigned = committee.post(
        "/api/v1/mentoring/assignments/", {"candidate": "alice", "mentor": "mona"}
    )
    assert assigned.status_code == 201
    opened = candidate.post(
        "/api/v1/mentoring/threads/",
        {"subject": "Dice vs IoU", "body": "When do they differ?"},
        format="json",
    )
    assert opened.status_code == 201 and opened.json()["messages"][0]["author"] == "alice"
    thread_id = opened.json()["id"]
    assert [m["candidate"] for m in mentor.get("/api/v1/mentoring/mentees/").json()] == ["alice"]
    answered = mentor.post(
        f"/api/v1/mentoring/threads/{thread_id}/messages/", {"body": "Dice = 2IoU/(1+IoU)."}
    )
    assert answered.status_code == 201
    detail = candidate.get(f"/api/v1/mentoring/threads/{thread_id}/").json()
    assert len(detail["messages"]) == 2 and detail["awaiting_mentor"] is False


def test_a_question_about_a_practical_task_through_the_page(people):
    _assigned(people)
    lesson = people["lesson"]
    lesson.practical_task = PracticalTask.objects.order_by("pk").first()
    lesson.save(update_fields=["practical_task"])
    assert lesson.practical_task is not None
    learning.enrolment_ensure(candidate=people["candidate"], curriculum=lesson.curriculum)
    client = Client()
    client.force_login(people["candidate"])
    form = client.get("/mentoring/").content.decode()
    assert f'<option value="{lesson.practical_task.pk}">' in form
    sent = client.post(
        "/mentoring/",
        {"subject": "提交格式", "task": lesson.practical_task.pk, "body": "预测文件要几列？"},
    )
    thread = MentorThread.objects.get(subject="提交格式")
    assert sent.status_code == 302 and thread.task == lesson.practical_task
    page = client.get(f"/mentor/threads/{thread.pk}/").content.decode()
    assert lesson.practical_task.title in page


def test_what_people_write_is_marked_language_unknown_and_titles_are_ui(people):
    """A thread's subject and messages are in whatever language their author wrote:
    marked ``lang=""`` (unknown), so a screen reader does not read them in the page's
    voice and the one-language check leaves them out. The notification's title is UI
    text in the recipient's language, quoting the subject."""
    from certification.accounts.services import preference_language_set
    from tests.journeys.language import html_page, other_language_strings, untranslated_chinese

    _assigned(people)
    preference_language_set(user=people["candidate"], language="en")
    thread = mentoring.thread_open(
        candidate=people["candidate"], subject="推理时的批归一化", body="评估模式用哪些统计量？"
    )
    mentoring.message_post(author=people["mentor"], thread_id=thread.pk, body="训练时的滑动平均。")

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(people["candidate"])
    for url in (f"/mentor/threads/{thread.pk}/", "/mentoring/"):
        served = client.get(url).content.decode()
        assert '<span lang="">推理时的批归一化</span>' in served, url
        page = html_page(served)
        # The page title cannot mark a part of itself: what it quotes is taken out.
        assert untranslated_chinese(page, content=frozenset({thread.subject})) == [], url
        assert other_language_strings(page.segments, page.language) == [], url
    assert (
        '<p lang="">训练时的滑动平均。</p>'
        in client.get(f"/mentor/threads/{thread.pk}/").content.decode()
    )

    title = Notification.objects.get(
        recipient=people["candidate"], link__contains=str(thread.pk)
    ).title
    assert title == "mona replied to “推理时的批归一化”"
