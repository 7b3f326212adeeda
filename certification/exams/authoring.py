"""Building an exam's blueprint in the studio: the exam's settings and its draw
sections (category subtree, tags, a count or a mix by difficulty). The capacity of a
blueprint, saved or not, is ``selectors.draws_capacity``. Every save is audited."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from certification.audit.services import audit_record
from certification.exams.selectors import SectionDraw
from certification.models import Certification, Exam, ExamSection
from core.errors import ApplicationError
from training.models import Category, Curriculum, PracticalTask, Tag

DIFFICULTIES = ("easy", "medium", "hard")
MAX_DRAW = 200


class BlueprintInvalid(ApplicationError):
    """``problems``: (where, message) pairs, where is "exam", or "section N"."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{where}: {message}" for where, message in problems))
        self.problems = problems


@dataclass(frozen=True)
class SectionInput:
    title: str
    category_id: int | None
    tags: tuple[str, ...]
    draw_count: int
    mix: dict[str, int]  # difficulty → count; empty: draw_count items of any difficulty


def _count(value: Any) -> int:
    number = int(value or 0)
    if not 0 <= number <= MAX_DRAW:
        raise ValueError
    return number


def sections_parse(rows: list[dict[str, Any]]) -> tuple[list[SectionInput], list[tuple[str, str]]]:
    """The editor's rows (title, category, tags "a, b", count, easy/medium/hard) as
    sections, with a problem per row at fault. Tag names must exist: a typo would
    silently empty the pool."""
    sections, problems = [], []
    known = set(Tag.objects.values_list("name", flat=True))
    categories = set(Category.objects.values_list("pk", flat=True))
    for number, row in enumerate(rows, start=1):
        where = _("第 %(n)d 部分") % {"n": number}
        try:
            count = _count(row.get("count"))
            mix = {d: _count(row.get(d)) for d in DIFFICULTIES if row.get(d) not in (None, "")}
        except (TypeError, ValueError):
            problems.append((where, _("数量是 0–200 的整数。")))
            continue
        mix = {d: n for d, n in mix.items() if n}
        tags = tuple(t.strip() for t in str(row.get("tags", "")).split(",") if t.strip())
        unknown = [t for t in tags if t not in known]
        category = int(row["category"]) if str(row.get("category") or "").isdigit() else None
        if unknown:
            problems.append((where, _("没有这些标签：%(tags)s") % {"tags": ", ".join(unknown)}))
        elif category is not None and category not in categories:
            problems.append((where, _("没有这个分类。")))
        elif mix and count and sum(mix.values()) != count:
            problems.append((where, _("难度数量之和须等于抽题数。")))
        elif not count and not mix:
            problems.append((where, _("请填写抽题数。")))
        else:
            title = str(row.get("title", "")).strip()[:200]
            sections.append(SectionInput(title, category, tags, count or sum(mix.values()), mix))
    return sections, problems


def section_draws(sections: list[SectionInput]) -> list[SectionDraw]:
    """The sections as draws, for the live capacity check before saving."""
    ids = dict(
        Tag.objects.filter(name__in=[t for s in sections for t in s.tags]).values_list("name", "pk")
    )
    return [
        SectionDraw(
            position=n,
            title=s.title,
            category_id=s.category_id,
            tag_ids=frozenset(ids[t] for t in s.tags),
            wanted=s.mix or {"": s.draw_count},
        )
        for n, s in enumerate(sections, start=1)
    ]


def exam_settings_parse(data: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Title, mode, minutes, pass mark and (practice) curriculum from the editor."""
    problems: list[tuple[str, str]] = []
    where = _("试卷")
    title = str(data.get("title", "")).strip()
    if not title or len(title) > 200:
        problems.append((where, _("标题为 1–200 个字符。")))
    mode = data.get("mode") if data.get("mode") in Exam.Mode.values else None
    if mode is None:
        problems.append((where, _("请选择考试或练习。")))
    try:
        minutes = int(data.get("minutes") or 0)
        pass_mark = Decimal(str(data.get("pass_mark") or "60"))
        if not 1 <= minutes <= 600 or not 0 <= pass_mark <= 100:
            raise ValueError
    except (ValueError, InvalidOperation):
        problems.append((where, _("时长 1–600 分钟，及格线 0–100。")))
        minutes, pass_mark = 30, Decimal(60)
    curriculum = Curriculum.objects.filter(slug=str(data.get("curriculum") or "")).first()
    settings = {
        "title": title,
        "mode": mode or Exam.Mode.EXAM,
        "time_limit_minutes": minutes,
        "pass_mark": pass_mark,
        "curriculum": curriculum if mode == Exam.Mode.PRACTICE else None,
    }
    return settings, problems


def exam_blueprint_save(
    *, exam: Exam | None, settings: dict[str, Any], sections: list[SectionInput], actor: User
) -> Exam:
    """Creates the exam (``exam`` None) or updates it, and replaces its draw sections
    by ``sections`` in order. Sections with fixed items keep them and stay first.
    Attempts already started keep the items they drew. Audited."""
    if not sections:
        raise BlueprintInvalid([(_("试卷"), _("至少需要一个部分。"))])
    with transaction.atomic():
        if exam is None:
            exam = Exam.objects.create(**settings)
            before: dict[str, Any] = {}
        else:
            exam = Exam.objects.select_for_update().get(pk=exam.pk)
            before = {"sections": _summary(exam)}
            for field, value in settings.items():
                setattr(exam, field, value)
            exam.save()
        fixed = list(
            exam.sections.filter(fixed_items__isnull=False).distinct().order_by("position")
        )
        exam.sections.exclude(pk__in=[s.pk for s in fixed]).delete()
        for position, section in enumerate(fixed, start=1):
            ExamSection.objects.filter(pk=section.pk).update(position=position)
        tags = {
            t.name: t for t in Tag.objects.filter(name__in=[n for s in sections for n in s.tags])
        }
        for position, spec in enumerate(sections, start=len(fixed) + 1):
            row = ExamSection.objects.create(
                exam=exam,
                position=position,
                title=spec.title,
                draw_count=spec.draw_count,
                draw_category_id=spec.category_id,
                difficulty_mix=spec.mix,
            )
            row.draw_tags.set([tags[name] for name in spec.tags])
        audit_record(
            actor=actor,
            action="exam.blueprint_saved",
            obj=exam,
            before=before,
            after={"title": exam.title, "sections": _summary(exam)},
        )
    return exam


def _summary(exam: Exam) -> list[dict[str, Any]]:
    return [
        {
            "title": s.title,
            "category": s.draw_category_id,
            "tags": sorted(t.name for t in s.draw_tags.all()),
            "count": s.draw_count,
            "mix": s.difficulty_mix,
        }
        for s in exam.sections.prefetch_related("draw_tags").order_by("position")
    ]


def certification_assign(
    *,
    certification: Certification,
    actor: User,
    exam: Exam | None = None,
    task: PracticalTask | None = None,
) -> Certification:
    """The committee makes ``exam`` the certification's written exam and/or ``task``
    its practical task. Candidates who already started keep their attempts and
    submissions; new ones meet the new exam or task. Audited; repeating it changes
    nothing."""
    if exam is not None and exam.mode != Exam.Mode.EXAM:
        raise BlueprintInvalid(
            [
                (
                    _("试卷"),
                    _("练习不能作为笔试。"),
                )
            ]
        )
    with transaction.atomic():
        locked = Certification.objects.select_for_update().get(pk=certification.pk)
        before = {
            "written_exam": locked.written_exam_id,
            "practical_task": locked.practical_task_id,
        }
        if exam is not None:
            locked.written_exam = exam
        if task is not None:
            locked.practical_task = task
        after = {"written_exam": locked.written_exam_id, "practical_task": locked.practical_task_id}
        if after != before:
            locked.save(update_fields=["written_exam", "practical_task"])
            audit_record(
                actor=actor, action="certification.assigned", obj=locked, before=before, after=after
            )
    return locked
