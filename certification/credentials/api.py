"""REST API of certificates: issue, verify, the signed credential, privacy, and the
committee's revoke, suspend, unsuspend, renew and rename."""

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from certification.credentials import verification
from certification.credentials.issuer import absolute_url
from certification.credentials.selectors import certificate_get_for_holder, certificate_status
from certification.credentials.services import (
    certificate_issue,
    certificate_privacy_set,
    certificate_rename,
    certificate_renew,
    certificate_revoke,
    certificate_suspend,
    certificate_unsuspend,
)
from certification.credentials.sharing import credential_ordered
from core.api import AuthenticatedApiRequest, require_role
from core.roles import Role


class CertificateOut(serializers.Serializer[Any]):
    code = serializers.CharField(source="certificate.code")
    status = serializers.CharField()
    holder_name = serializers.CharField(source="certificate.holder_name")
    certification = serializers.CharField(source="certificate.certification.name")
    certification_en = serializers.CharField(source="certificate.certification.name_en")
    composite = serializers.DecimalField(
        source="certificate.composite", max_digits=5, decimal_places=2
    )
    issued_at = serializers.DateTimeField(source="certificate.issued_at")
    valid_until = serializers.DateTimeField(source="certificate.valid_until")


class CertificateDetailOut(CertificateOut):
    """The public certificate with its credential id and the shown results."""

    credential_id = serializers.CharField(source="certificate.credential_id")
    valid_from = serializers.DateTimeField(source="certificate.valid_from")
    verify_url = serializers.SerializerMethodField()

    def get_verify_url(self, found: Any) -> str:
        return absolute_url(f"/verify/{found.certificate.code}/")


class CertificateReasonIn(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=2000)


class CertificateRenewIn(CertificateReasonIn):
    basis = serializers.ChoiceField(choices=["reexamination", "continuing_education"])
    credits = serializers.IntegerField(required=False, allow_null=True, min_value=0)


class CertificateRenameIn(CertificateReasonIn):
    holder_name = serializers.CharField(max_length=120)


class CertificatePrivacyIn(serializers.Serializer[Any]):
    show_name = serializers.BooleanField()
    shown_results = serializers.ListField(
        child=serializers.ChoiceField(choices=["written", "practical", "composite"]),
        allow_empty=True,
    )


class CheckOut(serializers.Serializer[Any]):
    check = serializers.CharField()
    passed = serializers.BooleanField()
    code = serializers.CharField()
    reason = serializers.CharField()


class VerificationOut(serializers.Serializer[Any]):
    valid = serializers.BooleanField()
    status = serializers.CharField()
    credential_id = serializers.CharField(allow_null=True)
    issuer = serializers.CharField(allow_null=True)
    checks = CheckOut(many=True)


class CertificateIssueApi(APIView):
    @extend_schema(request=None, responses={201: CertificateOut})
    def post(self, request: AuthenticatedApiRequest, application_id: int) -> Response:
        certificate = certificate_issue(application_id=application_id, issued_by=request.user)
        found = certificate_status(code=certificate.code)
        return Response(CertificateOut(found).data, status=status.HTTP_201_CREATED)


class CertificateVerifyApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=CertificateOut)
    def get(self, request: Request, code: str) -> Response:
        return Response(CertificateOut(certificate_status(code=code)).data)


class CertificateCredentialApi(APIView):
    """The signed OpenBadgeCredential of a certificate (public)."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: dict})
    def get(self, request: Request, code: str) -> Response:
        found = certificate_status(code=code)
        return Response(credential_ordered(found.certificate.credential))


class CredentialVerifyApi(APIView):
    """Any credential JSON in (the request body is the credential), every check out."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    parser_classes = [JSONParser]

    @extend_schema(request=dict, responses=VerificationOut)
    def post(self, request: Request) -> Response:
        length = request.META.get("CONTENT_LENGTH") or "0"
        if not length.isdigit() or int(length) > verification.CREDENTIAL_MAX_BYTES:
            raise verification.PayloadTooLarge(
                _("凭证超过 %(n)d 字节") % {"n": verification.CREDENTIAL_MAX_BYTES}
            )
        report = verification.credential_check(document=request.data)
        return Response(report.to_json())


class CertificatePrivacyApi(APIView):
    """The holder's choice of what the public page and credential show."""

    @extend_schema(request=CertificatePrivacyIn, responses=CertificateDetailOut)
    def put(self, request: AuthenticatedApiRequest, code: str) -> Response:
        data = CertificatePrivacyIn(data=request.data)
        data.is_valid(raise_exception=True)
        certificate_privacy_set(holder=request.user, code=code, **data.validated_data)
        found = certificate_get_for_holder(holder=request.user, code=code)
        return Response(CertificateDetailOut(found).data)


class _CommitteeCertificateApi(APIView):
    input_serializer: type[serializers.Serializer[Any]] = CertificateReasonIn

    def act(self, request: AuthenticatedApiRequest, code: str, **fields: Any) -> Any:
        raise NotImplementedError

    def post(self, request: AuthenticatedApiRequest, code: str) -> Response:
        require_role(request.user, Role.COMMITTEE)
        data = self.input_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        self.act(request, code, **data.validated_data)
        return Response(CertificateDetailOut(certificate_status(code=code)).data)


class CertificateRevokeApi(_CommitteeCertificateApi):
    @extend_schema(request=CertificateReasonIn, responses=CertificateDetailOut)
    def post(self, request: AuthenticatedApiRequest, code: str) -> Response:
        return super().post(request, code)

    def act(self, request: AuthenticatedApiRequest, code: str, **fields: Any) -> Any:
        return certificate_revoke(actor=request.user, code=code, **fields)


class CertificateSuspendApi(_CommitteeCertificateApi):
    @extend_schema(request=CertificateReasonIn, responses=CertificateDetailOut)
    def post(self, request: AuthenticatedApiRequest, code: str) -> Response:
        return super().post(request, code)

    def act(self, request: AuthenticatedApiRequest, code: str, **fields: Any) -> Any:
        return certificate_suspend(actor=request.user, code=code, **fields)


class CertificateUnsuspendApi(_CommitteeCertificateApi):
    @extend_schema(request=CertificateReasonIn, responses=CertificateDetailOut)
    def post(self, request: AuthenticatedApiRequest, code: str) -> Response:
        return super().post(request, code)

    def act(self, request: AuthenticatedApiRequest, code: str, **fields: Any) -> Any:
        return certificate_unsuspend(actor=request.user, code=code, **fields)


class CertificateRenewApi(_CommitteeCertificateApi):
    input_serializer = CertificateRenewIn

    @extend_schema(request=CertificateRenewIn, responses=CertificateDetailOut)
    def post(self, request: AuthenticatedApiRequest, code: str) -> Response:
        return super().post(request, code)

    def act(self, request: AuthenticatedApiRequest, code: str, **fields: Any) -> Any:
        return certificate_renew(actor=request.user, code=code, **fields)


class CertificateRenameApi(_CommitteeCertificateApi):
    input_serializer = CertificateRenameIn

    @extend_schema(request=CertificateRenameIn, responses=CertificateDetailOut)
    def post(self, request: AuthenticatedApiRequest, code: str) -> Response:
        return super().post(request, code)

    def act(self, request: AuthenticatedApiRequest, code: str, **fields: Any) -> Any:
        return certificate_rename(actor=request.user, code=code, **fields)
