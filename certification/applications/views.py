"""Pages: the application form and attachments, the candidate's application, the
committee's review queue, decisions and waivers, conflicts of interest."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from certification.applications import conflicts, review, selectors
from certification.applications import services as applications
from certification.applications.selectors import application_draft_get
from certification.models import Application, Certification, TrainingRelation
from core.charts import waiting_days
from core.errors import ApplicationError, NotFound
from core.http import PAGE_SIZE, AuthenticatedRequest, error_show, redirect_back, role_required
from core.ratelimit import page_throttle
from core.roles import Role
from training.models import Domain, Level


@role_required(Role.COMMITTEE)
@require_POST
def committee_decide(request: AuthenticatedRequest, application_id: int) -> HttpResponse:
    try:
        if request.POST.get("decision") == "approve":
            applications.application_approve(application_id=application_id, reviewer=request.user)
            messages.success(request, _("已批准"))
        else:
            applications.application_reject(
                application_id=application_id,
                reviewer=request.user,
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, _("已拒绝"))
    except NotFound:
        raise
    except ApplicationError as exc:
        error_show(request, exc)
    return redirect("committee-applications")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class ApplicationForm(forms.Form):
    full_name = forms.CharField(max_length=120, label=_("姓名"))
    email = forms.EmailField(required=False, label=_("联系邮箱"))
    phone = forms.CharField(max_length=40, required=False, label=_("电话"))
    organization = forms.CharField(max_length=200, required=False, label=_("单位"))
    learning_history = forms.CharField(widget=forms.Textarea, label=_("学习经历"))
    project_experience = forms.CharField(widget=forms.Textarea, label=_("项目经验"))
    waiver_request = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label=_("豁免申请理由（不满足报名条件时）"),
    )
    attachments = MultipleFileField(
        required=False, label=_("附件（PDF/PNG/JPEG，每个 ≤ 5 MB）Attachments")
    )

    def __init__(self, *args: Any, draft: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if draft:  # a draft may be saved half-written
            for name in ("full_name", "learning_history", "project_experience"):
                self.fields[name].required = False


def _fields(cleaned: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in cleaned.items() if k != "attachments"}


def _attach_all(
    request: AuthenticatedRequest, application: Application, uploads: list[Any]
) -> bool:
    ok = True
    for upload in uploads:
        try:
            applications.attachment_add(
                candidate=request.user, application_id=application.pk, upload=upload
            )
        except NotFound:
            raise
        except ApplicationError as exc:
            messages.error(request, f"{upload.name}: {exc.message}")
            ok = False
    return ok


@role_required(Role.CANDIDATE)
@page_throttle("upload")
def apply(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    """The application form. "Save draft" keeps it editable; "Submit" (the default
    button) files it."""
    certification = get_object_or_404(Certification, slug=slug)
    draft = application_draft_get(candidate=request.user, certification=certification)
    saving_draft = request.POST.get("action") == "draft"
    initial = (
        {name: getattr(draft, name) for name in applications.APPLICATION_FIELDS} if draft else {}
    )
    form = ApplicationForm(
        request.POST or None, request.FILES or None, initial=initial, draft=saving_draft
    )
    if request.method == "POST" and form.is_valid():
        fields = _fields(form.cleaned_data)
        try:
            if saving_draft:
                application = applications.application_draft_save(
                    candidate=request.user, certification=certification, **fields
                )
            else:
                if form.cleaned_data["attachments"] and draft is None:
                    # Files need an application to belong to: keep the text as a draft
                    # first, then attach, then submit.
                    draft = applications.application_draft_save(
                        candidate=request.user, certification=certification, **fields
                    )
                if draft is not None and not _attach_all(
                    request, draft, form.cleaned_data["attachments"]
                ):
                    return redirect("apply", slug=slug)
                application = applications.application_submit(
                    candidate=request.user, certification=certification, **fields
                )
        except ApplicationError as exc:
            error_show(request, exc, form=form)
        else:
            if saving_draft:
                _attach_all(request, application, form.cleaned_data["attachments"])
                messages.success(request, _("草稿已保存"))
                return redirect("apply", slug=slug)
            messages.success(request, _("申请已提交，等待审核"))
            return redirect("dashboard")
    eligibility = selectors.eligibility_check(candidate=request.user, certification=certification)
    return render(
        request,
        "applications/apply.html",
        {
            "form": form,
            "certification": certification,
            "draft": draft,
            "attachments": list(draft.attachments.all()) if draft else [],
            "eligibility": eligibility,
            "max_mb": applications.ATTACHMENT_MAX_BYTES // (1024 * 1024),
        },
    )


@role_required(Role.CANDIDATE)
def application_detail(request: AuthenticatedRequest, application_id: int) -> HttpResponse:
    found = selectors.application_get_for_owner(
        candidate=request.user, application_id=application_id
    )
    return render(request, "applications/candidate_application.html", {"found": found})


@role_required(Role.CANDIDATE)
@require_POST
def application_withdraw(request: AuthenticatedRequest, application_id: int) -> HttpResponse:
    try:
        applications.application_withdraw(candidate=request.user, application_id=application_id)
    except NotFound:
        raise
    except ApplicationError as exc:
        error_show(request, exc)
    else:
        messages.success(request, _("申请已撤回"))
    return redirect("application-detail", application_id=application_id)


class AttachmentForm(forms.Form):
    attachments = MultipleFileField(label=_("附件"))


@role_required(Role.CANDIDATE)
@require_POST
@page_throttle("upload")
def application_attach(request: AuthenticatedRequest, application_id: int) -> HttpResponse:
    found = selectors.application_get_for_owner(
        candidate=request.user, application_id=application_id
    )
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid() and _attach_all(
        request, found.application, form.cleaned_data["attachments"]
    ):
        messages.success(request, _("附件已上传"))
    elif not form.is_valid():
        messages.error(request, _("请选择文件"))
    return redirect("application-detail", application_id=application_id)


@login_required
def attachment_download(
    request: AuthenticatedRequest, application_id: int, attachment_id: int
) -> Any:
    """The file, for its owner and the committee only; never from a public URL."""
    try:
        attachment = selectors.attachment_get_for_user(
            user=request.user, application_id=application_id, attachment_id=attachment_id
        )
    except NotFound as exc:
        raise Http404 from exc
    stored = applications.attachment_open(attachment)
    if stored is None:
        raise Http404
    response = FileResponse(
        stored,
        as_attachment=True,
        filename=attachment.file_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


class QueueFilterForm(forms.Form):
    certification = forms.ChoiceField(required=False, label=_("认证"))
    level = forms.ChoiceField(required=False, label=_("级别"))
    domain = forms.ChoiceField(required=False, label=_("领域"))
    state = forms.ChoiceField(
        required=False,
        label=_("状态"),
        choices=[("", _("全部"))]
        + [(v, lbl) for v, lbl in Application.State.choices if v != Application.State.DRAFT],
    )
    eligibility = forms.ChoiceField(
        required=False,
        label=_("报名条件"),
        choices=[("", _("全部")), ("eligible", _("符合")), ("ineligible", _("不符合"))],
    )
    submitted_from = forms.DateField(
        required=False, label=_("提交自"), widget=forms.DateInput(attrs={"type": "date"})
    )
    submitted_to = forms.DateField(
        required=False, label=_("提交至"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", _("全部"))]
        self.fields["certification"].choices = everything + [  # type: ignore[attr-defined]
            (c.slug, c.name) for c in Certification.objects.all()
        ]
        self.fields["level"].choices = everything + [  # type: ignore[attr-defined]
            (lv.slug, lv.name) for lv in Level.objects.all()
        ]
        self.fields["domain"].choices = everything + [  # type: ignore[attr-defined]
            (d.slug, d.name) for d in Domain.objects.all()
        ]

    def filters(self) -> selectors.QueueFilters:
        if not self.is_valid():
            return selectors.QueueFilters()
        return selectors.QueueFilters(**self.cleaned_data)


def _queue_form(request: HttpRequest) -> QueueFilterForm:
    data = request.GET.copy()
    if "state" not in data:
        data["state"] = Application.State.SUBMITTED
    return QueueFilterForm(data)


@role_required(Role.COMMITTEE)
def review_queue(request: AuthenticatedRequest) -> HttpResponse:
    form = _queue_form(request)
    queue = selectors.review_queue(reviewer=request.user, filters=form.filters())
    page = Paginator(queue, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "applications/committee_applications.html",
        {
            "form": form,
            "page": page,
            "queue": page.object_list,
            "load": waiting_days(
                selectors.review_queue_waiting(reviewer=request.user), now=timezone.now()
            ),
        },
    )


@role_required(Role.COMMITTEE)
@require_POST
def review_bulk(request: AuthenticatedRequest) -> HttpResponse:
    ids = [int(pk) for pk in request.POST.getlist("ids") if pk.isdigit()]
    decision = request.POST.get("decision")
    try:
        outcome = review.applications_bulk_decide(
            reviewer=request.user,
            application_ids=ids,
            approve=decision == "approve",
            reason=request.POST.get("reason", ""),
        )
    except NotFound:
        raise
    except ApplicationError as exc:
        error_show(request, exc)
    else:
        decided = len(outcome.decided)
        messages.success(
            request,
            ngettext("已处理 %(n)d 份申请", "已处理 %(n)d 份申请", decided) % {"n": decided},
        )
        for pk, message in outcome.skipped.items():
            messages.error(request, f"#{pk}: {message}")
    return redirect_back(request, "committee-applications")


@role_required(Role.COMMITTEE)
def review_application(request: AuthenticatedRequest, application_id: int) -> HttpResponse:
    found = selectors.application_get_for_reviewer(
        reviewer=request.user, application_id=application_id
    )
    return render(request, "applications/application.html", {"found": found})


@role_required(Role.COMMITTEE)
@require_POST
def review_waiver(request: AuthenticatedRequest, application_id: int) -> HttpResponse:
    try:
        review.waiver_grant_for_application(
            granted_by=request.user,
            application_id=application_id,
            reason=request.POST.get("reason", ""),
        )
    except NotFound:
        raise
    except ApplicationError as exc:
        error_show(request, exc)
    else:
        messages.success(request, _("已授予豁免"))
    return redirect("committee-application", application_id=application_id)


class ConflictForm(forms.Form):
    staff = forms.CharField(max_length=150, label=_("讲师、考官或委员的用户名"))
    candidate = forms.CharField(max_length=150, label=_("考生用户名"))
    kind = forms.ChoiceField(choices=TrainingRelation.Kind.choices, label=_("关系"))
    note = forms.CharField(max_length=300, required=False, label=_("备注"))


@role_required(Role.COMMITTEE)
def conflicts_page(request: AuthenticatedRequest) -> HttpResponse:
    form = ConflictForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        users = get_user_model().objects
        staff = users.filter(username=form.cleaned_data["staff"]).first()
        candidate = users.filter(username=form.cleaned_data["candidate"]).first()
        if staff is None or candidate is None:
            form.add_error(None, _("用户不存在"))
        else:
            try:
                conflicts.conflict_declare(
                    declared_by=request.user,
                    staff=staff,
                    candidate=candidate,
                    kind=form.cleaned_data["kind"],
                    note=form.cleaned_data["note"],
                )
            except ApplicationError as exc:
                error_show(request, exc, form=form)
            else:
                messages.success(request, _("已登记"))
                return redirect("committee-conflicts")
    relations = conflicts.conflicts_list(viewer=request.user)
    page = Paginator(relations, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "applications/conflicts.html", {"form": form, "page": page})


class OwnConflictForm(forms.Form):
    candidate = forms.CharField(max_length=150, label=_("考生用户名"))
    kind = forms.ChoiceField(choices=TrainingRelation.Kind.choices, label=_("关系"))
    note = forms.CharField(max_length=300, required=False, label=_("说明"))


@role_required(Role.INSTRUCTOR, Role.EXAMINER, Role.COMMITTEE)
def own_conflicts_page(request: AuthenticatedRequest) -> HttpResponse:
    """Staff declare the candidates they trained or mentored; from then on those
    candidates' work leaves their queues."""
    form = OwnConflictForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        candidate = get_user_model().objects.filter(username=form.cleaned_data["candidate"]).first()
        if candidate is None:
            form.add_error("candidate", _("没有这个用户名的考生。"))
        else:
            try:
                conflicts.conflict_declare(
                    declared_by=request.user,
                    staff=request.user,
                    candidate=candidate,
                    kind=form.cleaned_data["kind"],
                    note=form.cleaned_data["note"],
                )
            except ApplicationError as exc:
                error_show(request, exc, form=form)
            else:
                messages.success(request, _("已登记。此后该考生的答卷和面试不会再分配给您。"))
                return redirect("own-conflicts")
    relations = conflicts.conflicts_list_own(staff=request.user)
    page = Paginator(relations, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "applications/own_conflicts.html", {"form": form, "page": page})
