"""REST API of the learning journey, for the candidate: enrolments, progress, the study
plan, lesson time and completion, and the reviews of missed items."""

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from certification.learning import plan as plans
from certification.learning import selectors
from certification.learning import services as learning
from certification.learning.selectors import CurriculumProgress
from core.api import AuthenticatedApiRequest
from core.errors import NotFound
from core.roles import Role, has_role
from training.models import Curriculum


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
