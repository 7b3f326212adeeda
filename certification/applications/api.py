"""REST API of applications: certifications, drafts, submission, attachments,
withdrawal, the committee's review queue and decisions, waivers and conflicts."""

from typing import Any

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from certification.applications import conflicts, review, selectors
from certification.applications import services as applications
from certification.applications.selectors import certifications_with_rules
from certification.models import (
    Application,
    ApplicationAttachment,
    Certification,
    EligibilityWaiver,
    TrainingRelation,
)
from core.api import AuthenticatedApiRequest, page_schema, paginate, require_role
from core.errors import NotFound
from core.roles import Role, has_role


class CertificationOut(serializers.ModelSerializer[Certification]):
    """A certification with its current blueprint's cut and weights (annotated by
    ``certifications_with_rules``; null without a published blueprint)."""

    level = serializers.CharField(source="level.slug")
    domain = serializers.CharField(source="domain.slug")
    cut_score = serializers.DecimalField(
        max_digits=5, decimal_places=2, read_only=True, allow_null=True
    )
    written_weight = serializers.DecimalField(
        max_digits=4, decimal_places=3, read_only=True, allow_null=True
    )
    practical_weight = serializers.DecimalField(
        max_digits=4, decimal_places=3, read_only=True, allow_null=True
    )
    interview_weight = serializers.DecimalField(
        max_digits=4, decimal_places=3, read_only=True, allow_null=True
    )

    class Meta:
        model = Certification
        fields = [
            "id",
            "slug",
            "name",
            "name_en",
            "level",
            "domain",
            "cut_score",
            "written_weight",
            "practical_weight",
            "interview_weight",
            "is_open",
        ]


class ApplicationIn(serializers.Serializer[Any]):
    certification = serializers.SlugField()
    full_name = serializers.CharField(max_length=120)
    learning_history = serializers.CharField(max_length=5000)
    project_experience = serializers.CharField(max_length=5000)
    email = serializers.EmailField(required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    organization = serializers.CharField(max_length=200, required=False, allow_blank=True)
    waiver_request = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class ApplicationOut(serializers.ModelSerializer[Application]):
    certification = serializers.CharField(source="certification.slug")

    class Meta:
        model = Application
        fields = [
            "id",
            "certification",
            "full_name",
            "state",
            "decision_reason",
            "created_at",
            "submitted_at",
            "reviewed_at",
        ]


class RejectIn(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=2000)


class CertificationListApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=CertificationOut(many=True))
    def get(self, request: Request) -> Response:
        queryset = certifications_with_rules()
        return Response(CertificationOut(queryset, many=True).data)


class ApplicationListCreateApi(APIView):
    @extend_schema(responses=ApplicationOut(many=True))
    def get(self, request: AuthenticatedApiRequest) -> Response:
        require_role(request.user, Role.CANDIDATE)
        queryset = Application.objects.filter(candidate_id=request.user.pk).select_related(
            "certification"
        )
        return Response(ApplicationOut(queryset, many=True).data)

    @extend_schema(request=ApplicationIn, responses={201: ApplicationOut})
    def post(self, request: AuthenticatedApiRequest) -> Response:
        require_role(request.user, Role.CANDIDATE)
        data = ApplicationIn(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        certification = get_object_or_404(Certification, slug=fields.pop("certification"))
        application = applications.application_submit(
            candidate=request.user, certification=certification, **fields
        )
        return Response(ApplicationOut(application).data, status=status.HTTP_201_CREATED)


class ReviewQueueApi(APIView):
    @extend_schema(responses=ApplicationOut(many=True))
    def get(self, request: AuthenticatedApiRequest) -> Response:
        queryset = selectors.review_queue(reviewer=request.user)  # submitted, by default
        return Response(ApplicationOut(queryset, many=True).data)


class ApplicationApproveApi(APIView):
    @extend_schema(request=None, responses=ApplicationOut)
    def post(self, request: AuthenticatedApiRequest, application_id: int) -> Response:
        application = applications.application_approve(
            application_id=application_id, reviewer=request.user
        )
        return Response(ApplicationOut(application).data)


class ApplicationRejectApi(APIView):
    @extend_schema(request=RejectIn, responses=ApplicationOut)
    def post(self, request: AuthenticatedApiRequest, application_id: int) -> Response:
        require_role(request.user, Role.COMMITTEE)
        data = RejectIn(data=request.data)
        data.is_valid(raise_exception=True)
        application = applications.application_reject(
            application_id=application_id, reviewer=request.user, **data.validated_data
        )
        return Response(ApplicationOut(application).data)


class ApplicationDraftIn(serializers.Serializer[Any]):
    certification = serializers.SlugField()
    full_name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    organization = serializers.CharField(max_length=200, required=False, allow_blank=True)
    learning_history = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    project_experience = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    waiver_request = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class ApplicationDraftApi(APIView):
    """Creates or updates the candidate's draft for a certification."""

    @extend_schema(request=ApplicationDraftIn, responses={200: ApplicationOut})
    def post(self, request: AuthenticatedApiRequest) -> Response:
        if not has_role(request.user, Role.CANDIDATE):
            raise NotFound("Not found.")
        data = ApplicationDraftIn(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        certification = get_object_or_404(Certification, slug=fields.pop("certification"))
        draft = applications.application_draft_save(
            candidate=request.user, certification=certification, **fields
        )
        return Response(ApplicationOut(draft).data)


class ApplicationWithdrawApi(APIView):
    @extend_schema(request=None, responses=ApplicationOut)
    def post(self, request: AuthenticatedApiRequest, application_id: int) -> Response:
        application = applications.application_withdraw(
            candidate=request.user, application_id=application_id
        )
        return Response(ApplicationOut(application).data)


class AttachmentIn(serializers.Serializer[Any]):
    file = serializers.FileField()


class AttachmentOut(serializers.ModelSerializer[ApplicationAttachment]):
    class Meta:
        model = ApplicationAttachment
        fields = ["id", "file_name", "content_type", "size_bytes", "sha256", "uploaded_at"]


class ApplicationAttachApi(APIView):
    parser_classes = [MultiPartParser]
    throttle_scope = "upload"

    @extend_schema(request={"multipart/form-data": AttachmentIn}, responses={201: AttachmentOut})
    def post(self, request: AuthenticatedApiRequest, application_id: int) -> Response:
        # Ownership first: someone else's application answers 404 whatever the body.
        selectors.application_get_for_owner(candidate=request.user, application_id=application_id)
        data = AttachmentIn(data=request.data)
        data.is_valid(raise_exception=True)
        attachment = applications.attachment_add(
            candidate=request.user,
            application_id=application_id,
            upload=data.validated_data["file"],
        )
        return Response(AttachmentOut(attachment).data, status=status.HTTP_201_CREATED)


class QueueItemOut(ApplicationOut):
    candidate = serializers.CharField(source="candidate.username")
    level = serializers.CharField(source="certification.level.slug")
    domain = serializers.CharField(source="certification.domain.slug")
    eligible = serializers.BooleanField()
    waived = serializers.BooleanField()

    class Meta(ApplicationOut.Meta):
        fields = [
            *ApplicationOut.Meta.fields,
            "candidate",
            "level",
            "domain",
            "eligible",
            "waived",
            "waiver_request",
        ]


class QueueFilterIn(serializers.Serializer[Any]):
    certification = serializers.SlugField(required=False, default="")
    level = serializers.SlugField(required=False, default="")
    domain = serializers.SlugField(required=False, default="")
    state = serializers.ChoiceField(
        choices=["", *[s for s in Application.State.values if s != "draft"]],
        required=False,
        default=Application.State.SUBMITTED,
    )
    eligibility = serializers.ChoiceField(
        choices=["", "eligible", "ineligible"], required=False, default=""
    )
    submitted_from = serializers.DateField(required=False, allow_null=True, default=None)
    submitted_to = serializers.DateField(required=False, allow_null=True, default=None)


class QueuePageOut(serializers.Serializer[Any]):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    results = QueueItemOut(many=True)


class ReviewQueueFilteredApi(APIView):
    """The review queue with filters, eligibility and pages of 50."""

    @extend_schema(parameters=[QueueFilterIn], responses=QueuePageOut)
    def get(self, request: AuthenticatedApiRequest) -> Response:
        require_role(request.user, Role.COMMITTEE)
        data = QueueFilterIn(data=request.query_params)
        data.is_valid(raise_exception=True)
        queryset = selectors.review_queue(
            reviewer=request.user, filters=selectors.QueueFilters(**data.validated_data)
        )
        rows, meta = paginate(queryset, request)
        return Response({**meta, "results": QueueItemOut(rows, many=True).data})


class BulkDecideIn(serializers.Serializer[Any]):
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1), max_length=200)
    decision = serializers.ChoiceField(choices=["approve", "reject"])
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class BulkDecideOut(serializers.Serializer[Any]):
    decided = serializers.ListField(child=serializers.IntegerField())
    skipped = serializers.DictField(child=serializers.CharField())


class ReviewBulkApi(APIView):
    @extend_schema(request=BulkDecideIn, responses=BulkDecideOut)
    def post(self, request: AuthenticatedApiRequest) -> Response:
        require_role(request.user, Role.COMMITTEE)
        data = BulkDecideIn(data=request.data)
        data.is_valid(raise_exception=True)
        outcome = review.applications_bulk_decide(
            reviewer=request.user,
            application_ids=data.validated_data["ids"],
            approve=data.validated_data["decision"] == "approve",
            reason=data.validated_data["reason"],
        )
        return Response(BulkDecideOut(outcome).data)


class WaiverIn(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=2000)


class WaiverOut(serializers.ModelSerializer[EligibilityWaiver]):
    candidate = serializers.CharField(source="candidate.username")
    certification = serializers.CharField(source="certification.slug")
    granted_by = serializers.CharField(source="granted_by.username")

    class Meta:
        model = EligibilityWaiver
        fields = ["id", "candidate", "certification", "reason", "granted_by", "created_at"]


class ReviewWaiverApi(APIView):
    @extend_schema(request=WaiverIn, responses={201: WaiverOut})
    def post(self, request: AuthenticatedApiRequest, application_id: int) -> Response:
        require_role(request.user, Role.COMMITTEE)
        data = WaiverIn(data=request.data)
        data.is_valid(raise_exception=True)
        waiver = review.waiver_grant_for_application(
            granted_by=request.user, application_id=application_id, **data.validated_data
        )
        return Response(WaiverOut(waiver).data, status=status.HTTP_201_CREATED)


class ConflictIn(serializers.Serializer[Any]):
    staff = serializers.CharField(max_length=150, help_text="username")
    candidate = serializers.CharField(max_length=150, help_text="username")
    kind = serializers.ChoiceField(choices=TrainingRelation.Kind.values)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ConflictOut(serializers.ModelSerializer[TrainingRelation]):
    staff = serializers.CharField(source="staff.username")
    candidate = serializers.CharField(source="candidate.username")
    declared_by = serializers.CharField(source="declared_by.username")

    class Meta:
        model = TrainingRelation
        fields = ["id", "staff", "candidate", "kind", "note", "declared_by", "created_at"]


class ConflictListDeclareApi(APIView):
    """GET: every declared relation (committee). POST: declare one (staff declare
    their own; the committee anyone's)."""

    @extend_schema(responses=page_schema(ConflictOut))
    def get(self, request: AuthenticatedApiRequest) -> Response:
        rows, meta = paginate(conflicts.conflicts_list(viewer=request.user), request)
        return Response({**meta, "results": ConflictOut(rows, many=True).data})

    @extend_schema(request=ConflictIn, responses={201: ConflictOut})
    def post(self, request: AuthenticatedApiRequest) -> Response:
        if not any(
            has_role(request.user, r) for r in (Role.INSTRUCTOR, Role.EXAMINER, Role.COMMITTEE)
        ):
            raise NotFound("Not found.")
        data = ConflictIn(data=request.data)
        data.is_valid(raise_exception=True)
        users = get_user_model().objects
        staff = users.filter(username=data.validated_data["staff"]).first()
        candidate = users.filter(username=data.validated_data["candidate"]).first()
        if staff is None or candidate is None:
            raise NotFound("Not found.")
        relation = conflicts.conflict_declare(
            declared_by=request.user,
            staff=staff,
            candidate=candidate,
            kind=data.validated_data["kind"],
            note=data.validated_data["note"],
        )
        return Response(ConflictOut(relation).data, status=status.HTTP_201_CREATED)
