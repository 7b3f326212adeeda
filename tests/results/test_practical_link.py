"""A practical submission knows its application: the service links new ones, the
migration linked the ones made before the link existed."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from certification.exams.practical import practical_submit
from certification.models import Application, PracticalSubmission
from core.errors import NotFound
from grading.models import Submission
from tests.factories import approved_application

pytestmark = pytest.mark.django_db
link_migration = importlib.import_module(
    "certification.migrations.0009_practical_submission_application"
)


def solution():
    return SimpleUploadedFile("solution.py", b"print('hello')\n")


def test_a_submission_is_linked_to_the_approved_application(demo, candidate, committee):
    certification = demo["certification"]
    application = approved_application(
        candidate=candidate, certification=certification, committee=committee
    )
    submission = practical_submit(
        candidate=candidate, certification=certification, upload=solution()
    )
    assert submission.application_link.application == application


def test_without_an_approved_application_nothing_is_stored(demo, candidate):
    with pytest.raises(NotFound):
        practical_submit(
            candidate=candidate, certification=demo["certification"], upload=solution()
        )
    assert not Submission.objects.exists()
    assert not PracticalSubmission.objects.exists()


def test_the_migration_links_each_old_submission_to_the_latest_earlier_application(
    demo, candidate, committee
):
    certification = demo["certification"]
    first = approved_application(
        candidate=candidate, certification=certification, committee=committee
    )
    now = timezone.now()
    Application.objects.filter(pk=first.pk).update(created_at=now - timedelta(days=30))
    Application.objects.filter(pk=first.pk).update(state=Application.State.WITHDRAWN)
    second = approved_application(
        candidate=candidate, certification=certification, committee=committee
    )
    Application.objects.filter(pk=second.pk).update(created_at=now - timedelta(days=10))

    def old_submission(days_ago):
        submission = Submission.objects.create(
            task=certification.practical_task,
            candidate=candidate,
            file_name="solution.py",
            sha256="0" * 64,
            size_bytes=1,
        )
        Submission.objects.filter(pk=submission.pk).update(
            created_at=now - timedelta(days=days_ago)
        )
        return submission

    before_both, between, after = old_submission(40), old_submission(20), old_submission(5)
    link_migration.link_existing(apps, None)
    links = dict(PracticalSubmission.objects.values_list("submission_id", "application_id"))
    assert links == {between.pk: first.pk, after.pk: second.pk}
    assert before_both.pk not in links
