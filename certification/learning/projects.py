"""Guided projects (项目练习): the practical tasks of a candidate's curricula, run
against their public dev set as often as the daily quota allows.

Which tasks a candidate may practise is decided here (their enrolments); storing,
queueing and scoring are grading's (``grading.practical.submission_create`` with
purpose ``project``: the same queues and workers as exam submissions, the dev set
only). A project run has no application link (``PracticalSubmission``), so it never
enters an exam result, and it never counts against the exam's submission quota.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Count, Exists, Max, Min, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certification.models import Certification, Enrolment
from core.errors import NotFound
from core.roles import Role, has_role
from grading import practical
from grading.metrics import METRICS
from grading.models import Submission
from training.bundles.paths import bundle_paths
from training.models import Curriculum, Lesson, PracticalTask

NOT_AVAILABLE = gettext_lazy("没有这个项目，或它不属于你报名的课程")


@dataclass(frozen=True)
class ProjectSummary:
    """A task as a project of one candidate: their runs and best dev-set score
    (highest, or lowest for an error metric such as MSE or WER)."""

    task: PracticalTask
    runs: int
    runs_today: int
    best_dev_score: float | None

    @property
    def higher_is_better(self) -> bool:
        return METRICS[self.task.metric].higher_is_better


def _is_candidate(user: User | AbstractBaseUser | object) -> bool:
    return isinstance(user, AbstractBaseUser) and has_role(user, Role.CANDIDATE)


def projects_available(*, candidate: User) -> QuerySet[PracticalTask]:
    """The tasks the candidate may practise: those a published lesson of one of their
    curricula prepares for, and the practical task of the certification of each
    curriculum's level and domain. Only tasks with a bundle; none for a non-candidate."""
    if not _is_candidate(candidate):
        return PracticalTask.objects.none()
    enrolled = Enrolment.objects.filter(candidate_id=candidate.pk).values("curriculum_id")
    from_lessons = Lesson.objects.filter(
        curriculum_id__in=enrolled, is_published=True, practical_task__isnull=False
    ).values("practical_task_id")
    same_level_and_domain = Curriculum.objects.filter(
        pk__in=enrolled, level_id=OuterRef("level_id"), domain_id=OuterRef("domain_id")
    )
    from_certifications = Certification.objects.filter(
        Exists(same_level_and_domain), practical_task__isnull=False
    ).values("practical_task_id")
    return (
        PracticalTask.objects.filter(Q(pk__in=from_lessons) | Q(pk__in=from_certifications))
        .exclude(bundle_dir="")
        .order_by("title", "pk")
    )


def projects_for_candidate(*, candidate: User) -> list[ProjectSummary]:
    """Every available project with the candidate's runs and best dev score (one
    query, and one more per project the candidate has run)."""
    mine = Q(
        submissions__candidate_id=candidate.pk,
        submissions__purpose=Submission.Purpose.PROJECT,
    )
    scored = mine & Q(submissions__dev_score__isnull=False)
    tasks = projects_available(candidate=candidate).annotate(
        run_count=Count("submissions", filter=mine),
        dev_max=Max("submissions__dev_score", filter=scored),
        dev_min=Min("submissions__dev_score", filter=scored),
    )
    return [
        ProjectSummary(
            task=task,
            runs=task.run_count,
            runs_today=practical.project_runs_today(task=task, candidate=candidate)
            if task.run_count
            else 0,
            best_dev_score=task.dev_max if METRICS[task.metric].higher_is_better else task.dev_min,
        )
        for task in tasks
    ]


def project_get_for_candidate(*, candidate: User, slug: str) -> PracticalTask:
    """The task ``slug`` if the candidate may practise it; raises NotFound otherwise
    (the same answer as a task that does not exist)."""
    task = projects_available(candidate=candidate).filter(slug=slug).first()
    if task is None:
        raise NotFound(NOT_AVAILABLE)
    return task


def project_summary(*, candidate: User, task: PracticalTask) -> ProjectSummary:
    runs = project_runs(candidate=candidate, task=task)
    scores = [run.dev_score for run in runs if run.dev_score is not None]
    best = max if METRICS[task.metric].higher_is_better else min
    return ProjectSummary(
        task=task,
        runs=len(runs),
        runs_today=practical.project_runs_today(task=task, candidate=candidate),
        best_dev_score=best(scores) if scores else None,
    )


def project_has_starter(*, task: PracticalTask) -> bool:
    """Whether the task's bundle has starter code (the public download holds it)."""
    return (bundle_paths(task, task.current_version).root / "public" / "starter").is_dir()


def project_runs(*, candidate: User, task: PracticalTask) -> list[Submission]:
    """The candidate's project runs of ``task``, newest first."""
    return list(
        Submission.objects.filter(
            task=task, candidate_id=candidate.pk, purpose=Submission.Purpose.PROJECT
        ).order_by("-created_at", "-pk")
    )


def project_run_get_for_candidate(*, candidate: User, run_id: str) -> Submission:
    """One of the candidate's own project runs; raises NotFound for anyone else's (the
    same answer as a run that does not exist)."""
    run = (
        Submission.objects.select_related("task")
        .filter(public_id=run_id, candidate_id=candidate.pk, purpose=Submission.Purpose.PROJECT)
        .first()
    )
    if run is None or not _is_candidate(candidate):
        raise NotFound(_("没有这次运行"))
    return run


def project_run_create(
    *,
    candidate: User,
    slug: str,
    upload: UploadedFile | None,
    framework: str | None = None,
) -> Submission:
    """Stores ``upload`` as a project run of task ``slug`` (with ``framework``; None:
    the task's default) and queues it after commit, to the task's CPU or GPU queue like
    an exam submission; the worker scores it on the dev set only. Raises NotFound when
    the candidate may not practise the task, InvalidSubmission for a missing or bad
    file or a framework the task does not offer, and Conflict when today's
    ``PROJECT_RUNS_PER_DAY`` runs of the task are used; nothing is stored then. Each
    call is a new run."""
    task = project_get_for_candidate(candidate=candidate, slug=slug)
    if upload is None:
        raise practical.InvalidSubmission(_("请上传 solution.py"))
    return practical.submission_create(
        task=task,
        candidate=candidate,
        upload=upload,
        framework=framework,
        purpose=Submission.Purpose.PROJECT,
    )


def project_runs_per_day() -> int:
    return int(settings.PROJECT_RUNS_PER_DAY)
