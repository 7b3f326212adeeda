"""REST API of results: a candidate's result, the committee's results and decisions,
blueprints and Angoff studies."""

from decimal import Decimal
from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from certification.models import Blueprint, BlueprintComponent, Certification, Decision
from certification.results import services as decisions
from certification.results.angoff import angoff_estimates_save, angoff_study_get, angoff_summary
from certification.results.blueprints import ComponentSpec, blueprint_create, blueprint_publish
from certification.results.selectors import (
    blueprints_for_committee,
    result_for_candidate,
    result_get_for_committee,
    results_for_committee,
)
from core.api import AuthenticatedApiRequest
from core.errors import NotFound
from core.roles import Role, has_role


class ResultOut(serializers.Serializer[Any]):
    application = serializers.IntegerField(source="application.id")
    candidate = serializers.CharField(source="application.full_name")
    certification = serializers.CharField(source="application.certification.slug")
    written_percent = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    practical_percent = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    composite = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    passed = serializers.BooleanField(allow_null=True)
    complete = serializers.BooleanField()


class ResultListApi(APIView):
    @extend_schema(responses=ResultOut(many=True))
    def get(self, request: AuthenticatedApiRequest) -> Response:
        results = results_for_committee(reviewer=request.user)
        return Response(ResultOut(results, many=True).data)


class ComponentOut(serializers.Serializer[Any]):
    kind = serializers.CharField()
    name = serializers.CharField(source="label")
    weight = serializers.DecimalField(max_digits=4, decimal_places=3)
    minimum = serializers.DecimalField(max_digits=5, decimal_places=2)
    percent = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    below_minimum = serializers.BooleanField()
    feedback = serializers.ListField(child=serializers.CharField())
    note = serializers.CharField()


class DecisionOut(serializers.ModelSerializer[Decision]):
    blueprint = serializers.IntegerField(source="blueprint.version")

    class Meta:
        model = Decision
        fields = ["id", "outcome", "rationale", "blueprint", "decided_at", "set_aside_at"]


class ResultDetailOut(serializers.Serializer[Any]):
    application = serializers.IntegerField(source="application.id")
    certification = serializers.CharField(source="application.certification.slug")
    blueprint = serializers.IntegerField(source="blueprint.version", allow_null=True)
    cut_score = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    state = serializers.CharField()
    composite = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    passed = serializers.BooleanField(allow_null=True)
    adjudication_needed = serializers.BooleanField()
    components = ComponentOut(many=True)
    decision = DecisionOut(allow_null=True)


class DecisionIn(serializers.Serializer[Any]):
    outcome = serializers.ChoiceField(choices=Decision.Outcome.choices)
    rationale = serializers.CharField(max_length=5000)


class ComponentIn(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=BlueprintComponent.Kind.choices)
    weight = serializers.DecimalField(max_digits=4, decimal_places=3)
    minimum = serializers.DecimalField(max_digits=5, decimal_places=2, default=Decimal(0))
    rubric = serializers.IntegerField(required=False, allow_null=True)


class BlueprintIn(serializers.Serializer[Any]):
    certification = serializers.SlugField()
    cut_score = serializers.DecimalField(max_digits=5, decimal_places=2)
    borderline_margin = serializers.DecimalField(max_digits=5, decimal_places=2, default=Decimal(2))
    rater_threshold = serializers.DecimalField(max_digits=5, decimal_places=2, default=Decimal(15))
    appeal_window_days = serializers.IntegerField(min_value=0, default=14)
    components = ComponentIn(many=True)
    note = serializers.CharField(required=False, default="", allow_blank=True)
    publish = serializers.BooleanField(default=False)


class BlueprintComponentOut(serializers.ModelSerializer[BlueprintComponent]):
    class Meta:
        model = BlueprintComponent
        fields = ["kind", "weight", "minimum", "rubric"]


class BlueprintOut(serializers.ModelSerializer[Blueprint]):
    certification = serializers.CharField(source="certification.slug")
    components = BlueprintComponentOut(many=True)

    class Meta:
        model = Blueprint
        fields = [
            "id",
            "certification",
            "version",
            "cut_score",
            "borderline_margin",
            "rater_threshold",
            "appeal_window_days",
            "components",
            "note",
            "created_at",
            "published_at",
        ]


class AngoffEstimatesIn(serializers.Serializer[Any]):
    estimates = serializers.DictField(
        child=serializers.DecimalField(max_digits=4, decimal_places=3, min_value=0, max_value=1)
    )


class AngoffRoundOut(serializers.Serializer[Any]):
    round = serializers.IntegerField()
    judges = serializers.IntegerField(source="cut.judges")
    cut_points = serializers.DecimalField(
        source="cut.cut_points", max_digits=8, decimal_places=2, allow_null=True
    )
    cut_percent = serializers.DecimalField(
        source="cut.cut_percent", max_digits=5, decimal_places=2, allow_null=True
    )
    standard_error_percent = serializers.DecimalField(
        source="cut.standard_error_percent", max_digits=5, decimal_places=2, allow_null=True
    )
    graded_attempts = serializers.IntegerField()
    would_pass = serializers.IntegerField()


class CandidateResultApi(APIView):
    @extend_schema(responses=ResultDetailOut)
    def get(self, request: AuthenticatedApiRequest, application_id: int) -> Response:
        if not has_role(request.user, Role.CANDIDATE):
            raise NotFound("Not found.")
        result = result_for_candidate(candidate=request.user, application_id=application_id)
        return Response(ResultDetailOut(result).data)


class AngoffStudyApi(APIView):
    """A study's rounds for its judges (committee members and examiners)."""

    @extend_schema(responses=AngoffRoundOut(many=True))
    def get(self, request: AuthenticatedApiRequest, study_id: int) -> Response:
        study = angoff_study_get(viewer=request.user, study_id=study_id)
        return Response(AngoffRoundOut(angoff_summary(study=study), many=True).data)


class AngoffEstimatesApi(APIView):
    @extend_schema(request=AngoffEstimatesIn, responses={200: AngoffRoundOut(many=True)})
    def post(self, request: AuthenticatedApiRequest, study_id: int) -> Response:
        study = angoff_study_get(viewer=request.user, study_id=study_id)
        data = AngoffEstimatesIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            estimates = {int(k): v for k, v in data.validated_data["estimates"].items()}
        except ValueError as exc:
            raise serializers.ValidationError({"estimates": "keys are question ids"}) from exc
        angoff_estimates_save(study_id=study.pk, judge=request.user, estimates=estimates)
        return Response(AngoffRoundOut(angoff_summary(study=study), many=True).data)


class CommitteeResultApi(APIView):
    @extend_schema(responses=ResultDetailOut)
    def get(self, request: AuthenticatedApiRequest, application_id: int) -> Response:
        result = result_get_for_committee(reviewer=request.user, application_id=application_id)
        return Response(ResultDetailOut(result).data)


class DecisionRecordApi(APIView):
    @extend_schema(request=DecisionIn, responses={201: DecisionOut})
    def post(self, request: AuthenticatedApiRequest, application_id: int) -> Response:
        if not has_role(request.user, Role.COMMITTEE):
            raise NotFound("Not found.")
        data = DecisionIn(data=request.data)
        data.is_valid(raise_exception=True)
        decision = decisions.decision_record(
            application_id=application_id, decided_by=request.user, **data.validated_data
        )
        return Response(DecisionOut(decision).data, status=status.HTTP_201_CREATED)


class BlueprintListCreateApi(APIView):
    @extend_schema(responses=BlueprintOut(many=True))
    def get(self, request: AuthenticatedApiRequest) -> Response:
        rows = blueprints_for_committee(viewer=request.user)
        return Response(BlueprintOut(rows, many=True).data)

    @extend_schema(request=BlueprintIn, responses={201: BlueprintOut})
    def post(self, request: AuthenticatedApiRequest) -> Response:
        if not has_role(request.user, Role.COMMITTEE):
            raise NotFound("Not found.")
        data = BlueprintIn(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        certification = get_object_or_404(Certification, slug=fields.pop("certification"))
        components = [
            ComponentSpec(
                kind=c["kind"], weight=c["weight"], minimum=c["minimum"], rubric_id=c.get("rubric")
            )
            for c in fields.pop("components")
        ]
        blueprint = blueprint_create(
            certification=certification, created_by=request.user, components=components, **fields
        )
        return Response(BlueprintOut(blueprint).data, status=status.HTTP_201_CREATED)


class BlueprintPublishApi(APIView):
    @extend_schema(request=None, responses=BlueprintOut)
    def post(self, request: AuthenticatedApiRequest, blueprint_id: int) -> Response:
        blueprint = blueprint_publish(blueprint_id=blueprint_id, actor=request.user)
        return Response(BlueprintOut(blueprint).data)
