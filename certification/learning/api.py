"""REST API of the learning journey, for the candidate: enrolments, progress, the study
plan, lesson time and completion, the reviews of missed items, and the guided projects
(runs of a practical task against its public dev set)."""

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from certification.learning import plan as plans
from certification.learning import projects, selectors
from certification.learning import services as learning
from certification.learning.projects import ProjectSummary
from certification.learning.selectors import CurriculumProgress
from core.api import AuthenticatedApiRequest
from core.errors import NotFound
from core.roles import Role, has_role
from grading.models import Submission
from training.models import Curriculum, Framework


def _candidate(request: AuthenticatedApiRequest) -> None:
    if not has_role(request.user, Role.CANDIDATE):
        raise NotFound("Not found.")


def _curriculum(slug: str) -> Curriculum:
    return get_object_or_404(Curriculum, slug=slug)


class LessonStateOut(serializers.Serializer[Any]):
    lesson = serializers.IntegerField(source="lesson.pk")
    position = serializers.IntegerField(source="lesson.position")
    title = serializers.CharField(source="lesson.title")
    minutes = serializers.IntegerField(source="lesson.minutes", help_text="Estimated.")
    objectives = serializers.ListField(child=serializers.CharField(), source="lesson.objectives")
    seconds = serializers.IntegerField(help_text="Time the candidate spent on the page.")
    completed_at = serializers.DateTimeField(allow_null=True)
    practice_answers = serializers.IntegerField()
    practice_share = serializers.FloatField(allow_null=True)
    objectives_met = serializers.BooleanField()


class ProgressOut(serializers.Serializer[Any]):
    curriculum = serializers.SlugField(source="curriculum.slug")
    title = serializers.CharField(source="curriculum.title")
    enrolled_at = serializers.SerializerMethodField()
    completed = serializers.IntegerField()
    share = serializers.FloatField(help_text="Share of the lessons completed.")
    seconds = serializers.IntegerField()
    objectives_met = serializers.SerializerMethodField()
    objectives_total = serializers.SerializerMethodField()
    is_complete = serializers.BooleanField()
    sessions_attended = serializers.IntegerField(source="attendance.sessions")
    session_minutes = serializers.IntegerField(source="attendance.minutes")
    lessons = LessonStateOut(many=True)

    def get_enrolled_at(self, progress: CurriculumProgress) -> str | None:
        return progress.enrolment.enrolled_at.isoformat() if progress.enrolment else None

    def get_objectives_met(self, progress: CurriculumProgress) -> int:
        return progress.objectives[0]

    def get_objectives_total(self, progress: CurriculumProgress) -> int:
        return progress.objectives[1]


class EnrolIn(serializers.Serializer[Any]):
    curriculum = serializers.SlugField()


class EnrolmentsApi(APIView):
    @extend_schema(responses=ProgressOut(many=True))
    def get(self, request: AuthenticatedApiRequest) -> Response:
        _candidate(request)
        progress = selectors.enrolled_progress(candidate=request.user)
        return Response(ProgressOut(progress, many=True).data)

    @extend_schema(request=EnrolIn, responses={201: ProgressOut})
    def post(self, request: AuthenticatedApiRequest) -> Response:
        _candidate(request)
        data = EnrolIn(data=request.data)
        data.is_valid(raise_exception=True)
        curriculum = _curriculum(data.validated_data["curriculum"])
        learning.enrolment_ensure(candidate=request.user, curriculum=curriculum)
        progress = selectors.curriculum_progress(candidate=request.user, curriculum=curriculum)
        return Response(ProgressOut(progress).data, status=status.HTTP_201_CREATED)


class ProgressApi(APIView):
    @extend_schema(responses=ProgressOut)
    def get(self, request: AuthenticatedApiRequest, slug: str) -> Response:
        _candidate(request)
        progress = selectors.curriculum_progress(
            candidate=request.user, curriculum=_curriculum(slug)
        )
        return Response(ProgressOut(progress).data)


class PlanCategoryOut(serializers.Serializer[Any]):
    category_id = serializers.IntegerField()
    name = serializers.CharField()
    mastery = serializers.FloatField(help_text="Expected share of the category's exam points.")
    low = serializers.FloatField(help_text="80 % credible interval, lower end.")
    high = serializers.FloatField(help_text="80 % credible interval, upper end.")
    weight = serializers.FloatField(help_text="The category's share of the exam's points.")
    missing_points = serializers.FloatField(help_text="weight × (1 − mastery).")
    responses = serializers.IntegerField()
    lessons = serializers.ListField(child=serializers.IntegerField(), help_text="Lesson ids.")
    items = serializers.ListField(child=serializers.IntegerField(), help_text="Question ids.")


class PlanOut(serializers.Serializer[Any]):
    curriculum_id = serializers.IntegerField()
    expected_share = serializers.FloatField(help_text="Expected share of the exam's points.")
    responses = serializers.IntegerField()
    categories = PlanCategoryOut(many=True, help_text="Most exam points to win first.")


class PlanApi(APIView):
    @extend_schema(responses=PlanOut)
    def get(self, request: AuthenticatedApiRequest, slug: str) -> Response:
        _candidate(request)
        curriculum = _curriculum(slug)
        plan = plans.study_plan_recommended(candidate=request.user, curriculum=curriculum)
        return Response(PlanOut(plan).data)


class LessonCompleteIn(serializers.Serializer[Any]):
    done = serializers.BooleanField(default=True)


class LessonProgressOut(serializers.Serializer[Any]):
    lesson = serializers.IntegerField(source="lesson_id")
    seconds = serializers.IntegerField()
    completed_at = serializers.DateTimeField(allow_null=True)


class LessonCompleteApi(APIView):
    @extend_schema(request=LessonCompleteIn, responses=LessonProgressOut)
    def post(self, request: AuthenticatedApiRequest, lesson_id: int) -> Response:
        data = LessonCompleteIn(data=request.data)
        data.is_valid(raise_exception=True)
        progress = learning.lesson_complete(
            candidate=request.user, lesson_id=lesson_id, done=data.validated_data["done"]
        )
        return Response(LessonProgressOut(progress).data)


class LessonHeartbeatApi(APIView):
    """Sent every 30 s while a lesson page is visible: study time."""

    @extend_schema(request=None, responses=LessonProgressOut)
    def post(self, request: AuthenticatedApiRequest, lesson_id: int) -> Response:
        progress = learning.lesson_heartbeat(candidate=request.user, lesson_id=lesson_id)
        return Response(LessonProgressOut(progress).data)


class ReviewOut(serializers.Serializer[Any]):
    id = serializers.IntegerField(source="card.pk")
    due_at = serializers.DateTimeField(source="card.due_at")
    item = serializers.JSONField(help_text="The item as in an attempt: no key, no feedback.")


class ReviewsApi(APIView):
    @extend_schema(responses=ReviewOut(many=True))
    def get(self, request: AuthenticatedApiRequest) -> Response:
        _candidate(request)
        due = learning.reviews_due_shown(candidate=request.user)
        return Response(ReviewOut(due, many=True).data)


class ReviewAnswerIn(serializers.Serializer[Any]):
    response = serializers.JSONField(help_text="As an answer in an attempt (docs/items.md).")


class ReviewOutcomeOut(serializers.Serializer[Any]):
    fraction = serializers.FloatField(allow_null=True)
    feedback_html = serializers.CharField()
    due_at = serializers.DateTimeField(help_text="When the item comes back.")


class ReviewAnswerApi(APIView):
    @extend_schema(request=ReviewAnswerIn, responses=ReviewOutcomeOut)
    def post(self, request: AuthenticatedApiRequest, card_id: int) -> Response:
        data = ReviewAnswerIn(data=request.data)
        data.is_valid(raise_exception=True)
        outcome = learning.review_answer(
            candidate=request.user, card_id=card_id, response=data.validated_data["response"]
        )
        return Response(ReviewOutcomeOut(outcome).data)


class ProjectOut(serializers.Serializer[Any]):
    slug = serializers.SlugField(source="task.slug")
    title = serializers.CharField(source="task.title")
    metric = serializers.CharField(source="task.metric")
    higher_is_better = serializers.BooleanField()
    frameworks = serializers.ListField(
        child=serializers.CharField(),
        source="task.frameworks",
        help_text="The frameworks a run may choose, the default first.",
    )
    pass_threshold = serializers.FloatField(
        source="task.pass_threshold", help_text="The exam's pass mark (on the hidden set)."
    )
    runs = serializers.IntegerField(help_text="The candidate's project runs of the task.")
    runs_today = serializers.IntegerField(help_text="Runs today that count against the quota.")
    runs_per_day = serializers.SerializerMethodField()
    best_dev_score = serializers.FloatField(allow_null=True)

    def get_runs_per_day(self, summary: ProjectSummary) -> int:
        return projects.project_runs_per_day()


class ProjectRunIn(serializers.Serializer[Any]):
    file = serializers.FileField(help_text="solution.py (docs/practical.md).")
    framework = serializers.ChoiceField(
        choices=Framework.choices,
        required=False,
        help_text='Only a task whose framework is "any" offers both; omitted: the '
        "task's default. A framework the task does not offer is refused "
        "(400, invalid_submission).",
    )


class ProjectRunOut(serializers.ModelSerializer[Submission]):
    """A project run as its candidate sees it: the dev-set score only (a project run
    is never scored on the hidden set) and never the predict stage's output."""

    id = serializers.UUIDField(source="public_id")
    task = serializers.CharField(source="task.slug")
    message = serializers.CharField(
        source="message_text",
        help_text="The grading message in the request's language (Accept-Language or the "
        "language cookie); empty while there is none. Rows graded before message codes "
        "existed carry their stored text, as it was written.",
    )
    message_code = serializers.CharField(
        help_text="The message's stable code (e.g. stage_timeout, infra_retry, "
        "graded_passed; see grading/messages.py), for clients that word it themselves; "
        "empty for no message and for rows graded before codes existed.",
    )

    class Meta:
        model = Submission
        fields = [
            "id",
            "task",
            "framework",
            "state",
            "stage",
            "verdict",
            "message",
            "message_code",
            "dev_score",
            "stages",
            "train_log",
            "created_at",
            "finished_at",
        ]


class ProjectsApi(APIView):
    @extend_schema(responses=ProjectOut(many=True))
    def get(self, request: AuthenticatedApiRequest) -> Response:
        _candidate(request)
        summaries = projects.projects_for_candidate(candidate=request.user)
        return Response(ProjectOut(summaries, many=True).data)


class ProjectRunsApi(APIView):
    parser_classes = [MultiPartParser]
    throttle_scope = "upload"

    @extend_schema(responses=ProjectRunOut(many=True))
    def get(self, request: AuthenticatedApiRequest, slug: str) -> Response:
        _candidate(request)
        task = projects.project_get_for_candidate(candidate=request.user, slug=slug)
        runs = projects.project_runs(candidate=request.user, task=task)
        return Response(ProjectRunOut(runs, many=True).data)

    @extend_schema(
        request={"multipart/form-data": ProjectRunIn},
        responses={201: ProjectRunOut},
        description="Queues a run of the solution on the task's public dev set (the "
        "same CPU/GPU queues as exam submissions). 404 when the task is not one of the "
        "candidate's projects, 400 (invalid_submission) for a missing or bad file, 409 "
        "(conflict) when today's PROJECT_RUNS_PER_DAY runs of the task are used.",
    )
    def post(self, request: AuthenticatedApiRequest, slug: str) -> Response:
        _candidate(request)
        # partial: a missing file gets the service's own answer (invalid_submission).
        data = ProjectRunIn(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        run = projects.project_run_create(
            candidate=request.user,
            slug=slug,
            upload=request.FILES.get("file"),
            framework=data.validated_data.get("framework"),
        )
        return Response(ProjectRunOut(run).data, status=status.HTTP_201_CREATED)


class ProjectRunApi(APIView):
    @extend_schema(responses=ProjectRunOut)
    def get(self, request: AuthenticatedApiRequest, run_id: str) -> Response:
        run = projects.project_run_get_for_candidate(candidate=request.user, run_id=run_id)
        return Response(ProjectRunOut(run).data)
