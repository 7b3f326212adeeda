"""REST API of mentoring: threads for a candidate and their mentor, a mentor's mentees,
and the committee's assignments."""

from typing import Any

from django.contrib.auth.models import User
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from certification.mentoring import selectors
from certification.mentoring import services as mentoring
from certification.models import MentorMessage, Mentorship, MentorThread
from core.api import AuthenticatedApiRequest
from core.errors import NotFound
from core.roles import Role, has_role


def _mentoring_role(request: AuthenticatedApiRequest) -> None:
    if not (has_role(request.user, Role.CANDIDATE) or has_role(request.user, Role.INSTRUCTOR)):
        raise NotFound("Not found.")


class MessageOut(serializers.ModelSerializer[MentorMessage]):
    author = serializers.CharField(source="author.username")

    class Meta:
        model = MentorMessage
        fields = ["id", "author", "body", "created_at"]


class ThreadOut(serializers.ModelSerializer[MentorThread]):
    candidate = serializers.CharField(source="candidate.username")
    mentor = serializers.CharField(source="mentor.username")

    class Meta:
        model = MentorThread
        fields = [
            "id",
            "candidate",
            "mentor",
            "subject",
            "lesson",
            "task",
            "created_at",
            "last_message_at",
            "awaiting_mentor",
        ]


class ThreadDetailOut(ThreadOut):
    messages = MessageOut(many=True)

    class Meta(ThreadOut.Meta):
        fields = [*ThreadOut.Meta.fields, "messages"]


class ThreadIn(serializers.Serializer[Any]):
    subject = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=mentoring.MAX_BODY)
    lesson = serializers.IntegerField(required=False, allow_null=True)
    task = serializers.IntegerField(required=False, allow_null=True)


class ThreadsApi(APIView):
    @extend_schema(responses=ThreadOut(many=True))
    def get(self, request: AuthenticatedApiRequest) -> Response:
        _mentoring_role(request)
        return Response(ThreadOut(selectors.threads_for(user=request.user), many=True).data)

    @extend_schema(request=ThreadIn, responses={201: ThreadDetailOut})
    def post(self, request: AuthenticatedApiRequest) -> Response:
        data = ThreadIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        thread = mentoring.thread_open(
            candidate=request.user,
            subject=values["subject"],
            body=values["body"],
            lesson_id=values.get("lesson"),
            task_id=values.get("task"),
        )
        return Response(ThreadDetailOut(thread).data, status=status.HTTP_201_CREATED)


class ThreadApi(APIView):
    @extend_schema(responses=ThreadDetailOut)
    def get(self, request: AuthenticatedApiRequest, thread_id: int) -> Response:
        thread = mentoring.thread_for(user=request.user, thread_id=thread_id)
        return Response(ThreadDetailOut(thread).data)


class MessageIn(serializers.Serializer[Any]):
    body = serializers.CharField(max_length=mentoring.MAX_BODY)


class MessagesApi(APIView):
    @extend_schema(request=MessageIn, responses={201: MessageOut})
    def post(self, request: AuthenticatedApiRequest, thread_id: int) -> Response:
        data = MessageIn(data=request.data)
        data.is_valid(raise_exception=True)
        message = mentoring.message_post(
            author=request.user, thread_id=thread_id, body=data.validated_data["body"]
        )
        return Response(MessageOut(message).data, status=status.HTTP_201_CREATED)


class MentorshipOut(serializers.ModelSerializer[Mentorship]):
    candidate = serializers.CharField(source="candidate.username")
    mentor = serializers.CharField(source="mentor.username")

    class Meta:
        model = Mentorship
        fields = ["id", "candidate", "mentor", "assigned_at"]


class MenteesApi(APIView):
    @extend_schema(responses=MentorshipOut(many=True))
    def get(self, request: AuthenticatedApiRequest) -> Response:
        return Response(MentorshipOut(selectors.mentees(mentor=request.user), many=True).data)


class AssignmentIn(serializers.Serializer[Any]):
    candidate = serializers.CharField(help_text="The candidate's username.")
    mentor = serializers.CharField(help_text="The instructor's username.")


class AssignmentsApi(APIView):
    @extend_schema(request=AssignmentIn, responses={201: MentorshipOut})
    def post(self, request: AuthenticatedApiRequest) -> Response:
        if not has_role(request.user, Role.COMMITTEE):
            raise NotFound("Not found.")
        data = AssignmentIn(data=request.data)
        data.is_valid(raise_exception=True)
        people = User.objects.in_bulk(
            [data.validated_data["candidate"], data.validated_data["mentor"]],
            field_name="username",
        )
        candidate = people.get(data.validated_data["candidate"])
        mentor = people.get(data.validated_data["mentor"])
        if candidate is None or mentor is None:
            raise NotFound("Not found.")
        mentorship = mentoring.mentor_assign(
            assigned_by=request.user, candidate=candidate, mentor=mentor
        )
        return Response(MentorshipOut(mentorship).data, status=status.HTTP_201_CREATED)
