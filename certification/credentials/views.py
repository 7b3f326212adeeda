"""Pages: issuing, the public verification page and its JSON and badge, the issuer
and status list documents, the verifier, the holder's page and PDF, the committee's
certificate actions."""

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from certification.credentials import issuer, pdf, sharing, status_lists, verification
from certification.credentials.documents import (
    achievement_public,
    certificate_results_shown,
    renewal_credits_required,
)
from certification.credentials.selectors import (
    certificate_get_for_holder,
    certificate_status,
    certificates_for_committee,
)
from certification.credentials.services import (
    certificate_issue,
    certificate_privacy_set,
    certificate_rename,
    certificate_renew,
    certificate_revoke,
    certificate_suspend,
    certificate_unsuspend,
)
from certification.learning.credits import continuing_education
from certification.models import Certification
from core.errors import ApplicationError, NotFound
from core.http import AuthenticatedRequest, error_show, role_required
from core.metrics import CREDENTIAL_VERIFICATIONS
from core.roles import Role, has_role


@role_required(Role.COMMITTEE)
@require_POST
def committee_issue(request: AuthenticatedRequest, application_id: int) -> HttpResponse:
    try:
        certificate = certificate_issue(application_id=application_id, issued_by=request.user)
    except NotFound:
        raise
    except ApplicationError as exc:
        error_show(request, exc)
        return redirect("committee-results")
    messages.success(request, _("证书已签发：%(code)s") % {"code": certificate.code})
    return redirect("committee-results")


def verify(request: HttpRequest, code: str) -> HttpResponse:
    """Public page: status banner, achievement, holder, dates, the results the holder
    chose to show, links to the JSON and the badge."""
    try:
        found = certificate_status(code=code)
    except NotFound:
        return render(request, "credentials/verify_missing.html", {"code": code}, status=404)
    CREDENTIAL_VERIFICATIONS.labels("page").inc()
    certificate = found.certificate
    return render(
        request,
        "credentials/verify.html",
        {
            "found": found,
            "results": certificate_results_shown(certificate),
            "issuer": issuer.issuer_profile(),
        },
    )


def _json(data: Any, *, filename: str | None = None) -> HttpResponse:
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
    )
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Access-Control-Allow-Origin"] = "*"
    return response


def verify_json(request: HttpRequest, code: str) -> HttpResponse:
    """The signed credential, as a download."""
    try:
        found = certificate_status(code=code)
    except NotFound as exc:
        raise Http404 from exc
    CREDENTIAL_VERIFICATIONS.labels("json").inc()
    return _json(
        sharing.credential_ordered(found.certificate.credential),
        filename=f"certificate-{code}.json",
    )


def verify_badge(request: HttpRequest, code: str) -> HttpResponse:
    """An embeddable SVG badge showing the live status."""
    try:
        found = certificate_status(code=code)
    except NotFound as exc:
        raise Http404 from exc
    response = HttpResponse(
        sharing.badge_svg(certificate=found.certificate, status=found.status),
        content_type="image/svg+xml; charset=utf-8",
    )
    response["Cache-Control"] = "max-age=300"
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


def credential_issuer(request: HttpRequest) -> HttpResponse:
    """The issuer id: a controller document listing the issuer's Multikeys."""
    return _json(issuer.issuer_document())


def credential_status_list(request: HttpRequest, purpose: str, number: int) -> HttpResponse:
    """A signed BitstringStatusListCredential."""
    status_list = status_lists.status_list_published(purpose=purpose, number=number)
    if status_list is None or not status_list.credential:
        raise Http404
    return _json(sharing.credential_ordered(status_list.credential))


def credential_achievement(request: HttpRequest, slug: str) -> HttpResponse:
    """The public description of an achievement (what credentials' achievement id names)."""
    certification = get_object_or_404(
        Certification.objects.select_related("level", "domain"), slug=slug
    )
    return _json(achievement_public(certification=certification))


class CredentialCheckForm(forms.Form):
    credential = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false"}),
        required=False,
        max_length=verification.CREDENTIAL_MAX_BYTES,
        label=_("凭证 JSON"),
    )
    file = forms.FileField(required=False, label=_("或上传文件"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("file")
        text = data.get("credential") or ""
        if upload is not None:
            if upload.size > verification.CREDENTIAL_MAX_BYTES:
                raise forms.ValidationError(_("文件太大"))
            text = upload.read().decode("utf-8", errors="replace")
        if not text.strip():
            raise forms.ValidationError(_("请粘贴或上传凭证"))
        try:
            data["document"] = json.loads(text)
        except ValueError as exc:
            raise forms.ValidationError(_("不是有效的 JSON：%(error)s") % {"error": exc}) from exc
        return data


def verify_credential(request: HttpRequest) -> HttpResponse:
    """The verifier: any credential JSON in, every check with its reason out."""
    form = CredentialCheckForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        report = verification.credential_check(document=form.cleaned_data["document"])
        CREDENTIAL_VERIFICATIONS.labels("document").inc()
    return render(
        request,
        "credentials/verify_credential.html",
        {"form": form, "report": report.to_json() if report else None},
    )


class PrivacyForm(forms.Form):
    show_name = forms.BooleanField(required=False, label=_("公开姓名"))
    shown_results = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[
            ("written", _("笔试成绩")),
            ("practical", _("实操成绩")),
            ("composite", _("综合成绩")),
        ],
        label=_("公开的成绩"),
    )


@login_required
def certificate_holder(request: AuthenticatedRequest, code: str) -> HttpResponse:
    """The holder's page: privacy choices, PDF, LinkedIn, badge embed code."""
    try:
        found = certificate_get_for_holder(holder=request.user, code=code)
    except NotFound as exc:
        raise Http404 from exc
    certificate = found.certificate
    form = PrivacyForm(
        request.POST or None,
        initial={"show_name": certificate.show_name, "shown_results": certificate.shown_results},
    )
    if request.method == "POST" and form.is_valid():
        certificate_privacy_set(holder=request.user, code=code, **form.cleaned_data)
        messages.success(request, _("已保存并重新签名"))
        return redirect("certificate-holder", code=code)
    verify_url = request.build_absolute_uri(reverse("verify", args=[code]))
    return render(
        request,
        "credentials/certificate_holder.html",
        {
            "found": found,
            "form": form,
            "verify_url": verify_url,
            "badge_url": request.build_absolute_uri(reverse("verify-badge", args=[code])),
            "credits": continuing_education(
                holder=request.user, since=certificate.valid_from or certificate.issued_at
            ),
            "credits_required": renewal_credits_required(),
            "linkedin_url": sharing.linkedin_add_url(
                certificate=certificate,
                verify_url=verify_url,
                organization=issuer.issuer_profile().name,
            ),
        },
    )


@login_required
def certificate_pdf(request: AuthenticatedRequest, code: str) -> HttpResponse:
    """The PDF certificate, for its holder and the committee."""
    try:
        if has_role(request.user, Role.COMMITTEE):
            found = certificate_status(code=code)
        else:
            found = certificate_get_for_holder(holder=request.user, code=code)
    except NotFound as exc:
        raise Http404 from exc
    body = pdf.certificate_pdf_render(
        certificate=found.certificate,
        verify_url=issuer.absolute_url(reverse("verify", args=[code])),
        issuer_name=issuer.issuer_profile().name,
    )
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="certificate-{code}.pdf"'
    return response


@role_required(Role.COMMITTEE)
def committee_certificates(request: AuthenticatedRequest) -> HttpResponse:
    rows = certificates_for_committee(reviewer=request.user)
    return render(request, "credentials/certificate_committee.html", {"rows": rows})


@role_required(Role.COMMITTEE)
@require_POST
def committee_certificate_action(
    request: AuthenticatedRequest, code: str, action: str
) -> HttpResponse:
    """revoke / suspend / unsuspend / renew / rename, each with a reason."""
    reason = request.POST.get("reason", "")
    try:
        if action == "revoke":
            certificate_revoke(actor=request.user, code=code, reason=reason)
        elif action == "suspend":
            certificate_suspend(actor=request.user, code=code, reason=reason)
        elif action == "unsuspend":
            certificate_unsuspend(actor=request.user, code=code, reason=reason)
        elif action == "renew":
            credits = request.POST.get("credits") or None
            certificate_renew(
                actor=request.user,
                code=code,
                reason=reason,
                basis=request.POST.get("basis", ""),
                credits=int(credits) if credits and credits.isdigit() else None,
            )
        elif action == "rename":
            certificate_rename(
                actor=request.user,
                code=code,
                holder_name=request.POST.get("holder_name", ""),
                reason=reason,
            )
        else:
            raise Http404
    except NotFound:
        raise
    except ApplicationError as exc:
        error_show(request, exc)
    else:
        messages.success(
            request, _("已完成：%(action)s %(code)s") % {"action": action, "code": code}
        )
    return redirect("committee-certificates")
