from decimal import Decimal

import pytest
from django.utils import timezone

from certification.credentials.selectors import certificate_status
from certification.credentials.services import certificate_issue
from certification.exams import services as exams
from certification.models import Certificate, PracticalSubmission
from certification.results.blueprints import ComponentSpec, blueprint_create
from certification.results.selectors import result_for_application
from core.errors import Conflict, NotFound
from grading.models import Submission
from tests.factories import answer_all, approved_application, objective_exam

pytestmark = pytest.mark.django_db


def graded_written(application, correct_items):
    """The objective exam's items are worth 1, 2 and 3 points: 1 correct → 16.67 %,
    2 → 50 %, 3 → 100 %."""
    attempt = exams.attempt_start(
        candidate=application.candidate, exam=application.certification.written_exam
    )
    answer_all(attempt, correct=correct_items)
    return exams.attempt_submit(attempt=attempt)


def graded_practical(application, score):
    # A finished grading run as the worker records it, linked to its application as
    # certification.exams.practical.practical_submit links it (the sandbox path is
    # tested in tests/practical and tests/test_e2e.py).
    submission = Submission.objects.create(
        task=application.certification.practical_task,
        candidate=application.candidate,
        file_name="solution.py",
        sha256="0" * 64,
        size_bytes=1,
        state=Submission.State.DONE,
        verdict=Submission.Verdict.OK,
        test_score=score,
        dev_score=score,
        passed=score >= 0.9,
        finished_at=timezone.now(),
    )
    PracticalSubmission.objects.create(submission=submission, application=application)
    return submission


@pytest.fixture
def application(demo, candidate, committee):
    objective_exam(certification=demo["certification"])
    return approved_application(
        candidate=candidate, certification=demo["certification"], committee=committee
    )


def test_composite_is_pending_until_every_weighted_component_is_scored(application):
    assert result_for_application(application).composite is None
    graded_written(application, 3)
    result = result_for_application(application)
    assert (result.written_percent, result.composite, result.passed) == (
        Decimal("100.00"),
        None,
        None,
    )


def test_composite_uses_the_certifications_weights_and_cut(application):
    graded_written(application, 2)  # 50 %
    graded_practical(application, 0.95)
    result = result_for_application(application)
    # 0.4 × 50 + 0.6 × 95 = 77 ≥ cut 70
    assert (result.composite, result.passed) == (Decimal("77.00"), True)

    # A new blueprint version applies to applications approved after it, not to this one.
    publish_blueprint(application.certification, cut=Decimal(80))
    assert result_for_application(application).passed is True
    assert result_for_application(application).blueprint.version == 1


def test_a_new_blueprint_version_applies_to_later_approvals(demo, committee, other_candidate):
    objective_exam(certification=demo["certification"])
    publish_blueprint(demo["certification"], cut=Decimal(80))
    later = approved_application(
        candidate=other_candidate, certification=demo["certification"], committee=committee
    )
    graded_written(later, 2)
    graded_practical(later, 0.95)
    result = result_for_application(later)
    assert (result.blueprint.version, result.composite, result.passed) == (
        2,
        Decimal("77.00"),
        False,
    )


def publish_blueprint(certification, *, cut=Decimal(70), written_minimum=Decimal(0)):
    """Publishes the next version with the demo weights (written 0.4, practical 0.6)."""
    from core.roles import Role
    from tests.conftest import make_user

    chair = make_user(f"chair{certification.blueprints.count()}", Role.COMMITTEE)
    return blueprint_create(
        certification=certification,
        created_by=chair,
        cut_score=cut,
        components=[
            ComponentSpec("written", Decimal("0.4"), written_minimum),
            ComponentSpec("practical", Decimal("0.6")),
        ],
        publish=True,
    )


def test_component_minimum_fails_a_high_composite(demo, committee, candidate):
    objective_exam(certification=demo["certification"])
    publish_blueprint(demo["certification"], written_minimum=Decimal(60))
    application = approved_application(
        candidate=candidate, certification=demo["certification"], committee=committee
    )
    graded_written(application, 2)
    graded_practical(application, 1.0)
    result = result_for_application(application)
    assert result.composite == Decimal("80.00")
    assert result.passed is False


def test_best_practical_submission_counts(application):
    graded_written(application, 3)
    graded_practical(application, 0.5)
    graded_practical(application, 0.97)
    assert result_for_application(application).practical_percent == Decimal("97.00")


def test_issue_certificate_once_and_verify(application, committee):
    graded_written(application, 3)
    graded_practical(application, 0.95)
    certificate = certificate_issue(application_id=application.pk, issued_by=committee)
    again = certificate_issue(application_id=application.pk, issued_by=committee)
    assert again.pk == certificate.pk
    assert Certificate.objects.filter(application=application).count() == 1
    assert certificate.composite == Decimal("97.00")
    assert certificate_status(code=certificate.code).status == "valid"
    assert (
        certificate_status(
            code=certificate.code, now=certificate.valid_until + timezone.timedelta(days=1)
        ).status
        == "expired"
    )


def test_no_certificate_below_the_cut_or_before_completion(application, committee):
    with pytest.raises(Conflict):
        certificate_issue(application_id=application.pk, issued_by=committee)
    graded_written(application, 1)
    graded_practical(application, 0.3)
    with pytest.raises(Conflict):
        certificate_issue(application_id=application.pk, issued_by=committee)
    assert not Certificate.objects.filter(application=application).exists()


def test_only_committee_issues(application, candidate, other_candidate):
    graded_written(application, 3)
    graded_practical(application, 0.95)
    for user in (candidate, other_candidate):
        with pytest.raises(NotFound):
            certificate_issue(application_id=application.pk, issued_by=user)
    assert not Certificate.objects.filter(application=application).exists()


def test_unknown_certificate_is_not_found():
    with pytest.raises(NotFound):
        certificate_status(code="nope")
