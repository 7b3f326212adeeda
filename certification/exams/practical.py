"""Practical assessment within a certification: the one rule that only a candidate
with an approved application may submit, and the link from each submission to that
application (grading stores, queues and scores the file: grading.practical)."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from certification.applications.selectors import approved_application
from certification.models import Certification, PracticalSubmission
from core.errors import NotFound
from core.roles import Role, has_role
from grading import practical
from grading.models import Submission


def practical_submit(
    *,
    candidate: User,
    certification: Certification,
    upload: UploadedFile | None,
    framework: str | None = None,
) -> Submission:
    """Stores ``upload`` as a submission for the candidate's approved application to
    ``certification``, to run with ``framework`` (None: the task's default), and
    queues its grading after commit. Raises NotFound when the certification has no
    practical task or the candidate no approved application (the same answer as a
    missing task), and grading's InvalidSubmission / Conflict for a bad or missing
    file, a framework the task does not offer or a used-up quota; nothing is stored
    then. Each call is a new submission."""
    task = certification.practical_task
    if (
        task is None
        or not isinstance(candidate, AbstractBaseUser)
        or not has_role(candidate, Role.CANDIDATE)
    ):
        raise NotFound("Not found.")
    with transaction.atomic():
        application = approved_application(candidate=candidate, certification=certification)
        if upload is None:
            raise practical.InvalidSubmission(_("请上传 solution.py"))
        submission = practical.submission_create(
            task=task, candidate=candidate, upload=upload, framework=framework
        )
        PracticalSubmission.objects.create(submission=submission, application=application)
    return submission
