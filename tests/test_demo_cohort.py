"""The demo cohort behind the demo's item analysis page (certification/demo_cohort.py)."""

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from certification.demo.cohort import MOCK_EXAM, demo_cohort_load
from certification.exams.item_analysis import exam_item_analysis
from certification.models import Attempt, Exam
from tests.conftest import authenticator_for, totp_code

pytestmark = pytest.mark.django_db


def test_cohort_feeds_the_item_analysis_and_loads_once(demo):
    assert demo_cohort_load(size=30) == 30
    assert demo_cohort_load(size=30) == 0  # safe to run twice

    exam = Exam.objects.get(title=MOCK_EXAM)
    attempts = Attempt.objects.filter(exam=exam)
    assert attempts.count() == 30
    assert set(attempts.values_list("state", flat=True)) == {Attempt.State.GRADED}
    analysis, labels = exam_item_analysis(exam=exam, viewer=demo["instructor"])
    assert analysis.test.attempts == 30 and len(analysis.items) == len(labels) == 8
    facilities = [item.facility for item in analysis.items]
    assert min(facilities) < max(facilities)  # the Rasch draw spreads the items
    assert analysis.test.cronbach_alpha is not None

    learner = attempts.first().candidate
    assert not learner.has_usable_password()
    assert exam.curriculum is None  # never offered to real candidates


def test_load_demo_adds_the_cohort_unless_asked_not_to(db):
    out, stages = io.StringIO(), io.StringIO()
    call_command("load_demo", "--no-cohort", stdout=out, stderr=stages)
    assert not Exam.objects.filter(title=MOCK_EXAM).exists()
    assert stages.getvalue().count("\n") == 2 and "[3/3]" not in stages.getvalue()
    call_command("load_demo", stdout=out, stderr=stages)
    assert "40 learners" in out.getvalue()
    # Half a minute of loading says where it is, on stderr (stdout stays the summary).
    assert [line[:5] for line in stages.getvalue().splitlines()[2:]] == ["[1/3]", "[2/3]", "[3/3]"]
    client = Client()  # the instructor signs in with the password and the demo authenticator
    client.post("/accounts/login/", {"username": "instructor", "password": "instructor-demo-2026"})
    instructor = User.objects.get(username="instructor")
    client.post("/accounts/two-factor/", {"code": totp_code(authenticator_for(instructor))})
    exam = Exam.objects.get(title=MOCK_EXAM)
    listing = client.get("/exams/").content.decode()
    assert f'href="/exams/{exam.pk}/analysis/"' in listing
    assert "<svg" in client.get(f"/exams/{exam.pk}/analysis/").content.decode()
