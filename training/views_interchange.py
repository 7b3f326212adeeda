"""The instructors' question upload page: upload, preview (a dry run), confirm.

Only users in the ``instructor`` or ``committee`` group may use it; anyone else gets
the same 404 as a bank that does not exist. The previewed file waits in the session
until it is confirmed, so the confirmed import is exactly what was previewed."""

import base64
import hashlib
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from training import interchange
from training.interchange import ImportProblems
from training.models import QuestionBank
from training.services.interchange import (
    QUESTION_IMPORT_MAX_BYTES,
    questions_export,
    questions_import,
)

IMPORT_ROLES = ("instructor", "committee")
_SESSION_KEY = "question_import"
_FORM_OVERHEAD = 64 * 1024


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def bank_get_for_importer(*, user: Any, slug: str) -> QuestionBank:
    """The bank, if ``user`` may import into it; Http404 otherwise, exactly as for a
    bank that does not exist."""
    if not user.is_authenticated or not user.groups.filter(name__in=IMPORT_ROLES).exists():
        raise Http404
    bank = QuestionBank.objects.filter(slug=slug).first()
    if bank is None:
        raise Http404
    return bank


class ImportForm(forms.Form):
    file = forms.FileField(label=_("题目文件 / Question file"))
    format = forms.ChoiceField(
        label=_("格式 / Format"),
        choices=[("gift", "GIFT"), ("moodle-xml", "Moodle XML"), ("qti", "QTI 2.1")],
    )
    skip_bad = forms.BooleanField(
        required=False, label=_("跳过有错误的题目 / Skip items with errors, import the rest")
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > QUESTION_IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _(
                    "文件过大：上限为 %(limit)d KiB / The file is too large: the limit is %(limit)d KiB."
                ),
                params={"limit": QUESTION_IMPORT_MAX_BYTES // 1024},
            )
        return upload


def _run(bank: QuestionBank, pending: dict[str, Any], *, user: Any, dry_run: bool) -> Any:
    data = base64.b64decode(pending["data"])
    result = interchange.parse(pending["format"], data, skip_bad=pending["skip_bad"])
    return questions_import(
        bank=bank,
        drafts=result.drafts,
        created_by=user,
        dry_run=dry_run,
        categories=result.categories,
        skipped=result.skipped,
    )


@login_required
def question_import(request: HttpRequest, slug: str) -> HttpResponse:
    bank = bank_get_for_importer(user=request.user, slug=slug)
    context: dict[str, Any] = {"bank": bank, "limit_kib": QUESTION_IMPORT_MAX_BYTES // 1024}
    status = 200
    if request.method == "POST" and request.POST.get("action") == "confirm":
        pending = request.session.get(_SESSION_KEY)
        if (
            not pending
            or pending["bank"] != bank.pk
            or pending["digest"] != request.POST.get("digest")
        ):
            messages.error(request, _("请先上传并预览文件 / Upload and preview the file first."))
            return redirect("question-import", slug=bank.slug)
        try:
            report = _run(bank, pending, user=request.user, dry_run=False)
        except ImportProblems as error:
            context.update(form=ImportForm(), problems=error.problems)
            return render(request, "training/import.html", context, status=400)
        del request.session[_SESSION_KEY]
        messages.success(
            request,
            _("已导入 %(n)d 道题 / Imported %(n)d question(s).") % {"n": report.created},
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


def _require_author(request: HttpRequest) -> None:
    if not request.user.groups.filter(name__in=IMPORT_ROLES).exists():
        raise Http404


@login_required
def bank_list(request: HttpRequest) -> HttpResponse:
    """The question banks, with import and export, for instructors and the committee."""
    _require_author(request)
    banks = QuestionBank.objects.annotate(items=Count("questions")).order_by("title")
    return render(request, "training/banks.html", {"banks": banks})


EXPORT_FORMATS = {"gift": ("text/plain", "txt"), "moodle-xml": ("application/xml", "xml")}


@login_required
def bank_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    bank = bank_get_for_importer(user=request.user, slug=slug)
    if fmt not in EXPORT_FORMATS:
        raise Http404
    content_type, extension = EXPORT_FORMATS[fmt]
    response = HttpResponse(
        questions_export(bank=bank, format=fmt), content_type=f"{content_type}; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{bank.slug}.{extension}"'
    return response
