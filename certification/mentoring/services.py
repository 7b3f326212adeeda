"""Mentoring's decisions: who mentors whom, and the question threads between them.

Only the candidate and their current mentor see a thread; everyone else gets
NotFound. Assigning a mentor declares the conflict of interest, so the mentor never
reviews, examines or decides on their mentee.

Long: ``mentor_assign`` keeps the assignment, the conflict declaration and the audit
row in one transaction, read top to bottom.
"""

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certification.applications.conflicts import conflict_declare
from certification.audit.notifications import notification_send
from certification.audit.services import audit_record
from certification.models import MentorMessage, Mentorship, MentorThread, TrainingRelation
from core.errors import ApplicationError, NotFound
from core.i18n import interpolate_lazy
from core.roles import Role, has_role
from training.models import Lesson, PracticalTask

MAX_BODY = 10_000


def mentor_current(*, candidate: User | int) -> Mentorship | None:
    candidate_id = candidate if isinstance(candidate, int) else candidate.pk
    return (
        Mentorship.objects.filter(candidate_id=candidate_id, ended_at__isnull=True)
        .select_related("mentor")
        .first()
    )


def mentor_assign(*, assigned_by: User, candidate: User, mentor: User) -> Mentorship:
    """The committee assigns ``mentor`` (an instructor) to ``candidate``, ending the
    current mentorship if it is someone else's. Safe to repeat. Audited; both are
    notified."""
    if not has_role(assigned_by, Role.COMMITTEE):
        raise NotFound("Not found.")
    if not has_role(candidate, Role.CANDIDATE):
        raise ApplicationError(_("只能为考生指派导师"))
    if not has_role(mentor, Role.INSTRUCTOR):
        raise ApplicationError(_("导师须为讲师"))
    with transaction.atomic():
        current = (
            Mentorship.objects.select_for_update()
            .filter(candidate=candidate, ended_at__isnull=True)
            .first()
        )
        if current is not None and current.mentor_id == mentor.pk:
            return current
        if current is not None:
            current.ended_at = timezone.now()
            current.save(update_fields=["ended_at"])
        try:
            with transaction.atomic():
                mentorship = Mentorship.objects.create(
                    candidate=candidate, mentor=mentor, assigned_by=assigned_by
                )
        except IntegrityError:  # assigned concurrently: keep theirs
            return Mentorship.objects.get(candidate=candidate, ended_at__isnull=True)
        conflict_declare(
            declared_by=assigned_by,
            staff=mentor,
            candidate=candidate,
            kind=TrainingRelation.Kind.MENTOR,
            note="mentoring",
        )
        audit_record(
            actor=assigned_by,
            action="mentor.assign",
            obj=mentorship,
            before={"mentor": current.mentor_id if current else None},
            after={"mentor": mentor.pk, "candidate": candidate.pk},
        )
        link = reverse("mentoring")
        notification_send(
            recipient=candidate,
            title=interpolate_lazy(
                gettext_lazy("你的导师：%(name)s"),
                {"name": mentor.get_full_name() or mentor.username},
            ),
            body=gettext_lazy("有问题可以在“我的导师”页面提问"),
            link=link,
        )
        notification_send(
            recipient=mentor,
            title=interpolate_lazy(
                gettext_lazy("新学员：%(name)s"),
                {"name": candidate.get_full_name() or candidate.username},
            ),
            link=reverse("mentor-mentees"),
        )
    return mentorship


def _body(text: str) -> str:
    body = text.strip()
    if not body:
        raise ApplicationError(_("内容不能为空"))
    if len(body) > MAX_BODY:
        raise ApplicationError(_("内容过长（最多 %(n)d 字）") % {"n": MAX_BODY})
    return body


def thread_open(
    *,
    candidate: User,
    subject: str,
    body: str,
    lesson_id: int | None = None,
    task_id: int | None = None,
) -> MentorThread:
    """The candidate asks their mentor a question, optionally about a lesson or a
    practical task. Raises ApplicationError when they have no mentor yet."""
    if not has_role(candidate, Role.CANDIDATE):
        raise NotFound("Not found.")
    mentorship = mentor_current(candidate=candidate)
    if mentorship is None:
        raise ApplicationError(_("你还没有导师"))
    subject = subject.strip()[:200]
    if not subject:
        raise ApplicationError(_("请填写标题"))
    text = _body(body)
    lesson = Lesson.objects.filter(pk=lesson_id, is_published=True).first() if lesson_id else None
    task = PracticalTask.objects.filter(pk=task_id).first() if task_id else None
    now = timezone.now()
    with transaction.atomic():
        thread = MentorThread.objects.create(
            candidate=candidate,
            mentor=mentorship.mentor,
            subject=subject,
            lesson=lesson,
            task=task,
            last_message_at=now,
            awaiting_mentor=True,
        )
        MentorMessage.objects.create(thread=thread, author=candidate, body=text)
        _notify(thread=thread, recipient=mentorship.mentor, author=candidate)
    return thread


def thread_for(*, user: User, thread_id: int) -> MentorThread:
    """The thread for its candidate or its mentor (while still their mentor, or
    for the record after); NotFound for anyone else."""
    thread = (
        MentorThread.objects.select_related("candidate", "mentor", "lesson__curriculum", "task")
        .filter(pk=thread_id)
        .first()
    )
    if thread is None or user.pk not in (thread.candidate_id, thread.mentor_id):
        raise NotFound("Not found.")
    return thread


def message_post(*, author: User, thread_id: int, body: str) -> MentorMessage:
    """A reply in a thread by its candidate or its current mentor; the other one is
    notified. A mentor whose mentorship ended may read but no longer answer."""
    text = _body(body)
    with transaction.atomic():
        thread = thread_for(user=author, thread_id=thread_id)
        thread = MentorThread.objects.select_for_update().get(pk=thread.pk)
        from_mentor = author.pk == thread.mentor_id
        if from_mentor:
            current = mentor_current(candidate=thread.candidate_id)
            if current is None or current.mentor_id != author.pk:
                raise ApplicationError(_("你已不是该考生的导师"))
        message = MentorMessage.objects.create(thread=thread, author=author, body=text)
        thread.last_message_at = message.created_at
        thread.awaiting_mentor = not from_mentor
        thread.save(update_fields=["last_message_at", "awaiting_mentor"])
        recipient = thread.candidate if from_mentor else thread.mentor
        _notify(thread=thread, recipient=recipient, author=author)
    return message


def _notify(*, thread: MentorThread, recipient: User, author: User) -> None:
    # The title is UI text in the recipient's language (notification_send writes it
    # then); the subject inside it is quoted as its author wrote it (docs/i18n.md).
    name = author.get_full_name() or author.username
    notification_send(
        recipient=recipient,
        title=interpolate_lazy(
            gettext_lazy("%(name)s 回复了“%(subject)s”"),
            {"name": name, "subject": thread.subject[:150]},
        ),
        body=gettext_lazy("导师答疑有新消息"),
        link=reverse("mentor-thread", args=[thread.pk]),
    )
