"""The written exams of the nine certifications, drawn from the programme's question
banks (training.demo.content): one section per category that draws three items of the
exam pool, so that each bank fills two forms without repeating an item. A
certification without a written exam gets its own and opens for applications; one
that has an exam keeps it (the Beginner CV demo exam). Idempotent."""

from django.contrib.auth.models import User
from django.db import transaction

from certification.models import Certification, Exam
from training.demo.content import programme_banks_load
from training.models import QuestionBank, Tag

DRAW_PER_CATEGORY = 3
MINUTES_PER_ITEM = 3


def programme_exams_load(*, author: User) -> dict[str, Exam]:
    """Loads the banks, then each certification's programme exam; returns them by
    certification slug."""
    exams: dict[str, Exam] = {}
    for loaded in programme_banks_load(author=author):
        domain, level = loaded.bank.slug.split("-")
        with transaction.atomic():
            certification = Certification.objects.select_for_update().get(
                level__slug=level, domain__slug=domain
            )
            exam = programme_exam(bank=loaded.bank, certification=certification)
            if certification.written_exam_id is None:
                certification.written_exam = exam
                certification.is_open = True
                certification.save(update_fields=["written_exam", "is_open"])
        exams[certification.slug] = exam
    return exams


def programme_exam(*, bank: QuestionBank, certification: Certification) -> Exam:
    """The exam drawn from ``bank``: per category, DRAW_PER_CATEGORY exam-pool items."""
    title = f"{certification.name} 笔试 / {certification.name_en}: written exam"
    categories = list(bank.categories.filter(parent=None).order_by("pk"))
    exam, created = Exam.objects.get_or_create(
        title=title,
        defaults={
            "mode": Exam.Mode.EXAM,
            "time_limit_minutes": DRAW_PER_CATEGORY * MINUTES_PER_ITEM * len(categories),
            "attempts_allowed": 2,
            "pass_mark": 60,
        },
    )
    if created:
        exam_pool, _ = Tag.objects.get_or_create(name="pool:exam")
        for position, category in enumerate(categories, start=1):
            section = exam.sections.create(
                position=position,
                title=category.name,
                draw_count=DRAW_PER_CATEGORY,
                draw_category=category,
            )
            section.draw_tags.set([exam_pool])
    return exam
