"""The programme in the product: the nine certifications' curricula (lessons with time,
objectives and the practical task), question banks, written exams and practice
quizzes (training.demo.content and training.demo.curricula hold the content).

A written exam has one section per category that draws three items of the exam pool,
so that each bank fills two forms without repeating an item. A certification without
a written exam gets its own and opens for applications; one that has an exam keeps it
(the Beginner CV demo exam). A practice quiz draws from the practice pool only and
is offered on the curriculum's page. Idempotent."""

from django.contrib.auth.models import User
from django.db import transaction

from certification.models import Certification, Exam
from training.demo.content import programme_banks_load
from training.demo.curricula import programme_curricula_load
from training.models import Curriculum, PracticalTask, QuestionBank, Tag

# Demo practical tasks (training/demo/) for certifications that have none yet.
PROGRAMME_TASKS = {"beginner-nlp": "langid", "beginner-speech": "spoken-digits"}
DRAW_PER_CATEGORY = 3
MINUTES_PER_ITEM = 3
PRACTICE_PER_CATEGORY = 2


def programme_exams_load(*, author: User) -> dict[str, Exam]:
    """Loads the banks and curricula, then each certification's programme exam and
    practice quiz; returns the exams by certification slug."""
    banks = programme_banks_load(author=author)
    _practical_tasks_assign()
    tasks = {
        c.slug: c.practical_task
        for c in Certification.objects.filter(practical_task__isnull=False).select_related(
            "practical_task"
        )
        if c.practical_task is not None
    }
    curricula = {c.slug: c for c in programme_curricula_load(author=author, tasks=tasks)}
    exams: dict[str, Exam] = {}
    for loaded in banks:
        domain, level = loaded.bank.slug.split("-")
        curriculum = curricula.get(f"{level}-{domain}")
        if curriculum is not None:
            practice_quiz(bank=loaded.bank, curriculum=curriculum)
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


def _practical_tasks_assign() -> None:
    """Gives a certification without a practical task its demo task, where that task
    is installed (the spoken-digits task needs espeak-ng on the machine)."""
    for slug, task_slug in PROGRAMME_TASKS.items():
        task = PracticalTask.objects.filter(slug=task_slug).first()
        if task is not None:
            Certification.objects.filter(slug=slug, practical_task__isnull=True).update(
                practical_task=task
            )


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


def practice_quiz(*, bank: QuestionBank, curriculum: Curriculum) -> Exam:
    """A practice quiz from the bank's practice pool (never the exam pool): per
    category up to PRACTICE_PER_CATEGORY items, with feedback after each answer;
    unlimited attempts, offered on the curriculum's page."""
    categories = list(bank.categories.filter(parent=None).order_by("pk"))
    quiz, created = Exam.objects.get_or_create(
        title=f"{curriculum.title}：练习 / practice quiz",
        defaults={
            "mode": Exam.Mode.PRACTICE,
            "curriculum": curriculum,
            "time_limit_minutes": PRACTICE_PER_CATEGORY * MINUTES_PER_ITEM * len(categories),
            "attempts_allowed": 100,
            "review_answers": Exam.Review.AFTER_SUBMIT,
        },
    )
    if created:
        practice_pool, _ = Tag.objects.get_or_create(name="pool:practice")
        for position, category in enumerate(categories, start=1):
            available = category.questions.filter(tags=practice_pool).count()
            if not available:
                continue
            section = quiz.sections.create(
                position=position,
                title=category.name,
                draw_count=min(PRACTICE_PER_CATEGORY, available),
                draw_category=category,
            )
            section.draw_tags.set([practice_pool])
    return quiz
