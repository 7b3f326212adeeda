"""API of results, decisions, appeals, blueprints, the Angoff tool and interviews
(issue 6). One view per operation with its own input and output shapes; access and
rules live in the services and selectors, errors in the one exception handler."""

from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from certification import selectors
from certification.models import (
    Appeal,
    Blueprint,
    BlueprintComponent,
    Certification,
    Decision,
    Interview,
    InterviewSlot,
)
from certification.roles import Role, has_role
from certification.services import appeals, blueprints, decisions, interviews
from config.errors import NotFound

# --- Shapes ---


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


# --- Candidate ---


class CandidateResultApi(APIView):
    @extend_schema(responses=ResultDetailOut)
    def get(self, request: Request, application_id: int) -> Response:
        if not has_role(request.user, Role.CANDIDATE):
            raise NotFound("Not found.")
        result = selectors.result_for_candidate(
            candidate=request.user, application_id=application_id
        )
        return Response(ResultDetailOut(result).data)


class CandidateAppealApi(APIView):
    @extend_schema(request=AppealIn, responses={201: AppealOut})
    def post(self, request: Request, application_id: int) -> Response:
        if not has_role(request.user, Role.CANDIDATE):
            raise NotFound("Not found.")
        data = AppealIn(data=request.data)
        data.is_valid(raise_exception=True)
        appeal = appeals.appeal_file(
            candidate=request.user, application_id=application_id, **data.validated_data
        )
        return Response(AppealOut(appeal).data, status=status.HTTP_201_CREATED)


class InterviewSlotsApi(APIView):
    @extend_schema(responses=SlotOut(many=True))
    def get(self, request: Request, application_id: int) -> Response:
        if not has_role(request.user, Role.CANDIDATE):
            raise NotFound("Not found.")
        slots = interviews.interview_slots_open(
            candidate=request.user, application_id=application_id
        )
        return Response(SlotOut(slots, many=True).data)


class InterviewBookApi(APIView):
    """Books a slot, or moves the current booking to it (rescheduling rules apply)."""

    @extend_schema(request=BookIn, responses={201: InterviewOut})
    def post(self, request: Request, application_id: int) -> Response:
        if not has_role(request.user, Role.CANDIDATE):
            raise NotFound("Not found.")
        data = BookIn(data=request.data)
        data.is_valid(raise_exception=True)
        slot_id = data.validated_data["slot"]
        current = interviews.interview_for_candidate(
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


# --- Examiner ---


class ExaminerInterviewsApi(APIView):
    @extend_schema(responses=InterviewOut(many=True))
    def get(self, request: Request) -> Response:
        queue = interviews.interviews_for_examiner(examiner=request.user)
        return Response(InterviewOut(queue, many=True).data)


class InterviewRateApi(APIView):
    @extend_schema(request=RatingIn, responses={201: RatingOut})
    def post(self, request: Request, interview_id: int) -> Response:
        interviews.interview_get_for_examiner(examiner=request.user, interview_id=interview_id)
        data = RatingIn(data=request.data)
        data.is_valid(raise_exception=True)
        rating = interviews.interview_rate(
            examiner=request.user, interview_id=interview_id, **data.validated_data
        )
        return Response(RatingOut(rating).data, status=status.HTTP_201_CREATED)


class AngoffStudyApi(APIView):
    """A study's rounds for its judges (committee members and examiners)."""

    @extend_schema(responses=AngoffRoundOut(many=True))
    def get(self, request: Request, study_id: int) -> Response:
        study = blueprints.angoff_study_get(viewer=request.user, study_id=study_id)
        return Response(AngoffRoundOut(blueprints.angoff_summary(study=study), many=True).data)


class AngoffEstimatesApi(APIView):
    @extend_schema(request=AngoffEstimatesIn, responses={200: AngoffRoundOut(many=True)})
    def post(self, request: Request, study_id: int) -> Response:
        study = blueprints.angoff_study_get(viewer=request.user, study_id=study_id)
        data = AngoffEstimatesIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            estimates = {int(k): v for k, v in data.validated_data["estimates"].items()}
        except ValueError as exc:
            raise serializers.ValidationError({"estimates": "keys are question ids"}) from exc
        blueprints.angoff_estimates_save(study_id=study.pk, judge=request.user, estimates=estimates)
        return Response(AngoffRoundOut(blueprints.angoff_summary(study=study), many=True).data)


# --- Committee ---


class CommitteeResultApi(APIView):
    @extend_schema(responses=ResultDetailOut)
    def get(self, request: Request, application_id: int) -> Response:
        result = selectors.result_get_for_committee(
            reviewer=request.user, application_id=application_id
        )
        return Response(ResultDetailOut(result).data)


class DecisionRecordApi(APIView):
    @extend_schema(request=DecisionIn, responses={201: DecisionOut})
    def post(self, request: Request, application_id: int) -> Response:
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
    def get(self, request: Request) -> Response:
        rows = blueprints.blueprints_for_committee(viewer=request.user)
        return Response(BlueprintOut(rows, many=True).data)

    @extend_schema(request=BlueprintIn, responses={201: BlueprintOut})
    def post(self, request: Request) -> Response:
        if not has_role(request.user, Role.COMMITTEE):
            raise NotFound("Not found.")
        data = BlueprintIn(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        certification = get_object_or_404(Certification, slug=fields.pop("certification"))
        components = [
            blueprints.ComponentSpec(
                kind=c["kind"], weight=c["weight"], minimum=c["minimum"], rubric_id=c.get("rubric")
            )
            for c in fields.pop("components")
        ]
        blueprint = blueprints.blueprint_create(
            certification=certification, created_by=request.user, components=components, **fields
        )
        return Response(BlueprintOut(blueprint).data, status=status.HTTP_201_CREATED)


class BlueprintPublishApi(APIView):
    @extend_schema(request=None, responses=BlueprintOut)
    def post(self, request: Request, blueprint_id: int) -> Response:
        blueprint = blueprints.blueprint_publish(blueprint_id=blueprint_id, actor=request.user)
        return Response(BlueprintOut(blueprint).data)


class AppealQueueApi(APIView):
    @extend_schema(responses=AppealOut(many=True))
    def get(self, request: Request) -> Response:
        return Response(
            AppealOut(appeals.appeals_for_committee(reviewer=request.user), many=True).data
        )


class AppealDecideApi(APIView):
    @extend_schema(request=AppealDecisionIn, responses=AppealOut)
    def post(self, request: Request, appeal_id: int) -> Response:
        if not has_role(request.user, Role.COMMITTEE):
            raise NotFound("Not found.")
        data = AppealDecisionIn(data=request.data)
        data.is_valid(raise_exception=True)
        appeal = appeals.appeal_decide(
            appeal_id=appeal_id, decided_by=request.user, **data.validated_data
        )
        return Response(AppealOut(appeal).data)


class InterviewSlotCreateApi(APIView):
    @extend_schema(request=SlotIn, responses={201: SlotOut})
    def post(self, request: Request) -> Response:
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
    def get(self, request: Request) -> Response:
        rows = interviews.rater_agreement(viewer=request.user)
        return Response(AgreementOut(rows, many=True).data)
