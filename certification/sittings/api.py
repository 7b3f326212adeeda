"""REST API of sittings: a candidate's open sittings and booking (book, move,
cancel); instructors and the committee open sittings on an exam."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from certification.models import ExamSitting, SittingBooking
from certification.sittings import selectors
from certification.sittings import services as sittings
from core.api import AuthenticatedApiRequest


class SittingOut(serializers.ModelSerializer[ExamSitting]):
    seats_left = serializers.IntegerField(required=False)

    class Meta:
        model = ExamSitting
        fields = [
            "id",
            "starts_at",
            "ends_at",
            "capacity",
            "location",
            "cutoff_hours",
            "seats_left",
        ]


class SittingBookingOut(serializers.ModelSerializer[SittingBooking]):
    sitting = SittingOut()

    class Meta:
        model = SittingBooking
        fields = ["id", "state", "sitting", "booked_at"]


class CandidateSittingsOut(serializers.Serializer[Any]):
    booking = SittingBookingOut(allow_null=True)
    sittings = SittingOut(many=True)


class SittingBookIn(serializers.Serializer[Any]):
    sitting = serializers.IntegerField()


class SittingIn(serializers.Serializer[Any]):
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    capacity = serializers.IntegerField()
    location = serializers.CharField(required=False, default="", allow_blank=True, max_length=200)
    cutoff_hours = serializers.IntegerField(required=False, default=24)


class CandidateSittingsApi(APIView):
    """The candidate's booking for the certification's written exam and the sittings
    open for booking."""

    @extend_schema(responses=CandidateSittingsOut)
    def get(self, request: AuthenticatedApiRequest, slug: str) -> Response:
        exam = selectors.sitting_exam_for_candidate(candidate=request.user, slug=slug)
        booking = selectors.sitting_booking_for_candidate(candidate=request.user, exam=exam)
        return Response(
            CandidateSittingsOut(
                {"booking": booking, "sittings": selectors.sittings_open(exam=exam)}
            ).data
        )


class SittingBookingApi(APIView):
    """Books a seat (or moves the booking there); DELETE gives the seat back."""

    @extend_schema(request=SittingBookIn, responses={201: SittingBookingOut})
    def post(self, request: AuthenticatedApiRequest, slug: str) -> Response:
        data = SittingBookIn(data=request.data)
        data.is_valid(raise_exception=True)
        booking = sittings.sitting_book(
            candidate=request.user, slug=slug, sitting_id=data.validated_data["sitting"]
        )
        return Response(SittingBookingOut(booking).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: AuthenticatedApiRequest, slug: str) -> Response:
        sittings.sitting_cancel(candidate=request.user, slug=slug)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ExamSittingCreateApi(APIView):
    @extend_schema(request=SittingIn, responses={201: SittingOut})
    def post(self, request: AuthenticatedApiRequest, exam_id: int) -> Response:
        selectors.exam_get_for_staff(user=request.user, exam_id=exam_id)
        data = SittingIn(data=request.data)
        data.is_valid(raise_exception=True)
        sitting = sittings.sitting_create(
            created_by=request.user, exam_id=exam_id, **data.validated_data
        )
        return Response(SittingOut(sitting).data, status=status.HTTP_201_CREATED)
