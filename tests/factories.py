"""Helpers that put the domain into a given state through its services."""

from decimal import Decimal
from typing import Any

from certification.applications import services as applications
from certification.demo.cohort import full_marks_response
from certification.exams import answers
from certification.models import Application, Attempt, Certification, Exam
from training.models import Question, QuestionBank, QuestionVersion

Kind = QuestionVersion.Kind


def approved_application(
    *, candidate: Any, certification: Certification, committee: Any
) -> Application:
    application = applications.application_submit(
        candidate=candidate,
        certification=certification,
        full_name="王小明",
        learning_history="在线课程：深度学习入门",
        project_experience="手写数字识别",
    )
    return applications.application_approve(application_id=application.pk, reviewer=committee)


def question(
    bank: QuestionBank,
    kind: str,
    data: dict[str, Any],
    key: dict[str, Any],
    points: str = "1",
    **extra: Any,
) -> Question:
    q = Question.objects.create(
        bank=bank,
        name=extra.pop("name", f"{kind} {Question.objects.count() + 1}"),
        category=extra.pop("category", None),
    )
    QuestionVersion.objects.create(
        question=q,
        number=1,
        kind=kind,
        stem=extra.pop("stem", f"{kind}?"),
        data=data,
        key=key,
        points=Decimal(points),
        **extra,
    )
    return q


def choices(n: int = 4) -> list[dict[str, str]]:
    return [{"id": chr(ord("a") + i), "text": f"option {i}"} for i in range(n)]


def objective_exam(*, certification: Certification | None = None, **fields: Any) -> Exam:
    """An exam of three automatically graded items worth 1, 2 and 3 points (6 in
    all), used instead of the demo exam where a test needs no examiner or sandbox.
    Made the certification's written exam when one is given."""
    bank, _ = QuestionBank.objects.get_or_create(slug="test-bank", defaults={"title": "Test bank"})
    exam = Exam.objects.create(title="Objective exam", **{"shuffle_questions": False, **fields})
    section = exam.sections.create(position=1)
    items = [
        question(bank, Kind.SINGLE_CHOICE, {"choices": choices()}, {"fractions": {"b": 1}}, "1"),
        question(bank, Kind.TRUE_FALSE, {}, {"correct": False}, "2"),
        question(
            bank,
            Kind.FILL_IN,
            {"blanks": ["1"]},
            {"blanks": {"1": [{"match": "ci", "value": "CNN"}]}},
            "3",
        ),
    ]
    for position, q in enumerate(items, start=1):
        section.fixed_items.create(question=q, position=position)
    if certification is not None:
        certification.written_exam = exam
        certification.save(update_fields=["written_exam"])
    return exam


def correct_response(version: QuestionVersion) -> dict[str, Any] | None:
    """A response that earns full marks on an automatically graded item (or a
    reasonable one for items a person or the sandbox grades)."""
    objective = full_marks_response(version)
    if objective is not None:
        return objective
    key = version.key
    if version.kind in (Kind.SHORT_ANSWER, Kind.CASE_ANALYSIS):
        return {"text": key.get("model_answer", "answer")}
    if version.kind == Kind.PROGRAMMING:
        return {
            "code": "def accuracy(predictions, labels):\n    return sum(p == l for p, l in zip(predictions, labels)) / len(labels)\n"
        }
    return None


def answer_all(attempt: Attempt, *, correct: int | None = None) -> None:
    """Answers the attempt's items in order: the first ``correct`` items (all when
    None) with full-mark responses, the rest left unanswered."""
    for index, item in enumerate(attempt.items.select_related("version").order_by("position")):
        if correct is not None and index >= correct:
            break
        response = correct_response(item.version)
        if response is not None:
            answers.answer_save(attempt=attempt, item_id=item.pk, response=response, revision=1)
