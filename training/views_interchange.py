"""The instructors' question upload page: upload, preview (a dry run), confirm.

Only authors (instructors and the committee, ``training.access``) may use it; anyone
else gets the same 404 as a bank that does not exist. The previewed file waits in the
session until it is confirmed, so the confirmed import is exactly what was previewed."""

import base64
import hashlib
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.http import AuthenticatedRequest
from training import interchange
from training.access import author_required
from training.interchange import ImportProblems
from training.models import QuestionBank, ReviewStatus
from training.selectors import bank_get_for_author, banks_with_item_counts
from training.services.interchange import (
    QUESTION_IMPORT_MAX_BYTES,
    ImportReport,
    questions_export,
    questions_import,
)

_SESSION_KEY = "question_import"
_FORM_OVERHEAD = 64 * 1024


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class ImportForm(forms.Form):
    file = forms.FileField(label=_("题目文件"))
    format = forms.ChoiceField(
        label=_("格式"),
        choices=[("gift", "GIFT"), ("moodle-xml", "Moodle XML"), ("qti", "QTI 2.1")],
    )
    skip_bad = forms.BooleanField(required=False, label=_("跳过有错误的题目"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > QUESTION_IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("文件过大：上限为 %(limit)d KiB"),
                params={"limit": QUESTION_IMPORT_MAX_BYTES // 1024},
            )
        return upload


def _run(bank: QuestionBank, pending: dict[str, Any], *, user: User, dry_run: bool) -> ImportReport:
    data = base64.b64decode(pending["data"])
    result = interchange.parse(pending["format"], data, skip_bad=pending["skip_bad"])
    return questions_import(
        bank=bank,
        drafts=result.drafts,
        created_by=user,
        dry_run=dry_run,
        categories=result.categories,
        skipped=result.skipped,
        status=ReviewStatus.IN_REVIEW,
    )


@author_required
def question_import(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    bank = bank_get_for_author(user=request.user, slug=slug)
    context: dict[str, Any] = {"bank": bank, "limit_kib": QUESTION_IMPORT_MAX_BYTES // 1024}
    status = 200
    if request.method == "POST" and request.POST.get("action") == "confirm":
        pending = request.session.get(_SESSION_KEY)
        if (
            not pending
            or pending["bank"] != bank.pk
            or pending["digest"] != request.POST.get("digest")
        ):
            messages.error(request, _("请先上传并预览文件"))
            return redirect("question-import", slug=bank.slug)
        try:
            report = _run(bank, pending, user=request.user, dry_run=False)
        except ImportProblems as error:
            context.update(form=ImportForm(), problems=error.problems)
            return render(request, "training/import.html", context, status=400)
        del request.session[_SESSION_KEY]
        messages.success(
            request,
            ngettext("已导入 %(n)d 道题", "已导入 %(n)d 道题", report.created)
            % {"n": report.created},
        )
        return redirect("question-import", slug=bank.slug)
    if (
        request.method == "POST"
        and _declared_length(request) > QUESTION_IMPORT_MAX_BYTES + _FORM_OVERHEAD
    ):
        # Refused before Django reads (and spools to disk) the body.
        context.update(form=ImportForm(), too_large=True)
        return render(request, "training/import.html", context, status=413)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not form.is_valid():
            status = 400
        else:
            data = form.cleaned_data["file"].read()
            pending = {
                "bank": bank.pk,
                "format": form.cleaned_data["format"],
                "skip_bad": form.cleaned_data["skip_bad"],
                "data": base64.b64encode(data).decode("ascii"),
                "digest": hashlib.sha256(data).hexdigest(),
                "filename": form.cleaned_data["file"].name,
            }
            try:
                report = _run(bank, pending, user=request.user, dry_run=True)
            except ImportProblems as error:
                context["problems"] = error.problems
                status = 400
            else:
                request.session[_SESSION_KEY] = pending
                context.update(
                    report=report, digest=pending["digest"], filename=pending["filename"]
                )
    context["form"] = form
    return render(request, "training/import.html", context, status=status)


@author_required
def bank_list(request: AuthenticatedRequest) -> HttpResponse:
    """The question banks, with import and export, for instructors and the committee."""
    return render(request, "training/banks.html", {"banks": banks_with_item_counts()})


EXPORT_FORMATS = {"gift": ("text/plain", "txt"), "moodle-xml": ("application/xml", "xml")}


@author_required
def bank_export(request: AuthenticatedRequest, slug: str, fmt: str) -> HttpResponse:
    bank = bank_get_for_author(user=request.user, slug=slug)
    if fmt not in EXPORT_FORMATS:
        raise Http404
    content_type, extension = EXPORT_FORMATS[fmt]
    response = HttpResponse(
        questions_export(bank=bank, format=fmt), content_type=f"{content_type}; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{bank.slug}.{extension}"'
    return response
