"""REST API of live sessions: the list (a candidate: sessions of their curricula and
their registrations; an instructor: their own; the committee: all), registering and
unregistering, the calendar file, and the attendance sheet for the instructor."""

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import serializers, status
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from certification.models import LiveSession, SessionRegistration
from certification.sessions import selectors
from certification.sessions import services as sessions
from certification.sessions.ics import calendar_response
from certification.sessions.selectors import CandidateSession
from certification.sessions.times import in_zone
from core.api import AuthenticatedApiRequest
from core.roles import Role, has_role


def _is_staff(request: AuthenticatedApiRequest) -> bool:
    return has_role(request.user, Role.INSTRUCTOR) or has_role(request.user, Role.COMMITTEE)


class SessionOut(serializers.ModelSerializer[LiveSession]):
    curriculum = serializers.SlugField(source="curriculum.slug")
    starts_local = serializers.SerializerMethodField(
        help_text="The start in the session's time zone, with its offset."
    )
    ends_at = serializers.DateTimeField()
    registered = serializers.IntegerField(help_text="Active registrations.")

    class Meta:
        model = LiveSession
        fields = [
            "id",
            "curriculum",
            "lesson",
            "title",
            "description",
            "starts_at",
            "ends_at",
            "starts_local",
            "time_zone",
            "duration_minutes",
            "capacity",
            "registered",
            "room",
            "cancelled_at",
        ]

    def get_starts_local(self, session: LiveSession) -> str:
        return in_zone(session.starts_at, session.time_zone).isoformat()


class StaffSessionOut(SessionOut):
    instructor = serializers.CharField(source="instructor.username")

    class Meta(SessionOut.Meta):
        fields = [*SessionOut.Meta.fields, "online_url", "instructor"]


class RegistrationOut(serializers.ModelSerializer[SessionRegistration]):
    class Meta:
        model = SessionRegistration
        fields = ["id", "session", "registered_at", "reminded_at", "attended"]


class CandidateSessionOut(serializers.Serializer[Any]):
    session = SessionOut()
    registration = RegistrationOut(allow_null=True)
    seats_left = serializers.IntegerField()
    online_url = serializers.SerializerMethodField(help_text="Shown once registered.")

    def get_online_url(self, entry: CandidateSession) -> str:
        return entry.session.online_url if entry.registration else ""


class SessionsApi(APIView):
    @extend_schema(
        responses=PolymorphicProxySerializer(
            component_name="SessionList",
            serializers=[CandidateSessionOut, StaffSessionOut],
            resource_type_field_name=None,
            many=True,
        ),
        description="Candidates: sessions not yet over, of their curricula or registered "
        "for (CandidateSessionOut). Instructors and the committee get their sessions "
        "(StaffSessionOut).",
    )
    def get(self, request: AuthenticatedApiRequest) -> Response:
        if _is_staff(request):
            rows = selectors.sessions_for_staff(user=request.user)
            return Response(StaffSessionOut(rows, many=True).data)
        found = selectors.sessions_for_candidate(candidate=request.user)
        return Response(CandidateSessionOut(found.upcoming, many=True).data)


class RegistrationApi(APIView):
    @extend_schema(request=None, responses=RegistrationOut)
    def put(self, request: AuthenticatedApiRequest, session_id: int) -> Response:
        """Registers (idempotent: registering twice returns the same registration)."""
        registration = sessions.registration_create(candidate=request.user, session_id=session_id)
        return Response(RegistrationOut(registration).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: AuthenticatedApiRequest, session_id: int) -> Response:
        """Unregisters (idempotent)."""
        sessions.registration_cancel(candidate=request.user, session_id=session_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CalendarRenderer(BaseRenderer):
    """Lets a client ask for ``text/calendar``; an error is still JSON."""

    media_type = "text/calendar"
    format = "ics"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None
    ) -> Any:
        return JSONRenderer().render(data)


class CalendarApi(APIView):
    renderer_classes = [JSONRenderer, CalendarRenderer]

    @extend_schema(responses={(200, "text/calendar"): OpenApiTypes.STR})
    def get(self, request: AuthenticatedApiRequest, session_id: int) -> HttpResponse:
        session, with_link = selectors.session_for_calendar(
            user=request.user, session_id=session_id
        )
        return calendar_response(session, with_link=with_link)


class AttendanceRowOut(serializers.ModelSerializer[SessionRegistration]):
    candidate = serializers.CharField(source="candidate.username")
    marked_by = serializers.CharField(source="marked_by.username", allow_null=True)

    class Meta:
        model = SessionRegistration
        fields = ["id", "candidate", "registered_at", "attended", "marked_by", "marked_at"]


class AttendanceMarkIn(serializers.Serializer[Any]):
    registration = serializers.IntegerField()
    attended = serializers.BooleanField(allow_null=True)


class AttendanceIn(serializers.Serializer[Any]):
    marks = AttendanceMarkIn(many=True)


class AttendanceApi(APIView):
    @extend_schema(responses=AttendanceRowOut(many=True))
    def get(self, request: AuthenticatedApiRequest, session_id: int) -> Response:
        session = selectors.session_get_for_staff(user=request.user, session_id=session_id)
        rows = selectors.session_registrations(session=session)
        return Response(AttendanceRowOut(rows, many=True).data)

    @extend_schema(request=AttendanceIn, responses=AttendanceRowOut(many=True))
    def post(self, request: AuthenticatedApiRequest, session_id: int) -> Response:
        session = selectors.session_get_for_staff(user=request.user, session_id=session_id)
        data = AttendanceIn(data=request.data)
        data.is_valid(raise_exception=True)
        marks = {m["registration"]: m["attended"] for m in data.validated_data["marks"]}
        sessions.attendance_mark(actor=request.user, session_id=session.pk, marks=marks)
        rows = selectors.session_registrations(session=session)
        return Response(AttendanceRowOut(rows, many=True).data)
