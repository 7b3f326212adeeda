"""REST API of interviews: slots and booking, examiners' assignments and ratings,
rater agreement."""

from typing import Any

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from certification.interviews import agreement, selectors
from certification.interviews import services as interviews
from certification.models import Certification, Interview, InterviewSlot
from core.api import AuthenticatedApiRequest
from core.errors import NotFound
from core.roles import Role, has_role


class SlotIn(serializers.Serializer[Any]):
    certification = serializers.SlugField()
    starts_at = serializers.DateTimeField()
    duration_minutes = serializers.IntegerField(min_value=1, default=30)
    location = serializers.CharField(required=False, default="", allow_blank=True)
    first_examiner = serializers.IntegerField()
    second_examiner = serializers.IntegerField()


class SlotOut(serializers.ModelSerializer[InterviewSlot]):
    class Meta:
        model = InterviewSlot
        fields = ["id", "starts_at", "duration_minutes", "location"]


class InterviewOut(serializers.ModelSerializer[Interview]):
    """What a candidate or an examiner sees of a booking: never a rating."""

    slot = SlotOut()
    certification = serializers.CharField(source="application.certification.slug")

    class Meta:
        model = Interview
        fields = ["id", "state", "slot", "certification", "reschedule_count"]


class BookIn(serializers.Serializer[Any]):
    slot = serializers.IntegerField()


class RatingIn(serializers.Serializer[Any]):
    levels = serializers.DictField(child=serializers.CharField())
    comment = serializers.CharField(required=False, default="", allow_blank=True, max_length=5000)


class RatingOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    role = serializers.CharField()
    percent = serializers.DecimalField(max_digits=5, decimal_places=2)


class AgreementOut(serializers.Serializer[Any]):
    first = serializers.CharField(source="first.username")
    second = serializers.CharField(source="second.username")
    interviews = serializers.IntegerField()
    criterion_pairs = serializers.IntegerField()
    kappa_linear = serializers.FloatField(allow_null=True)
    kappa_quadratic = serializers.FloatField(allow_null=True)
    icc_2_1 = serializers.FloatField(allow_null=True)
    icc_3_1 = serializers.FloatField(allow_null=True)


class InterviewSlotsApi(APIView):
    @extend_schema(responses=SlotOut(many=True))
    def get(self, request: AuthenticatedApiRequest, application_id: int) -> Response:
        if not has_role(request.user, Role.CANDIDATE):
            raise NotFound("Not found.")
        slots = selectors.interview_slots_open(
            candidate=request.user, application_id=application_id
        )
        return Response(SlotOut(slots, many=True).data)


class InterviewBookApi(APIView):
    """Books a slot, or moves the current booking to it (rescheduling rules apply)."""

    @extend_schema(request=BookIn, responses={201: InterviewOut})
    def post(self, request: AuthenticatedApiRequest, application_id: int) -> Response:
        if not has_role(request.user, Role.CANDIDATE):
            raise NotFound("Not found.")
        data = BookIn(data=request.data)
        data.is_valid(raise_exception=True)
        slot_id = data.validated_data["slot"]
        current = selectors.interview_for_candidate(
            candidate=request.user, application_id=application_id
        )
        if current is None:
            interview = interviews.interview_book(
                candidate=request.user, application_id=application_id, slot_id=slot_id
            )
        else:
            interview = interviews.interview_reschedule(
                candidate=request.user, application_id=application_id, slot_id=slot_id
            )
        return Response(InterviewOut(interview).data, status=status.HTTP_201_CREATED)


class ExaminerInterviewsApi(APIView):
    @extend_schema(responses=InterviewOut(many=True))
    def get(self, request: AuthenticatedApiRequest) -> Response:
        queue = selectors.interviews_for_examiner(examiner=request.user)
        return Response(InterviewOut(queue, many=True).data)


class InterviewRateApi(APIView):
    @extend_schema(request=RatingIn, responses={201: RatingOut})
    def post(self, request: AuthenticatedApiRequest, interview_id: int) -> Response:
        selectors.interview_get_for_examiner(examiner=request.user, interview_id=interview_id)
        data = RatingIn(data=request.data)
        data.is_valid(raise_exception=True)
        rating = interviews.interview_rate(
            examiner=request.user, interview_id=interview_id, **data.validated_data
        )
        return Response(RatingOut(rating).data, status=status.HTTP_201_CREATED)


class InterviewSlotCreateApi(APIView):
    @extend_schema(request=SlotIn, responses={201: SlotOut})
    def post(self, request: AuthenticatedApiRequest) -> Response:
        if not has_role(request.user, Role.COMMITTEE):
            raise NotFound("Not found.")
        data = SlotIn(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        users = get_user_model().objects
        slot = interviews.interview_slot_create(
            certification=get_object_or_404(Certification, slug=fields.pop("certification")),
            first_examiner=get_object_or_404(users, pk=fields.pop("first_examiner")),
            second_examiner=get_object_or_404(users, pk=fields.pop("second_examiner")),
            created_by=request.user,
            **fields,
        )
        return Response(SlotOut(slot).data, status=status.HTTP_201_CREATED)


class RaterAgreementApi(APIView):
    @extend_schema(responses=AgreementOut(many=True))
    def get(self, request: AuthenticatedApiRequest) -> Response:
        rows = agreement.rater_agreement(viewer=request.user)
        return Response(AgreementOut(rows, many=True).data)
