"""Instructors' pages for practical task bundles: upload, then follow the worker's
validation and trial run. Instructors and the committee only; anyone else gets 404."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError
from grading.models import BundleUpload
from grading.uploads import bundle_upload_receive
from training.models import PracticalTask

AUTHOR_GROUPS = ("instructor", "committee")


def _require_author(request: HttpRequest) -> None:
    # grading may not import certification (where roles live): roles are groups.
    if not request.user.groups.filter(name__in=AUTHOR_GROUPS).exists():
        raise Http404


class BundleForm(forms.Form):
    archive = forms.FileField(label=_("任务包 / Task bundle (.tar.gz, .zip)"))


@login_required
def bundle_uploads(request: HttpRequest) -> HttpResponse:
    _require_author(request)
    form = BundleForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            bundle_upload_receive(upload=form.cleaned_data["archive"], uploaded_by=request.user)
        except ApplicationError as exc:
            form.add_error("archive", exc.message)
        else:
            messages.success(
                request, _("已上传，正在校验并试运行参考解与基线解 / Uploaded; checking.")
            )
            return redirect("bundle-uploads")
    return render(
        request,
        "grading/bundle_uploads.html",
        {
            "form": form,
            "uploads": BundleUpload.objects.all()[:50],
            "tasks": PracticalTask.objects.select_related("current_version").order_by("slug"),
        },
    )


@login_required
def bundle_upload_status(request: HttpRequest, upload_id: int) -> JsonResponse:
    _require_author(request)
    upload = BundleUpload.objects.filter(pk=upload_id).first()
    if upload is None:
        raise Http404
    return JsonResponse(
        {
            "state": upload.state,
            "state_label": upload.get_state_display(),
            "message": upload.message,
            "final": upload.is_final,
        }
    )
