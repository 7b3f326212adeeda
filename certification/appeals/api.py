"""REST API of appeals: a candidate files one, the committee lists and decides them."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from certification.appeals import selectors
from certification.appeals import services as appeals
from certification.models import Appeal, BlueprintComponent
from core.api import AuthenticatedApiRequest
from core.errors import NotFound
from core.roles import Role, has_role


class AppealIn(serializers.Serializer[Any]):
    grounds = serializers.CharField(max_length=5000)
    components = serializers.ListField(
        child=serializers.ChoiceField(choices=BlueprintComponent.Kind.choices), min_length=1
    )


class AppealOut(serializers.ModelSerializer[Appeal]):
    class Meta:
        model = Appeal
        fields = [
            "id",
            "application",
            "decision",
            "grounds",
            "components",
            "state",
            "filed_at",
            "decided_at",
            "rationale",
            "rescoring",
        ]


class AppealDecisionIn(serializers.Serializer[Any]):
    grant = serializers.BooleanField()
    rationale = serializers.CharField(max_length=5000)


class CandidateAppealApi(APIView):
    @extend_schema(request=AppealIn, responses={201: AppealOut})
    def post(self, request: AuthenticatedApiRequest, application_id: int) -> Response:
        if not has_role(request.user, Role.CANDIDATE):
            raise NotFound("Not found.")
        data = AppealIn(data=request.data)
        data.is_valid(raise_exception=True)
        appeal = appeals.appeal_file(
            candidate=request.user, application_id=application_id, **data.validated_data
        )
        return Response(AppealOut(appeal).data, status=status.HTTP_201_CREATED)


class AppealQueueApi(APIView):
    @extend_schema(responses=AppealOut(many=True))
    def get(self, request: AuthenticatedApiRequest) -> Response:
        return Response(
            AppealOut(selectors.appeals_for_committee(reviewer=request.user), many=True).data
        )


class AppealDecideApi(APIView):
    @extend_schema(request=AppealDecisionIn, responses=AppealOut)
    def post(self, request: AuthenticatedApiRequest, appeal_id: int) -> Response:
        if not has_role(request.user, Role.COMMITTEE):
            raise NotFound("Not found.")
        data = AppealDecisionIn(data=request.data)
        data.is_valid(raise_exception=True)
        appeal = appeals.appeal_decide(
            appeal_id=appeal_id, decided_by=request.user, **data.validated_data
        )
        return Response(AppealOut(appeal).data)
