"""HTML pages. Each view checks the role on the server, calls one service or selector
and renders; a domain error becomes a message on the page, with the input kept."""

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from certification import pdf, selectors, sharing
from certification.models import Application, Attempt, Certification, Exam
from certification.presentation import attempt_view
from certification.roles import Role, has_role
from certification.services import (
    accounts,
    applications,
    certificates,
    exams,
    issuer,
    status_lists,
    verification,
)
from config.errors import ApplicationError, NotFound
from grading import practical
from grading.bundles import bundle_public_archive
from grading.models import Submission
from training.models import Curriculum

View = Callable[..., HttpResponse]


def role_required(role: Role) -> Callable[[View], View]:
    """Login required, then the role; a user without it gets the same 404 as a missing
    page, so pages cannot be discovered by probing."""

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not has_role(request.user, role):
                raise Http404
            try:
                return view(request, *args, **kwargs)
            except NotFound as exc:
                raise Http404 from exc

        return wrapped

    return decorator


def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "home.html",
        {
            "certifications": selectors.certifications_with_rules(),
            "curricula": Curriculum.objects.select_related("level", "domain"),
        },
    )


class RegisterForm(forms.Form):
    username = forms.RegexField(regex=r"^[\w.@+-]{3,150}$", label=_("用户名 Username"))
    email = forms.EmailField(label=_("电子邮箱 E-mail"))
    password = forms.CharField(widget=forms.PasswordInput, label=_("密码 Password"))


def register(request: HttpRequest) -> HttpResponse:
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = accounts.candidate_register(**form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("注册成功 / Welcome!"))
            return redirect("dashboard")
    return render(request, "registration/register.html", {"form": form})


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    if has_role(request.user, Role.COMMITTEE):
        return redirect("committee-applications")
    own = (
        Application.objects.filter(candidate_id=request.user.pk)
        .select_related("certification__written_exam", "certification__practical_task")
        .prefetch_related("attempts")
    )
    rows = []
    for application in own:
        result = selectors.result_for_application(application)
        rows.append(
            {
                "application": application,
                "attempt": application.attempts.first(),
                "result": result,
                "certificate": getattr(application, "certificate", None),
            }
        )
    return render(request, "certification/dashboard.html", {"rows": rows})


@role_required(Role.CANDIDATE)
@require_POST
def exam_start(request: HttpRequest, slug: str) -> HttpResponse:
    certification = get_object_or_404(Certification, slug=slug, written_exam__isnull=False)
    assert certification.written_exam is not None
    try:
        attempt = exams.attempt_start(candidate=request.user, exam=certification.written_exam)
    except NotFound:
        raise
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("dashboard")
    return redirect("attempt", attempt_id=attempt.public_id)


@role_required(Role.CANDIDATE)
def attempt_page(request: HttpRequest, attempt_id: str) -> HttpResponse:
    attempt = selectors.attempt_get_for_candidate(candidate=request.user, public_id=attempt_id)
    attempt = exams.attempt_close_if_overdue(attempt=attempt)
    view = attempt_view(attempt)
    return render(
        request,
        "certification/attempt.html",
        {
            "attempt": attempt,
            "items": view["items"],
            "rights": view["rights"],
            "seconds_left": exams.seconds_left(attempt),
            "save_token": exams.attempt_save_token(attempt),
            "active": attempt.state in Attempt.ACTIVE_STATES,
            "practice": attempt.exam.mode == Exam.Mode.PRACTICE,
        },
    )


class SolutionForm(forms.Form):
    file = forms.FileField(label=_("solution.py"))


@role_required(Role.CANDIDATE)
def practical_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The task statement, the public material's download (``?download=public``),
    the upload form and the candidate's submissions with live progress."""
    certification = get_object_or_404(Certification, slug=slug, practical_task__isnull=False)
    selectors.approved_application(candidate=request.user, certification=certification)
    task = certification.practical_task
    assert task is not None
    if request.GET.get("download") == "public":
        response = HttpResponse(bundle_public_archive(task), content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{task.slug}-public.zip"'
        return response
    form = SolutionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            practical.submission_create(
                task=task, candidate=request.user, upload=form.cleaned_data["file"]
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已提交，正在评测 / Submitted; grading has started."))
            return redirect("practical", slug=slug)
    submissions = list(Submission.objects.filter(task=task, candidate_id=request.user.pk))
    history = [
        {"at": s.created_at.isoformat(), "dev": s.dev_score}
        for s in reversed(submissions)
        if s.dev_score is not None
    ]
    return render(
        request,
        "certification/practical.html",
        {
            "certification": certification,
            "task": task,
            "form": form,
            "submissions": submissions,
            "dev_history": history,
            "used": practical.submissions_used(task=task, candidate=request.user),
        },
    )


@role_required(Role.COMMITTEE)
@require_POST
def committee_decide(request: HttpRequest, application_id: int) -> HttpResponse:
    try:
        if request.POST.get("decision") == "approve":
            applications.application_approve(application_id=application_id, reviewer=request.user)
            messages.success(request, _("已批准 / Approved."))
        else:
            applications.application_reject(
                application_id=application_id,
                reviewer=request.user,
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, _("已拒绝 / Rejected."))
    except NotFound:
        raise
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("committee-applications")


@role_required(Role.COMMITTEE)
def committee_results(request: HttpRequest) -> HttpResponse:
    page_size = 50
    raw = request.GET.get("page", "1")
    page = int(raw) if raw.isdigit() and int(raw) > 0 else 1
    results = selectors.results_for_committee(
        reviewer=request.user, offset=(page - 1) * page_size, limit=page_size + 1
    )
    return render(
        request,
        "certification/committee_results.html",
        {"results": results[:page_size], "page": page, "has_next": len(results) > page_size},
    )


@role_required(Role.COMMITTEE)
@require_POST
def committee_issue(request: HttpRequest, application_id: int) -> HttpResponse:
    try:
        certificate = certificates.certificate_issue(
            application_id=application_id, issued_by=request.user
        )
    except NotFound:
        raise
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("committee-results")
    messages.success(request, _("证书已签发 / Certificate issued: %s") % certificate.code)
    return redirect("committee-results")


def verify(request: HttpRequest, code: str) -> HttpResponse:
    """Public page: status banner, achievement, holder, dates, the results the holder
    chose to show, links to the JSON and the badge."""
    try:
        found = selectors.certificate_status(code=code)
    except NotFound:
        return render(request, "certification/verify_missing.html", {"code": code}, status=404)
    certificate = found.certificate
    return render(
        request,
        "certification/verify.html",
        {
            "found": found,
            "results": certificates.certificate_results_shown(certificate),
            "issuer": issuer.issuer_profile(),
        },
    )


# --- Certificates: public documents, verifier, holder and committee pages (issue 7) ---


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
        found = selectors.certificate_status(code=code)
    except NotFound as exc:
        raise Http404 from exc
    return _json(
        sharing.credential_ordered(found.certificate.credential),
        filename=f"certificate-{code}.json",
    )


def verify_badge(request: HttpRequest, code: str) -> HttpResponse:
    """An embeddable SVG badge showing the live status."""
    try:
        found = selectors.certificate_status(code=code)
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
    return _json(certificates.achievement_public(certification=certification))


class CredentialCheckForm(forms.Form):
    credential = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false"}),
        required=False,
        max_length=verification.CREDENTIAL_MAX_BYTES,
        label=_("凭证 JSON / Credential JSON"),
    )
    file = forms.FileField(required=False, label=_("或上传文件 / or upload a file"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("file")
        text = data.get("credential") or ""
        if upload is not None:
            if upload.size > verification.CREDENTIAL_MAX_BYTES:
                raise forms.ValidationError(_("文件太大 / File too large."))
            text = upload.read().decode("utf-8", errors="replace")
        if not text.strip():
            raise forms.ValidationError(_("请粘贴或上传凭证 / Paste or upload a credential."))
        try:
            data["document"] = json.loads(text)
        except ValueError as exc:
            raise forms.ValidationError(_("不是有效的 JSON / Not valid JSON: %s") % exc) from exc
        return data


def verify_credential(request: HttpRequest) -> HttpResponse:
    """The verifier: any credential JSON in, every check with its reason out."""
    form = CredentialCheckForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        report = verification.credential_check(document=form.cleaned_data["document"])
    return render(
        request,
        "certification/verify_credential.html",
        {"form": form, "report": report.to_json() if report else None},
    )


class PrivacyForm(forms.Form):
    show_name = forms.BooleanField(required=False, label=_("公开姓名 Show my name"))
    shown_results = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[
            ("written", _("笔试成绩 Written exam")),
            ("practical", _("实操成绩 Practical")),
            ("composite", _("综合成绩 Composite")),
        ],
        label=_("公开的成绩 Results shown"),
    )


@login_required
def certificate_holder(request: HttpRequest, code: str) -> HttpResponse:
    """The holder's page: privacy choices, PDF, LinkedIn, badge embed code."""
    try:
        found = selectors.certificate_get_for_holder(holder=request.user, code=code)
    except NotFound as exc:
        raise Http404 from exc
    certificate = found.certificate
    form = PrivacyForm(
        request.POST or None,
        initial={"show_name": certificate.show_name, "shown_results": certificate.shown_results},
    )
    if request.method == "POST" and form.is_valid():
        certificates.certificate_privacy_set(holder=request.user, code=code, **form.cleaned_data)
        messages.success(request, _("已保存并重新签名 / Saved; the credential was re-signed."))
        return redirect("certificate-holder", code=code)
    verify_url = request.build_absolute_uri(reverse("verify", args=[code]))
    return render(
        request,
        "certification/certificate_holder.html",
        {
            "found": found,
            "form": form,
            "verify_url": verify_url,
            "badge_url": request.build_absolute_uri(reverse("verify-badge", args=[code])),
            "linkedin_url": sharing.linkedin_add_url(
                certificate=certificate,
                verify_url=verify_url,
                organization=issuer.issuer_profile().name,
            ),
        },
    )


@login_required
def certificate_pdf(request: HttpRequest, code: str) -> HttpResponse:
    """The PDF certificate, for its holder and the committee."""
    try:
        if has_role(request.user, Role.COMMITTEE):
            found = selectors.certificate_status(code=code)
        else:
            found = selectors.certificate_get_for_holder(holder=request.user, code=code)
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
def committee_certificates(request: HttpRequest) -> HttpResponse:
    rows = selectors.certificates_for_committee(reviewer=request.user)
    return render(request, "certification/certificate_committee.html", {"rows": rows})


@role_required(Role.COMMITTEE)
@require_POST
def committee_certificate_action(request: HttpRequest, code: str, action: str) -> HttpResponse:
    """revoke / suspend / unsuspend / renew / rename, each with a reason."""
    reason = request.POST.get("reason", "")
    try:
        if action == "revoke":
            certificates.certificate_revoke(actor=request.user, code=code, reason=reason)
        elif action == "suspend":
            certificates.certificate_suspend(actor=request.user, code=code, reason=reason)
        elif action == "unsuspend":
            certificates.certificate_unsuspend(actor=request.user, code=code, reason=reason)
        elif action == "renew":
            credits = request.POST.get("credits") or None
            certificates.certificate_renew(
                actor=request.user,
                code=code,
                reason=reason,
                basis=request.POST.get("basis", ""),
                credits=int(credits) if credits and credits.isdigit() else None,
            )
        elif action == "rename":
            certificates.certificate_rename(
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
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("已完成 / Done: %(action)s %(code)s") % {"action": action, "code": code}
        )
    return redirect("committee-certificates")
