"""Writing lessons in the studio. Every saved change is a new ``LessonVersion`` in
draft; candidates see the lesson's published content until a second author approves
the new version (``training.services.review``). A new lesson stays hidden from
candidates until its first version is published. Reordering changes positions only."""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, Max
from django.utils.translation import gettext as _

from core.audit import audit_emit
from core.errors import ApplicationError, Conflict
from training.models import Curriculum, Lesson, LessonVersion, ReviewStatus

MAX_OBJECTIVES = 12


class LessonInvalid(ApplicationError):
    """The lesson's content breaks a rule; ``problems`` maps a field to its message."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


@dataclass(frozen=True)
class LessonContent:
    title: str
    body: str
    minutes: int
    objectives: list[str]

    def fields(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "body": self.body,
            "minutes": self.minutes,
            "objectives": self.objectives,
        }


def lesson_content(*, title: str, body: str, minutes: int | str, objectives: str) -> LessonContent:
    """Checks and normalises what the editor sent; ``objectives`` is one per line.
    Raises LessonInvalid naming every field at fault."""
    problems: dict[str, str] = {}
    title, body = title.strip(), body.replace("\r\n", "\n").strip()
    if not title:
        problems["title"] = _("请填写标题。")
    elif len(title) > 200:
        problems["title"] = _("标题最多 200 个字符。")
    if not body:
        problems["body"] = _("正文不能为空。")
    try:
        number = int(minutes)
        if not 0 <= number <= 600:
            raise ValueError
    except (TypeError, ValueError):
        problems["minutes"] = _("学习时间是 0–600 之间的分钟数。")
        number = 0
    lines = [line.strip() for line in objectives.splitlines() if line.strip()]
    if len(lines) > MAX_OBJECTIVES:
        problems["objectives"] = _("学习目标最多 12 条。")
    if problems:
        raise LessonInvalid(problems)
    return LessonContent(title=title, body=body, minutes=number, objectives=lines)


def lesson_create(*, curriculum: Curriculum, content: LessonContent, actor: User) -> LessonVersion:
    """A new lesson at the end of ``curriculum``, hidden until published, with its
    draft version 1."""
    with transaction.atomic():
        Curriculum.objects.select_for_update().get(pk=curriculum.pk)  # serialises positions
        last = curriculum.lessons.aggregate(n=Max("position"))["n"] or 0
        lesson = Lesson.objects.create(
            curriculum=curriculum, position=last + 1, is_published=False, **content.fields()
        )
        version = LessonVersion.objects.create(
            lesson=lesson, number=1, created_by=actor, **content.fields()
        )
        audit_emit(actor=actor, action="lesson.saved", obj=version, after={"number": 1})
    return version


def lesson_save(*, lesson: Lesson, content: LessonContent, actor: User) -> LessonVersion:
    """A new draft version of ``lesson``; content identical to the newest version
    creates nothing and returns that version (a repeated submit is harmless)."""
    with transaction.atomic():
        locked = Lesson.objects.select_for_update().get(pk=lesson.pk)
        newest = locked.versions.order_by("-number").first()
        if newest is not None and all(getattr(newest, k) == v for k, v in content.fields().items()):
            return newest
        version = LessonVersion.objects.create(
            lesson=locked,
            number=(newest.number if newest else 0) + 1,
            created_by=actor,
            **content.fields(),
        )
        audit_emit(
            actor=actor, action="lesson.saved", obj=version, after={"number": version.number}
        )
    return version


def lesson_publish_loaded(*, lesson: Lesson, actor: User | None) -> None:
    """For content loaded from files (the demo programme), which is reviewed in git:
    records the lesson's current content as a published version unless the newest
    version already holds it."""
    content = LessonContent(lesson.title, lesson.body, lesson.minutes, list(lesson.objectives))
    newest = lesson.versions.order_by("-number").first()
    if newest is not None and all(getattr(newest, k) == v for k, v in content.fields().items()):
        return
    LessonVersion.objects.create(
        lesson=lesson,
        number=(newest.number if newest else 0) + 1,
        created_by=actor,
        status=ReviewStatus.PUBLISHED,
        **content.fields(),
    )


def lesson_move(*, lesson: Lesson, offset: int, actor: User) -> list[Lesson]:
    """Moves ``lesson`` ``offset`` places (−1 up, +1 down) within its curriculum and
    renumbers 1…n; a move past either end changes nothing. Returns the new order."""
    if offset not in (-1, 1):
        raise Conflict("offset must be -1 or 1")
    with transaction.atomic():
        Curriculum.objects.select_for_update().get(pk=lesson.curriculum_id)
        order = list(Lesson.objects.filter(curriculum_id=lesson.curriculum_id).order_by("position"))
        index = next(i for i, row in enumerate(order) if row.pk == lesson.pk)
        target = index + offset
        if not 0 <= target < len(order):
            return order
        order[index], order[target] = order[target], order[index]
        # Two steps, so the unique (curriculum, position) never sees a duplicate.
        Lesson.objects.filter(curriculum_id=lesson.curriculum_id).update(
            position=F("position") + 1000
        )
        for position, row in enumerate(order, start=1):
            row.position = position
        Lesson.objects.bulk_update(order, ["position"])
        audit_emit(
            actor=actor,
            action="curriculum.reordered",
            obj=order[0].curriculum,
            after={"lessons": [row.pk for row in order]},
        )
    return order
