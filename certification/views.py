"""HTML pages. Each view checks the role on the server, calls one service or selector
and renders; a domain error becomes a message on the page, with the input kept."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from certification import selectors
from certification.models import Application, Certification
from certification.roles import Role, has_role
from certification.services import accounts, applications, certificates, exams
from config.errors import ApplicationError, NotFound
from grading import practical
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
            "certifications": Certification.objects.select_related("level", "domain"),
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


class ApplicationForm(forms.Form):
    full_name = forms.CharField(max_length=120, label=_("姓名 Full name"))
    learning_history = forms.CharField(widget=forms.Textarea, label=_("学习经历 Learning history"))
    project_experience = forms.CharField(
        widget=forms.Textarea, label=_("项目经验 Project experience")
    )


@role_required(Role.CANDIDATE)
def apply(request: HttpRequest, slug: str) -> HttpResponse:
    certification = get_object_or_404(Certification, slug=slug)
    form = ApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            applications.application_submit(
                candidate=request.user, certification=certification, **form.cleaned_data
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("申请已提交，等待审核 / Application submitted."))
            return redirect("dashboard")
    return render(
        request, "certification/apply.html", {"form": form, "certification": certification}
    )


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
    answers = {a.item_id: a for a in attempt.answers.all()}
    items = [
        {"item": item, "question": item.question, "answer": answers.get(item.pk)}
        for item in attempt.exam.items.select_related("question").order_by("position")
    ]
    return render(
        request,
        "certification/attempt.html",
        {"attempt": attempt, "items": items, "seconds_left": exams.seconds_left(attempt)},
    )


class SolutionForm(forms.Form):
    file = forms.FileField(label=_("solution.py"))


@role_required(Role.CANDIDATE)
def practical_page(request: HttpRequest, slug: str) -> HttpResponse:
    certification = get_object_or_404(Certification, slug=slug, practical_task__isnull=False)
    selectors.approved_application(candidate=request.user, certification=certification)
    task = certification.practical_task
    assert task is not None
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
    submissions = Submission.objects.filter(task=task, candidate_id=request.user.pk)
    return render(
        request,
        "certification/practical.html",
        {
            "certification": certification,
            "task": task,
            "form": form,
            "submissions": submissions,
            "used": practical.submissions_used(task=task, candidate=request.user),
        },
    )


@role_required(Role.COMMITTEE)
def committee_applications(request: HttpRequest) -> HttpResponse:
    queue = selectors.applications_for_review(reviewer=request.user)
    return render(request, "certification/committee_applications.html", {"queue": queue})


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
    results = selectors.results_for_committee(reviewer=request.user)
    return render(request, "certification/committee_results.html", {"results": results})


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
    try:
        found = selectors.certificate_status(code=code)
    except NotFound:
        return render(request, "certification/verify_missing.html", {"code": code}, status=404)
    return render(request, "certification/verify.html", {"found": found})
