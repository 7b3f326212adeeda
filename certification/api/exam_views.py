"""API of the exam engine beyond the candidate's thin path: practice feedback,
sample tests for programming items, the examiners' manual grading queue, and the
committee's regrade and accommodations."""

from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from certification import selectors
from certification.api import serializers as s
from certification.models import AttemptItem, Exam
from certification.roles import Role, has_role
from certification.services import accommodations, exams, manual
from config.errors import NotFound
from grading.programming import ProgrammingInfrastructureError, programming_samples


def _require(user: Any, role: Role) -> None:
    if not has_role(user, role):
        raise NotFound("Not found.")


class PracticeCheckApi(APIView):
    @extend_schema(request=None, responses=s.PracticeFeedbackOut)
    def post(self, request: Request, attempt_id: str, item_id: int) -> Response:
        attempt = selectors.attempt_get_for_candidate(candidate=request.user, public_id=attempt_id)
        result = exams.practice_check(attempt=attempt, item_id=item_id)
        return Response(s.PracticeFeedbackOut(result).data)


class ProgrammingSamplesApi(APIView):
    """Runs the candidate's saved code against the item's visible sample tests."""

    @extend_schema(request=None, responses=s.ProgrammingRunOut)
    def post(self, request: Request, attempt_id: str, item_id: int) -> Response:
        attempt = selectors.attempt_get_for_candidate(candidate=request.user, public_id=attempt_id)
        item = (
            AttemptItem.objects.select_related("version", "answer")
            .filter(pk=item_id, attempt=attempt, version__kind="programming")
            .first()
        )
        if item is None or attempt.state not in attempt.ACTIVE_STATES:
            raise NotFound("Not found.")
        answer = getattr(item, "answer", None)
        code = answer.response["code"] if answer else item.version.data.get("starter", "")
        try:
            result = programming_samples(version=item.version, code=code)
        except ProgrammingInfrastructureError:
            return Response(
                {
                    "error": {
                        "code": "sandbox_unavailable",
                        "message": "评测环境暂时不可用，请稍后再试 / Try again shortly.",
                    }
                },
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
            )
        return Response(s.ProgrammingRunOut(result).data)


class ManualQueueApi(APIView):
    @extend_schema(responses=s.ManualItemOut(many=True))
    def get(self, request: Request) -> Response:
        return Response(s.ManualItemOut(manual.manual_queue(examiner=request.user), many=True).data)


class ManualGradeApi(APIView):
    @extend_schema(request=s.ManualGradeIn, responses={201: s.ManualGradeOut})
    def post(self, request: Request, item_id: int) -> Response:
        _require(request.user, Role.EXAMINER)
        data = s.ManualGradeIn(data=request.data)
        data.is_valid(raise_exception=True)
        grade = manual.manual_grade(examiner=request.user, item_id=item_id, **data.validated_data)
        return Response(s.ManualGradeOut(grade).data, status=status.HTTP_201_CREATED)


class ExamRegradeApi(APIView):
    @extend_schema(request=s.RegradeIn, responses=s.RegradeChangeOut(many=True))
    def post(self, request: Request, exam_id: int) -> Response:
        _require(request.user, Role.COMMITTEE)
        exam = Exam.objects.filter(pk=exam_id).first()
        if exam is None:
            raise NotFound("Not found.")
        data = s.RegradeIn(data=request.data)
        data.is_valid(raise_exception=True)
        changes = exams.exam_regrade(
            exam=exam, dry_run=data.validated_data["dry_run"], by=request.user
        )
        return Response(s.RegradeChangeOut(changes, many=True).data)


class AccommodationApi(APIView):
    @extend_schema(request=s.AccommodationIn, responses={201: None})
    def post(self, request: Request) -> Response:
        _require(request.user, Role.COMMITTEE)
        data = s.AccommodationIn(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        candidate = get_user_model().objects.filter(username=fields.pop("candidate")).first()
        exam_id = fields.pop("exam", None)
        exam = Exam.objects.filter(pk=exam_id).first() if exam_id else None
        if candidate is None or (exam_id and exam is None):
            raise NotFound("Not found.")
        granted = accommodations.accommodation_grant(
            candidate=candidate, exam=exam, granted_by=request.user, **fields
        )
        return Response(
            {"id": granted.pk, "extra_minutes": granted.extra_minutes},
            status=status.HTTP_201_CREATED,
        )
