"""Instructors' pages for practical task bundles: upload, then follow the worker's
validation and trial run. Instructors and the committee only; anyone else gets 404."""

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError
from core.http import AuthenticatedRequest
from core.ratelimit import page_throttle
from training.access import author_required
from training.bundles.selectors import (
    bundle_upload_get,
    bundle_uploads_recent,
    practical_tasks_with_versions,
)
from training.bundles.uploads import bundle_upload_receive, bundle_upload_stage_label
from training.upload_progress import upload_progress_strings


class BundleForm(forms.Form):
    archive = forms.FileField(label=_("任务包"))


@author_required
@page_throttle("upload")
def bundle_uploads(request: AuthenticatedRequest) -> HttpResponse:
    form = BundleForm(request.POST or None, request.FILES or None)
    # A refused upload answers 400, so the page's upload script shows the errors.
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        try:
            bundle_upload_receive(upload=form.cleaned_data["archive"], uploaded_by=request.user)
        except ApplicationError as exc:
            form.add_error("archive", exc.message)
        else:
            messages.success(request, _("已上传，正在校验并试运行参考解与基线解"))
            return redirect("bundle-uploads")
    return render(
        request,
        "training/bundle_uploads.html",
        {
            "form": form,
            "uploads": bundle_uploads_recent(),
            "tasks": practical_tasks_with_versions(),
            "upload_i18n": upload_progress_strings(),
        },
        status=status,
    )


@author_required
def bundle_upload_status(request: AuthenticatedRequest, upload_id: int) -> JsonResponse:
    upload = bundle_upload_get(upload_id=upload_id)
    if upload is None:
        raise Http404
    return JsonResponse(
        {
            "state": upload.state,
            "state_label": upload.get_state_display(),
            "stage": upload.stage,
            "stage_label": bundle_upload_stage_label(upload),
            "done": upload.done,
            "total": upload.total,
            "message": upload.message,
            "final": upload.is_final,
        }
    )
