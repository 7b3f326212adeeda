"""Loads the programme's curricula (training/demo/programme/lessons/<domain>-<level>/,
format in training/demo/programme/FORMAT.md): one curriculum per certification, its
lessons in order with their estimated time, learning objectives and, on the lesson
that introduces it, the practical task. Idempotent: lessons are matched by position."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.contrib.auth.models import User
from django.db import transaction

from training.demo.content import PROGRAMME_DIR
from training.models import Curriculum, Domain, Lesson, Level, PracticalTask
from training.services.lessons import lesson_publish_loaded

LEVEL_SUMMARIES = {
    "beginner": "入门：概念、数学、神经网络与框架的使用 / Foundations: concepts, maths, "
    "neural networks and using a framework",
    "intermediate": "进阶：数据准备、模型选择、训练策略与部署 / Core techniques: data "
    "preparation, model choice, training strategy and deployment",
    "advanced": "实战：前沿方法、系统设计与资源约束下的工程 / Applied: current methods, "
    "system design and engineering under resource budgets",
}


@dataclass(frozen=True)
class LessonFile:
    position: int
    title: str
    minutes: int
    objectives: list[str]
    practical: bool
    body: str


def lesson_file_read(path: Path) -> LessonFile:
    """A lesson file: YAML front matter between ``---`` lines, then Markdown. The
    position is the file name's number (``03-….md``)."""
    text = path.read_text(encoding="utf-8")
    _, front, body = text.split("---\n", 2)
    meta: dict[str, Any] = yaml.safe_load(front)
    return LessonFile(
        position=int(path.name.split("-", 1)[0]),
        title=str(meta["title"]),
        minutes=int(meta["minutes"]),
        objectives=[str(o) for o in meta["objectives"]],
        practical=bool(meta.get("practical", False)),
        body=body.strip() + "\n",
    )


def curriculum_folders() -> list[Path]:
    return sorted(p for p in (PROGRAMME_DIR / "lessons").iterdir() if p.is_dir())


def programme_curricula_load(
    *, author: User, tasks: dict[str, PracticalTask] | None = None
) -> list[Curriculum]:
    """Loads every curriculum folder; ``tasks`` maps a certification slug
    (``<level>-<domain>``) to its practical task, linked from the practical lesson."""
    return [
        curriculum_load(folder=folder, author=author, tasks=tasks or {})
        for folder in curriculum_folders()
    ]


def curriculum_load(*, folder: Path, author: User, tasks: dict[str, PracticalTask]) -> Curriculum:
    domain_slug, level_slug = folder.name.split("-")
    level = Level.objects.get(slug=level_slug)
    domain = Domain.objects.get(slug=domain_slug)
    slug = f"{level_slug}-{domain_slug}"
    lessons = [lesson_file_read(path) for path in sorted(folder.glob("*.md"))]
    with transaction.atomic():
        curriculum, _ = Curriculum.objects.update_or_create(
            slug=slug,
            defaults={
                "level": level,
                "domain": domain,
                "title": f"{level.name}{domain.name} / {level.name_en} {domain.name_en}",
                "summary": LEVEL_SUMMARIES[level_slug],
                "author": author,
            },
        )
        for lesson in lessons:
            row, _ = Lesson.objects.update_or_create(
                curriculum=curriculum,
                position=lesson.position,
                defaults={
                    "title": lesson.title,
                    "body": lesson.body,
                    "minutes": lesson.minutes,
                    "objectives": lesson.objectives,
                    "practical_task": tasks.get(slug) if lesson.practical else None,
                    "is_published": True,
                },
            )
            lesson_publish_loaded(lesson=row, actor=author)
        curriculum.lessons.filter(position__gt=len(lessons)).delete()
    return curriculum
