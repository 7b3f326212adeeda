"""The instructors' question upload page: upload, preview (a dry run), confirm.

Only authors (instructors and the committee, ``training.access``) may use it; anyone
else gets the same 404 as a bank that does not exist. The file is stored at once and
previewed, then imported, by a worker (``training.services.imports``): the page of an
import follows its progress, and only its requester may see it."""

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError
from core.http import AuthenticatedRequest
from core.plurals import plural_forms
from training.access import author_required
from training.models import QuestionImport
from training.selectors import (
    bank_get_for_author,
    banks_with_item_counts,
    question_import_get_for_requester,
    question_imports_recent,
)
from training.services.imports import (
    AlreadyImported,
    question_import_again,
    question_import_confirm,
    question_import_progress,
    question_import_retry,
    question_import_stalled,
    question_import_upload,
)
from training.services.interchange import QUESTION_IMPORT_MAX_BYTES, questions_export
from training.upload_progress import upload_progress_strings

_FORM_OVERHEAD = 64 * 1024
# The preview lists this many items (a file at the limit holds thousands).
PREVIEW_ROWS = 500


def _progress_i18n() -> dict[str, Any]:
    """The words of static/js/job_progress.js on this page."""
    return {
        "count": plural_forms(
            lambda n: ngettext("%(done)s / %(total)s 道题", "%(done)s / %(total)s 道题", n)
        ),
        "failed": gettext("无法获取进度，正在重试……"),
    }


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class ImportForm(forms.Form):
    file = forms.FileField(label=_("题目文件"))
    format = forms.ChoiceField(
        label=_("格式"),
        choices=QuestionImport.Format.choices,
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


class AgainForm(forms.Form):
    """The explicit "import again" of a file already imported (its digest)."""

    digest = forms.RegexField(regex=r"^[0-9a-f]{64}$")
    format = forms.ChoiceField(choices=QuestionImport.Format.choices)
    skip_bad = forms.BooleanField(required=False)


@author_required
def question_import(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    """The upload form and the author's recent imports into the bank. A valid upload
    is stored and queued for its preview; the answer is the import's page. A file
    already imported is not imported again silently: the answer (409) says when and
    how many items, and offers "import again" (``action=again``)."""
    bank = bank_get_for_author(user=request.user, slug=slug)
    context: dict[str, Any] = {"bank": bank, "limit_kib": QUESTION_IMPORT_MAX_BYTES // 1024}
    status = 200
    if request.method == "POST" and request.POST.get("action") == "again":
        again = AgainForm(request.POST)
        if not again.is_valid():
            raise Http404
        record = question_import_again(bank=bank, requested_by=request.user, **again.cleaned_data)
        return redirect("question-import-job", slug=bank.slug, import_id=record.pk)
    if (
        request.method == "POST"
        and _declared_length(request) > QUESTION_IMPORT_MAX_BYTES + _FORM_OVERHEAD
    ):
        # Refused before Django reads (and spools to disk) the body.
        context.update(form=ImportForm(), too_large=True)
        status = 413
    else:
        form = ImportForm(request.POST or None, request.FILES or None)
        context["form"] = form
        if request.method == "POST":
            status = 400
            if form.is_valid():
                try:
                    record = question_import_upload(
                        bank=bank,
                        requested_by=request.user,
                        upload=form.cleaned_data["file"],
                        format=form.cleaned_data["format"],
                        skip_bad=form.cleaned_data["skip_bad"],
                    )
                except AlreadyImported as already:
                    context["already"] = already.record
                    context["again"] = {
                        "format": form.cleaned_data["format"],
                        "skip_bad": form.cleaned_data["skip_bad"],
                    }
                    status = 409
                except ApplicationError as error:
                    form.add_error("file", error.message)
                else:
                    return redirect("question-import-job", slug=bank.slug, import_id=record.pk)
    context["imports"] = question_imports_recent(user=request.user, bank=bank)
    context["upload_i18n"] = upload_progress_strings()
    return render(request, "training/import.html", context, status=status)


@author_required
def question_import_job(request: AuthenticatedRequest, slug: str, import_id: int) -> HttpResponse:
    """One import: its progress, its preview to confirm, its result, or its failure
    to retry (the file is kept)."""
    record = question_import_get_for_requester(user=request.user, slug=slug, import_id=import_id)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "confirm" and not question_import_confirm(record=record):
                messages.info(request, _("这个文件已确认导入，不会重复导入"))
            elif action == "retry":
                question_import_retry(record=record)
        except ApplicationError as error:
            messages.error(request, error.message)
        return redirect("question-import-job", slug=slug, import_id=record.pk)
    done, total = question_import_progress(record=record)
    items = record.report.get("items", [])
    return render(
        request,
        "training/import_job.html",
        {
            "bank": record.bank,
            "job": record,
            "done": done,
            "total": total,
            "report": record.report,
            "items": items[:PREVIEW_ROWS],
            "items_hidden": max(0, len(items) - PREVIEW_ROWS),
            "stalled": not record.is_final and question_import_stalled(record=record),
            "progress_i18n": _progress_i18n(),
        },
    )


@author_required
def question_import_status(
    request: AuthenticatedRequest, slug: str, import_id: int
) -> JsonResponse:
    """The import's state and progress, polled by its page."""
    record = question_import_get_for_requester(user=request.user, slug=slug, import_id=import_id)
    done, total = question_import_progress(record=record)
    return JsonResponse(
        {
            "state": record.state,
            "state_label": record.get_state_display(),
            "confirmed": record.confirmed,
            "done": done,
            "total": total,
            "final": record.is_final,
        }
    )


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
