"""The programme in the product: the nine certifications' curricula (lessons with time,
objectives and the practical task), question banks, written exams and practice
quizzes (training.demo.content and training.demo.curricula hold the content).

A written exam has one section per category that draws three items of the exam pool,
so that each bank fills two forms without repeating an item. Each certification gets
its programme exam and opens for applications, unless candidates have already sat the
exam it has. A practice quiz draws from the practice pool only and
is offered on the curriculum's page. Each advanced certification is examined with an
interview rated with its programme rubric, once it has a practical task. Advanced NLP's
written exam is sat at booked sittings (``SITTING_EXAMS``). Idempotent."""

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from certification.demo.programme import demo_examiners, demo_interview_slots
from certification.models import (
    Attempt,
    Blueprint,
    BlueprintComponent,
    Certification,
    Exam,
    ExamSitting,
)
from certification.results.blueprints import ComponentSpec, blueprint_create
from certification.results.selectors import blueprint_current
from core.roles import Role
from grading.models import Submission
from training.demo.content import programme_banks_load
from training.demo.curricula import programme_curricula_load
from training.models import Curriculum, PracticalTask, QuestionBank, Rubric, Tag

Kind = BlueprintComponent.Kind

# Demo practical tasks (training/demo/) for certifications that have none yet.
PROGRAMME_TASKS = {
    "beginner-nlp": "langid",
    "intermediate-nlp": "ticket-triage",
    "advanced-nlp": "asset-tag-extraction",
    "beginner-speech": "spoken-digits",
    "intermediate-cv": "shapes-cnn",
    "intermediate-speech": "keyword-spotting",
    "advanced-speech": "connected-digits",
    "advanced-cv": "shapes-detection",
}
DRAW_PER_CATEGORY = 3
MINUTES_PER_ITEM = 3
PRACTICE_PER_CATEGORY = 2
# Written exams sat at booked sittings (the others start whenever the candidate likes).
SITTING_EXAMS = ("advanced-nlp",)


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
    committee = User.objects.filter(groups__name=Role.COMMITTEE.value).order_by("pk").first()
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
            if certification.written_exam_id != exam.pk and _replaceable(certification):
                certification.written_exam = exam
                certification.is_open = True
                certification.save(update_fields=["written_exam", "is_open"])
        exams[certification.slug] = exam
        if certification.slug in SITTING_EXAMS and committee is not None:
            demo_sittings(exam=exam, created_by=committee)
        interview_rubric = loaded.rubrics.get(f"{domain}-adv-interview")
        if interview_rubric is not None and committee is not None:
            advanced_interview(
                certification=certification, rubric=interview_rubric, committee=committee
            )
    return exams


def advanced_interview(
    *, certification: Certification, rubric: Rubric, committee: User
) -> Blueprint | None:
    """Gives an advanced certification its interview: a new published blueprint
    version (written 0.3, practical 0.3, interview 0.4 rated with the programme's
    interview rubric, each at least 50 %, cut 75) unless the current one already uses
    that rubric, and a week of interview slots with two-examiner panels. Returns the
    new blueprint, or None when nothing changed, or when the certification has no
    practical task yet (a blueprint may only weigh components that exist)."""
    current = blueprint_current(certification=certification)
    if certification.practical_task_id is None or certification.written_exam_id is None:
        return None
    if current is not None and current.components.filter(rubric=rubric).exists():
        return None
    half = Decimal(50)
    blueprint = blueprint_create(
        certification=certification,
        created_by=committee,
        cut_score=Decimal(75),
        borderline_margin=Decimal(3),
        components=[
            ComponentSpec(Kind.WRITTEN, Decimal("0.3"), half),
            ComponentSpec(Kind.PRACTICAL, Decimal("0.3"), half),
            ComponentSpec(Kind.INTERVIEW, Decimal("0.4"), half, rubric.pk),
        ],
        note="面试按课程面试评分量表评分 / Interview rated with the programme's rubric.",
        publish=True,
    )
    if not certification.interview_slots.exists():
        demo_interview_slots(
            advanced=certification, examiners=demo_examiners(), committee=committee
        )
    return blueprint


def demo_sittings(*, exam: Exam, created_by: User) -> list[ExamSitting]:
    """Three sittings of 30 seats, at 09:00–12:00 (the site's zone) two, three and
    seven days from now, booked up to 24 hours before; none when the exam has some."""
    if exam.sittings.exists():
        return []
    today = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    return [
        ExamSitting.objects.create(
            exam=exam,
            starts_at=today + timedelta(days=days),
            ends_at=today + timedelta(days=days, hours=3),
            capacity=30,
            location="线上监考 Online, proctored",
            cutoff_hours=24,
            created_by=created_by,
        )
        for days in (2, 3, 7)
    ]


def _replaceable(certification: Certification) -> bool:
    """Whether the certification's written exam may give way to the programme's: it
    has none, or nobody has sat it yet (the first wave's demo exam stood in for
    Beginner and Advanced CV)."""
    exam_id = certification.written_exam_id
    return exam_id is None or not Attempt.objects.filter(exam_id=exam_id).exists()


def _practical_tasks_assign() -> None:
    """Gives each certification its programme task, where that task is installed (the
    speech tasks need espeak-ng on the machine), unless candidates have already
    submitted to the task it has (the first wave's digits task stood in for Advanced
    CV)."""
    for slug, task_slug in PROGRAMME_TASKS.items():
        task = PracticalTask.objects.filter(slug=task_slug).first()
        certification = Certification.objects.filter(slug=slug).first()
        if task is None or certification is None or certification.practical_task_id == task.pk:
            continue
        current = certification.practical_task_id
        if current is None or not Submission.objects.filter(task_id=current).exists():
            certification.practical_task = task
            certification.save(update_fields=["practical_task"])


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
