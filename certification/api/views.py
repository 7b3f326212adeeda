"""One API view per operation: authenticate, validate, call a service, serialize."""

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from certification import selectors
from certification.api import serializers as s
from certification.models import Application, Certification, Exam
from certification.roles import Role, has_role
from certification.services import applications, certificates, exams, review, verification
from certification.sharing import credential_ordered
from config.errors import NotFound
from grading import practical
from grading.models import Submission


def _require(user: Any, role: Role) -> None:
    if not has_role(user, role):
        raise NotFound("Not found.")


class CertificationListApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=s.CertificationOut(many=True))
    def get(self, request: Request) -> Response:
        queryset = selectors.certifications_with_rules()
        return Response(s.CertificationOut(queryset, many=True).data)


class ApplicationListCreateApi(APIView):
    @extend_schema(responses=s.ApplicationOut(many=True))
    def get(self, request: Request) -> Response:
        _require(request.user, Role.CANDIDATE)
        queryset = Application.objects.filter(candidate_id=request.user.pk).select_related(
            "certification"
        )
        return Response(s.ApplicationOut(queryset, many=True).data)

    @extend_schema(request=s.ApplicationIn, responses={201: s.ApplicationOut})
    def post(self, request: Request) -> Response:
        _require(request.user, Role.CANDIDATE)
        data = s.ApplicationIn(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        certification = get_object_or_404(Certification, slug=fields.pop("certification"))
        application = applications.application_submit(
            candidate=request.user, certification=certification, **fields
        )
        return Response(s.ApplicationOut(application).data, status=status.HTTP_201_CREATED)


class ReviewQueueApi(APIView):
    @extend_schema(responses=s.ApplicationOut(many=True))
    def get(self, request: Request) -> Response:
        queryset = review.review_queue(reviewer=request.user)  # submitted, by default
        return Response(s.ApplicationOut(queryset, many=True).data)


class ApplicationApproveApi(APIView):
    @extend_schema(request=None, responses=s.ApplicationOut)
    def post(self, request: Request, application_id: int) -> Response:
        application = applications.application_approve(
            application_id=application_id, reviewer=request.user
        )
        return Response(s.ApplicationOut(application).data)


class ApplicationRejectApi(APIView):
    @extend_schema(request=s.RejectIn, responses=s.ApplicationOut)
    def post(self, request: Request, application_id: int) -> Response:
        _require(request.user, Role.COMMITTEE)
        data = s.RejectIn(data=request.data)
        data.is_valid(raise_exception=True)
        application = applications.application_reject(
            application_id=application_id, reviewer=request.user, **data.validated_data
        )
        return Response(s.ApplicationOut(application).data)


class AttemptStartApi(APIView):
    @extend_schema(request=None, responses={201: s.AttemptOut})
    def post(self, request: Request, exam_id: int) -> Response:
        _require(request.user, Role.CANDIDATE)
        exam = Exam.objects.filter(pk=exam_id).first()
        if exam is None:
            raise NotFound("Not found.")
        attempt = exams.attempt_start(candidate=request.user, exam=exam)
        return Response(s.AttemptOut(attempt).data, status=status.HTTP_201_CREATED)


class AttemptDetailApi(APIView):
    @extend_schema(responses=s.AttemptOut)
    def get(self, request: Request, attempt_id: str) -> Response:
        attempt = selectors.attempt_get_for_candidate(candidate=request.user, public_id=attempt_id)
        return Response(s.AttemptOut(attempt).data)


class AnswerSaveApi(APIView):
    @extend_schema(request=s.AnswerIn, responses=s.AnswerOut)
    def put(self, request: Request, attempt_id: str, item_id: int) -> Response:
        attempt = selectors.attempt_get_for_candidate(candidate=request.user, public_id=attempt_id)
        data = s.AnswerIn(data=request.data)
        data.is_valid(raise_exception=True)
        answer = exams.answer_save(attempt=attempt, item_id=item_id, **data.validated_data)
        return Response(s.AnswerOut(answer).data)


class AttemptSubmitApi(APIView):
    @extend_schema(request=None, responses=s.AttemptOut)
    def post(self, request: Request, attempt_id: str) -> Response:
        attempt = selectors.attempt_get_for_candidate(candidate=request.user, public_id=attempt_id)
        attempt = exams.attempt_submit(attempt=attempt)
        return Response(s.AttemptOut(attempt).data)


class SubmissionCreateApi(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": s.SubmissionIn}, responses={201: s.SubmissionOut}
    )
    def post(self, request: Request, certification_slug: str) -> Response:
        _require(request.user, Role.CANDIDATE)
        certification = Certification.objects.filter(slug=certification_slug).first()
        if certification is None or certification.practical_task is None:
            raise NotFound("Not found.")
        selectors.approved_application(candidate=request.user, certification=certification)
        data = s.SubmissionIn(data=request.data)
        data.is_valid(raise_exception=True)
        submission = practical.submission_create(
            task=certification.practical_task,
            candidate=request.user,
            upload=data.validated_data["file"],
        )
        return Response(s.SubmissionOut(submission).data, status=status.HTTP_201_CREATED)


class SubmissionDetailApi(APIView):
    @extend_schema(responses=s.SubmissionOut)
    def get(self, request: Request, submission_id: str) -> Response:
        submission = (
            Submission.objects.select_related("task")
            .filter(public_id=submission_id, candidate_id=request.user.pk)
            .first()
        )
        if submission is None:
            raise NotFound("Not found.")
        return Response(s.SubmissionOut(submission).data)


class ResultListApi(APIView):
    @extend_schema(responses=s.ResultOut(many=True))
    def get(self, request: Request) -> Response:
        results = selectors.results_for_committee(reviewer=request.user)
        return Response(s.ResultOut(results, many=True).data)


class CertificateIssueApi(APIView):
    @extend_schema(request=None, responses={201: s.CertificateOut})
    def post(self, request: Request, application_id: int) -> Response:
        certificate = certificates.certificate_issue(
            application_id=application_id, issued_by=request.user
        )
        found = selectors.certificate_status(code=certificate.code)
        return Response(s.CertificateOut(found).data, status=status.HTTP_201_CREATED)


class CertificateVerifyApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=s.CertificateOut)
    def get(self, request: Request, code: str) -> Response:
        return Response(s.CertificateOut(selectors.certificate_status(code=code)).data)


# --- Certificates and credentials (issue 7) ---


class CertificateCredentialApi(APIView):
    """The signed OpenBadgeCredential of a certificate (public)."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: dict})
    def get(self, request: Request, code: str) -> Response:
        found = selectors.certificate_status(code=code)
        return Response(credential_ordered(found.certificate.credential))


class CredentialVerifyApi(APIView):
    """Any credential JSON in (the request body is the credential), every check out."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    parser_classes = [JSONParser]

    @extend_schema(request=dict, responses=s.VerificationOut)
    def post(self, request: Request) -> Response:
        length = request.META.get("CONTENT_LENGTH") or "0"
        if not length.isdigit() or int(length) > verification.CREDENTIAL_MAX_BYTES:
            raise verification.PayloadTooLarge(
                f"凭证过大 / Credential larger than {verification.CREDENTIAL_MAX_BYTES} bytes."
            )
        report = verification.credential_check(document=request.data)
        return Response(report.to_json())


class CertificatePrivacyApi(APIView):
    """The holder's choice of what the public page and credential show."""

    @extend_schema(request=s.CertificatePrivacyIn, responses=s.CertificateDetailOut)
    def put(self, request: Request, code: str) -> Response:
        data = s.CertificatePrivacyIn(data=request.data)
        data.is_valid(raise_exception=True)
        certificates.certificate_privacy_set(holder=request.user, code=code, **data.validated_data)
        found = selectors.certificate_get_for_holder(holder=request.user, code=code)
        return Response(s.CertificateDetailOut(found).data)


class _CommitteeCertificateApi(APIView):
    input_serializer: type[serializers.Serializer[Any]] = s.CertificateReasonIn

    def act(self, request: Request, code: str, **fields: Any) -> Any:
        raise NotImplementedError

    def post(self, request: Request, code: str) -> Response:
        _require(request.user, Role.COMMITTEE)
        data = self.input_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        self.act(request, code, **data.validated_data)
        return Response(s.CertificateDetailOut(selectors.certificate_status(code=code)).data)


class CertificateRevokeApi(_CommitteeCertificateApi):
    @extend_schema(request=s.CertificateReasonIn, responses=s.CertificateDetailOut)
    def post(self, request: Request, code: str) -> Response:
        return super().post(request, code)

    def act(self, request: Request, code: str, **fields: Any) -> Any:
        return certificates.certificate_revoke(actor=request.user, code=code, **fields)


class CertificateSuspendApi(_CommitteeCertificateApi):
    @extend_schema(request=s.CertificateReasonIn, responses=s.CertificateDetailOut)
    def post(self, request: Request, code: str) -> Response:
        return super().post(request, code)

    def act(self, request: Request, code: str, **fields: Any) -> Any:
        return certificates.certificate_suspend(actor=request.user, code=code, **fields)


class CertificateUnsuspendApi(_CommitteeCertificateApi):
    @extend_schema(request=s.CertificateReasonIn, responses=s.CertificateDetailOut)
    def post(self, request: Request, code: str) -> Response:
        return super().post(request, code)

    def act(self, request: Request, code: str, **fields: Any) -> Any:
        return certificates.certificate_unsuspend(actor=request.user, code=code, **fields)


class CertificateRenewApi(_CommitteeCertificateApi):
    input_serializer = s.CertificateRenewIn

    @extend_schema(request=s.CertificateRenewIn, responses=s.CertificateDetailOut)
    def post(self, request: Request, code: str) -> Response:
        return super().post(request, code)

    def act(self, request: Request, code: str, **fields: Any) -> Any:
        return certificates.certificate_renew(actor=request.user, code=code, **fields)


class CertificateRenameApi(_CommitteeCertificateApi):
    input_serializer = s.CertificateRenameIn

    @extend_schema(request=s.CertificateRenameIn, responses=s.CertificateDetailOut)
    def post(self, request: Request, code: str) -> Response:
        return super().post(request, code)

    def act(self, request: Request, code: str, **fields: Any) -> Any:
        return certificates.certificate_rename(actor=request.user, code=code, **fields)
