"""Objects of the permission matrix's world (tests/test_permissions.py) that the
object-URL completeness test (tests/security/test_idor.py) needs: a certificate held
by the owner, a bundle upload, the instructor's question import, and two examiners with objects of their own (an answer
to grade and an interview to rate that only one of them may reach)."""

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.utils import timezone

from certification.applications.conflicts import conflict_declare
from certification.credentials.services import certificate_record_issue
from certification.exams import services as exams
from certification.interviews import services as interviews
from certification.models import Application, AttemptItem, Certification, Exam, Interview
from core.roles import Role
from tests.conftest import make_user
from tests.factories import answer_all, objective_exam, question
from training.models import BundleUpload, QuestionBank, QuestionImport, QuestionVersion, Rubric


def security_world(users: dict[str, Any]) -> SimpleNamespace:
    """``users["examiner"]`` may grade the owner's case answer and rate the owner's
    interview (the results world's); ``second_examiner`` has declared training
    the owner, so only they may grade the other candidate's answer, and they alone
    sit with a third examiner on the other candidate's interview."""
    second = make_user("judge3", Role.EXAMINER)
    certificate = _owner_certificate(users)
    upload = BundleUpload.objects.create(
        uploaded_by=users["instructor"],
        file_name="task.zip",
        archive="bundles/none.zip",
        size_bytes=1,
    )
    question_import = QuestionImport.objects.create(
        bank=QuestionBank.objects.get(slug="test-bank"),
        requested_by=users["instructor"],
        file_name="questions.gift",
        stored_as="question-imports/none/questions.gift",
        digest="0" * 64,
        format=QuestionImport.Format.GIFT,
        state=QuestionImport.State.PREVIEWED,
        report={"created": 1, "items": [], "new_categories": [], "new_tags": [], "skipped": []},
    )
    own_item, second_item = _manual_items(users, second)
    return SimpleNamespace(
        certificate=certificate,
        upload=upload,
        question_import=question_import,
        second_examiner=second,
        manual_item=own_item,
        second_manual_item=second_item,
        second_interview=_second_interview(users, second),
    )


def _owner_certificate(users: dict[str, Any]) -> Any:
    application = Application.objects.create(
        candidate=users["owner"],
        certification=Certification.objects.get(slug="intermediate-cv"),
        full_name="Owner",
        learning_history="-",
        project_experience="-",
        state=Application.State.APPROVED,
        reviewed_by=users["committee"],
        reviewed_at=timezone.now(),
    )
    return certificate_record_issue(
        application=application,
        issued_by=users["committee"],
        written_percent=Decimal(90),
        practical_percent=Decimal(90),
        composite=Decimal(90),
    )


def _manual_items(users: dict[str, Any], second: Any) -> tuple[AttemptItem, AttemptItem]:
    """A submitted practice attempt of each candidate with one case answer waiting
    for an examiner; each examiner's conflict of interest keeps one of them away."""
    exam = objective_exam(mode=Exam.Mode.PRACTICE, attempts_allowed=5)
    rubric = Rubric.objects.create(
        title="r",
        criteria=[{"id": "c", "name": "c", "levels": [{"id": "1", "points": 1}]}],
    )
    case = question(
        QuestionBank.objects.get(slug="test-bank"),
        QuestionVersion.Kind.CASE_ANALYSIS,
        {},
        {"rubric": rubric.pk},
        "4",
    )
    exam.sections.get().fixed_items.create(question=case, position=4)
    found = []
    for candidate, conflicted in (("owner", second), ("other_candidate", users["examiner"])):
        conflict_declare(
            declared_by=conflicted, staff=conflicted, candidate=users[candidate], kind="trainer"
        )
        attempt = exams.attempt_start(candidate=users[candidate], exam=exam)
        answer_all(attempt)
        exams.attempt_submit(attempt=attempt)
        found.append(attempt.items.get(version__kind=QuestionVersion.Kind.CASE_ANALYSIS))
    return found[0], found[1]


def _second_interview(users: dict[str, Any], second: Any) -> Interview:
    """The other candidate's interview, under way, rated by ``second`` and a third
    examiner (not ``users["examiner"]``)."""
    advanced = Certification.objects.get(slug="advanced-cv")
    application = Application.objects.create(
        candidate=users["other_candidate"],
        certification=advanced,
        full_name="Other",
        learning_history="-",
        project_experience="-",
        state=Application.State.APPROVED,
        reviewed_by=users["committee"],
        reviewed_at=timezone.now(),
    )
    slot = interviews.interview_slot_create(
        certification=advanced,
        starts_at=timezone.now() + timedelta(days=5),
        first_examiner=second,
        second_examiner=make_user("judge4", Role.EXAMINER),
        created_by=users["committee"],
    )
    interview = interviews.interview_book(
        candidate=users["other_candidate"], application_id=application.pk, slot_id=slot.pk
    )
    slot.starts_at = timezone.now() - timedelta(hours=1)
    slot.save(update_fields=["starts_at"])
    return interview
