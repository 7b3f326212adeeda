"""Reads of results: which blueprint version an application is evaluated against,
and its composite result, loaded in a fixed number of queries for any number of
applications (the rules themselves are in certification.results.scoring)."""

from django.contrib.auth.models import User
from django.db.models import Prefetch

from certification.applications.conflicts import conflicted_candidate_ids, has_conflict
from certification.applications.selectors import application_get_for_candidate
from certification.models import (
    Application,
    Attempt,
    Blueprint,
    BlueprintComponent,
    Certification,
    Decision,
    Interview,
    InterviewRating,
    ManualGrade,
    PracticalSubmission,
)
from certification.results.scoring import CompositeResult, result_compose
from core.errors import NotFound
from core.roles import Role, has_role
from grading.models import Submission


def _pick_blueprint(published: list[Blueprint], application: Application) -> Blueprint | None:
    """The version current when the application was approved; the first published
    version when none was published by then (rules set after approval)."""
    if not published:
        return None
    moment = application.reviewed_at or application.created_at
    current = [b for b in published if b.published_at and b.published_at <= moment]
    if current:
        return max(current, key=lambda b: b.version)
    return min(published, key=lambda b: b.version)


def blueprints_for_applications(applications: list[Application]) -> dict[int, Blueprint | None]:
    """Application id → the blueprint version it is evaluated against (or None), with
    the components and their rubrics; two queries for any number of applications."""
    published: dict[int, list[Blueprint]] = {}
    for row in Blueprint.objects.filter(
        certification_id__in={a.certification_id for a in applications},
        published_at__isnull=False,
    ).prefetch_related(
        Prefetch("components", queryset=BlueprintComponent.objects.select_related("rubric"))
    ):
        published.setdefault(row.certification_id, []).append(row)
    return {a.pk: _pick_blueprint(published.get(a.certification_id, []), a) for a in applications}


def blueprint_for_application(application: Application) -> Blueprint | None:
    """The blueprint version ``application`` is evaluated against (or None)."""
    return blueprints_for_applications([application])[application.pk]


def _best_attempts(app_ids: list[int]) -> dict[int, Attempt]:
    """Application id → its best graded attempt (highest score, then earliest)."""
    best: dict[int, Attempt] = {}
    for graded in Attempt.objects.filter(
        application_id__in=app_ids, state=Attempt.State.GRADED
    ).order_by("-score", "started_at"):
        assert graded.application_id is not None
        best.setdefault(graded.application_id, graded)
    return best


def _best_submissions(app_ids: list[int]) -> dict[int, Submission | None]:
    """Application id → its best finished practical submission (highest hidden-set
    score, then earliest), or None while a committee re-run (after an appeal) is
    queued or running: the practical score is pending again."""
    best: dict[int, Submission | None] = {}
    rerunning: set[int] = set()
    for link in (
        PracticalSubmission.objects.filter(application_id__in=app_ids)
        .select_related("submission")
        .order_by("-submission__test_score", "submission__created_at")
    ):
        submission = link.submission
        if submission.rerun_requested_by_id is not None and submission.state in (
            Submission.State.QUEUED,
            Submission.State.RUNNING,
        ):
            rerunning.add(link.application_id)
        elif submission.state == Submission.State.DONE and submission.test_score is not None:
            best.setdefault(link.application_id, submission)
    for app_id in rerunning:
        best[app_id] = None
    return best


def _booked_interviews(app_ids: list[int]) -> dict[int, Interview]:
    """Application id → its booked interview, with its current ratings prefetched
    as ``current_ratings``."""
    current = InterviewRating.objects.filter(superseded=False).order_by("rated_at", "pk")
    return {
        interview.application_id: interview
        for interview in Interview.objects.filter(
            application_id__in=app_ids, state=Interview.State.BOOKED
        )
        .select_related("slot")
        .prefetch_related(Prefetch("ratings", queryset=current, to_attr="current_ratings"))
    }


def _current_decisions(app_ids: list[int]) -> dict[int, Decision]:
    decisions: dict[int, Decision] = {}
    for decision in Decision.objects.filter(
        application_id__in=app_ids, set_aside_at__isnull=True
    ).order_by("-decided_at", "-pk"):
        decisions.setdefault(decision.application_id, decision)
    return decisions


def _examiner_comments(attempt_ids: list[int]) -> dict[int, list[str]]:
    comments: dict[int, list[str]] = {}
    for attempt_id, comment in (
        ManualGrade.objects.filter(item__attempt_id__in=attempt_ids)
        .exclude(comment="")
        .order_by("item__position")
        .values_list("item__attempt_id", "comment")
    ):
        comments.setdefault(attempt_id, []).append(comment)
    return comments


def results_for_applications(
    applications: list[Application], *, feedback: bool
) -> list[CompositeResult]:
    """Results of many applications in a fixed number of queries."""
    if not applications:
        return []
    app_ids = [a.pk for a in applications]
    blueprints = blueprints_for_applications(applications)
    attempts = _best_attempts(app_ids)
    submissions = _best_submissions(app_ids)
    interviews = _booked_interviews(app_ids)
    decisions = _current_decisions(app_ids)
    comments = _examiner_comments([a.pk for a in attempts.values()]) if feedback else {}
    results = []
    for application in applications:
        attempt = attempts.get(application.pk)
        results.append(
            result_compose(
                application=application,
                blueprint=blueprints[application.pk],
                attempt=attempt,
                submission=submissions.get(application.pk),
                interview=interviews.get(application.pk),
                decision=decisions.get(application.pk),
                written_comments=comments.get(attempt.pk, []) if attempt else [],
            )
        )
    return results


def result_for_application(application: Application) -> CompositeResult:
    """The composite of ``application`` under its blueprint version. Written: the best
    graded attempt. Practical: the best finished submission's hidden-set score.
    Interview: the current ratings (see ``InterviewScore``). The composite exists only
    when every weighted component has a score and no adjudication is outstanding."""
    return results_for_applications([application], feedback=True)[0]


def result_for_candidate(*, candidate: User, application_id: int) -> CompositeResult:
    """The candidate's own result with the breakdown and feedback; NotFound otherwise."""
    application = application_get_for_candidate(candidate=candidate, application_id=application_id)
    return result_for_application(application)


def results_for_committee(
    *,
    reviewer: User,
    certification: str = "",
    offset: int = 0,
    limit: int | None = None,
) -> list[CompositeResult]:
    """Approved applications' results for the committee, oldest first, without the
    reviewer's own and the candidates the reviewer has a conflict with. A page with
    ``limit``; every result costs nothing extra (a fixed number of queries)."""
    if not has_role(reviewer, Role.COMMITTEE):
        raise NotFound("Not found.")
    applications = (
        Application.objects.filter(state=Application.State.APPROVED)
        .exclude(candidate_id__in=conflicted_candidate_ids(staff=reviewer))
        .select_related("certification", "candidate")
        .prefetch_related("certificate")
        .order_by("created_at", "pk")
    )
    if certification:
        applications = applications.filter(certification__slug=certification)
    page = applications[offset : offset + limit] if limit is not None else applications
    return results_for_applications(list(page), feedback=False)


def result_get_for_committee(*, reviewer: User, application_id: int) -> CompositeResult:
    """One approved application's result, with feedback, for a committee member
    without a conflict; NotFound otherwise."""
    if not has_role(reviewer, Role.COMMITTEE):
        raise NotFound("Not found.")
    application = (
        Application.objects.filter(pk=application_id, state=Application.State.APPROVED)
        .select_related("certification", "candidate")
        .first()
    )
    if application is None or has_conflict(staff=reviewer, candidate=application.candidate_id):
        raise NotFound("Not found.")
    return result_for_application(application)


def blueprint_current(*, certification: Certification | int) -> Blueprint | None:
    """The newest published version of the certification's blueprint, or None."""
    return (
        Blueprint.objects.filter(
            certification_id=getattr(certification, "pk", certification),
            published_at__isnull=False,
        )
        .prefetch_related("components__rubric")
        .order_by("-version")
        .first()
    )


def blueprints_for_committee(*, viewer: User) -> list[Blueprint]:
    if not has_role(viewer, Role.COMMITTEE):
        raise NotFound("Not found.")
    return list(
        Blueprint.objects.select_related("certification", "created_by")
        .prefetch_related("components")
        .order_by("certification__slug", "-version")
    )
