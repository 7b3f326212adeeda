"""Fixtures for certificates: an issued certificate through the real services."""

from dataclasses import dataclass
from typing import Any

import pytest

from certification.credentials.services import certificate_issue
from certification.models import Certificate
from core.roles import Role
from tests.conftest import make_user
from tests.factories import approved_application, objective_exam

# The written and practical results as the graders record them; shared with the
# results tests so that both follow the exam engine as it changes.
from tests.test_results import graded_practical, graded_written


@dataclass
class Issued:
    certificate: Certificate
    holder: Any
    committee: Any
    users: dict[str, Any]


@pytest.fixture
def passed_application(demo: dict[str, Any], candidate: Any, committee: Any) -> Any:
    objective_exam(certification=demo["certification"])  # graded without an examiner
    application = approved_application(
        candidate=candidate, certification=demo["certification"], committee=committee
    )
    graded_written(application, None)  # every item correct: 100 %
    graded_practical(application, 0.92)
    return application


@pytest.fixture
def issued(passed_application: Any, candidate: Any, committee: Any) -> Issued:
    certificate = certificate_issue(application_id=passed_application.pk, issued_by=committee)
    users = {
        "holder": candidate,
        "other_candidate": make_user("eve", Role.CANDIDATE),
        "instructor": make_user("teacher", Role.INSTRUCTOR),
        "examiner": make_user("judge", Role.EXAMINER),
        "committee": committee,
    }
    return Issued(certificate=certificate, holder=candidate, committee=committee, users=users)
