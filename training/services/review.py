"""The authoring workflow shared by items and lessons: draft → in review → published
(docs/authoring.md). An author submits the newest draft; a second author, never the
one who wrote the version, approves it or returns it with a note. Publishing a lesson
version copies its content onto the lesson, which candidates read. Every step is in
the audit log. Each transition locks the version's row and accepts a repeat of
itself (a double click changes nothing), so it is safe to call twice."""

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_emit
from core.errors import Conflict
from training.models import Lesson, LessonVersion, QuestionVersion, ReviewStatus

Version = QuestionVersion | LessonVersion


class ReviewRefused(Conflict):
    """The transition does not apply to the version in its present state."""


def _kind(version: Version) -> str:
    return "lesson" if isinstance(version, LessonVersion) else "item"


def _locked(version: Version) -> Version:
    return type(version).objects.select_for_update().get(pk=version.pk)


def _newest_number(version: Version) -> int:
    if isinstance(version, LessonVersion):
        numbers = LessonVersion.objects.filter(lesson_id=version.lesson_id)
        return max(numbers.values_list("number", flat=True), default=0)
    items = QuestionVersion.objects.filter(question_id=version.question_id)
    return max(items.values_list("number", flat=True), default=0)


def review_submit(*, version: Version, actor: User) -> Version:
    """Sends the newest draft to review. An older draft cannot be submitted: its
    content has been replaced by a newer save."""
    with transaction.atomic():
        locked = _locked(version)
        if locked.status == ReviewStatus.IN_REVIEW:
            return locked
        if locked.status != ReviewStatus.DRAFT:
            raise ReviewRefused(_("只有草稿可以提交审核。"))
        if locked.number != _newest_number(locked):
            raise ReviewRefused(_("已有更新的版本，请提交最新版本。"))
        locked.status = ReviewStatus.IN_REVIEW
        locked.review_note = ""
        locked.save(update_fields=["status", "review_note"])
        audit_emit(
            actor=actor,
            action=f"{_kind(locked)}.submitted",
            obj=locked,
            after={"number": locked.number},
        )
    return locked


def _reviewable(locked: Version, actor: User) -> None:
    if locked.created_by_id == actor.pk:
        raise ReviewRefused(_("不能审核自己写的版本，请另一位讲师审核。"))
    if locked.status != ReviewStatus.IN_REVIEW:
        raise ReviewRefused(_("此版本不在审核中。"))


def review_approve(*, version: Version, actor: User, note: str = "") -> Version:
    """Publishes a version in review. For a lesson, the lesson now shows it."""
    with transaction.atomic():
        locked = _locked(version)
        if locked.status == ReviewStatus.PUBLISHED and locked.reviewed_by_id == actor.pk:
            return locked
        _reviewable(locked, actor)
        locked.status = ReviewStatus.PUBLISHED
        locked.reviewed_by, locked.reviewed_at, locked.review_note = actor, timezone.now(), note
        locked.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
        if isinstance(locked, LessonVersion):
            _lesson_show(locked)
        audit_emit(
            actor=actor,
            action=f"{_kind(locked)}.published",
            obj=locked,
            before={"status": ReviewStatus.IN_REVIEW},
            after={"status": ReviewStatus.PUBLISHED, "number": locked.number, "note": note},
        )
    return locked


def review_return(*, version: Version, actor: User, note: str) -> Version:
    """Sends a version in review back to draft with the reviewer's note (required:
    the author must learn what to change)."""
    note = note.strip()
    if not note:
        raise ReviewRefused(_("请写明需要修改什么。"))
    with transaction.atomic():
        locked = _locked(version)
        if locked.status == ReviewStatus.DRAFT and locked.review_note == note:
            return locked
        _reviewable(locked, actor)
        locked.status = ReviewStatus.DRAFT
        locked.reviewed_by, locked.reviewed_at, locked.review_note = actor, timezone.now(), note
        locked.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
        audit_emit(
            actor=actor,
            action=f"{_kind(locked)}.returned",
            obj=locked,
            before={"status": ReviewStatus.IN_REVIEW},
            after={"status": ReviewStatus.DRAFT, "note": note},
        )
    return locked


def _lesson_show(version: LessonVersion) -> None:
    lesson = Lesson.objects.select_for_update().get(pk=version.lesson_id)
    lesson.title, lesson.body = version.title, version.body
    lesson.minutes, lesson.objectives = version.minutes, version.objectives
    lesson.is_published = True
    lesson.save(update_fields=["title", "body", "minutes", "objectives", "is_published"])
