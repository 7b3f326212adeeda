"""The rows an exam-day simulation needs (``certification.bench.exam_day``): a
certification of its own (its own domain, so the programme's are untouched) with a
written exam of single-choice items and a practical task on the digits demo bundle
with short limits, and N candidates with approved applications and API tokens.
Everything it creates is named after the run's label."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from certification.accounts.tokens import api_tokens_issue_many
from certification.models import Application, Certification, Exam
from core.roles import Role
from training.demo.practical import practical_demo_install
from training.models import Domain, Level, PracticalTask, Question, QuestionBank, QuestionVersion

CHOICES = "abcd"


@dataclass(frozen=True)
class Day:
    label: str
    certification: Certification
    exam: Exam
    task: PracticalTask
    tokens: tuple[str, ...]  # one API token per candidate, in order


def exam_day_setup(*, label: str, candidates: int, items: int, practical: int) -> Day:
    """Creates the day's certification, exam, practical task and candidates. Not safe
    to call twice with one label (the slugs are unique)."""
    certification = Certification.objects.create(
        slug=f"{label}-cert",
        level=_level(label),
        domain=Domain.objects.create(slug=f"{label}-domain", name=label, name_en=label),
        name=label,
        name_en=label,
        written_exam=_exam(label, items),
        practical_task=_task(label, quota=1 if practical else 0),
    )
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"{label}-{i}", email=f"{label}-{i}@example.org")
        for i in range(candidates)
    )
    Group.objects.get_or_create(name=Role.CANDIDATE.value)[0].user_set.add(*users)
    Application.objects.bulk_create(
        Application(
            candidate=user,
            certification=certification,
            full_name=user.username,
            learning_history="-",
            project_experience="-",
            state=Application.State.APPROVED,
        )
        for user in users
    )
    tokens = api_tokens_issue_many(users=list(users))
    assert certification.written_exam is not None and certification.practical_task is not None
    return Day(
        label=label,
        certification=certification,
        exam=certification.written_exam,
        task=certification.practical_task,
        tokens=tuple(tokens),
    )


def _level(label: str) -> Level:
    """Any level will do: the domain is the day's own, so (level, domain) is new."""
    return Level.objects.order_by("rank").first() or Level.objects.create(
        slug=f"{label}-level", name=label, name_en=label, rank=99
    )


def _exam(label: str, items: int) -> Exam:
    bank = QuestionBank.objects.create(slug=f"{label}-bank", title=label)
    exam = Exam.objects.create(title=label, time_limit_minutes=120, shuffle_questions=False)
    section = exam.sections.create(position=1)
    choices = [{"id": c, "text": c} for c in CHOICES]
    for position in range(1, items + 1):
        question = Question.objects.create(bank=bank, name=f"{label} {position}")
        QuestionVersion.objects.create(
            question=question,
            number=1,
            kind="single_choice",
            stem="?",
            data={"choices": choices},
            key={"fractions": {"a": 1}},
        )
        section.fixed_items.create(question=question, position=position)
    return exam


def _task(label: str, *, quota: int) -> PracticalTask:
    """A task on the digits demo bundle (installed when missing) with short stage
    limits: the simulation exercises the pipeline, not the training."""
    digits = PracticalTask.objects.filter(slug="digits-pytorch").first()
    if digits is None or digits.current_version is None:
        digits = practical_demo_install()["digits-pytorch"]
    return PracticalTask.objects.create(
        slug=f"{label}-task",
        title=label,
        statement="-",
        pass_threshold=0.5,
        bundle_dir=digits.bundle_dir,
        current_version=digits.current_version,
        submission_quota=max(1, quota),
        train_seconds=60,
        predict_seconds=60,
        memory_mb=512,
    )
