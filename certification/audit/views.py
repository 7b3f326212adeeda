"""Pages: the audit log with its CSV export, and a user's notifications."""

import csv
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from certification.audit import notifications, selectors
from core.http import PAGE_SIZE, AuthenticatedRequest, role_required
from core.roles import Role


class AuditFilterForm(forms.Form):
    actor = forms.CharField(required=False, max_length=150, label=_("操作人"))
    action = forms.CharField(required=False, max_length=64, label=_("操作"))
    object_type = forms.CharField(required=False, max_length=64, label=_("对象类型"))
    object_id = forms.CharField(required=False, max_length=64, label=_("对象编号"))
    date_from = forms.DateField(
        required=False, label=_("自"), widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label=_("至"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def filters(self) -> selectors.AuditFilters:
        if not self.is_valid():
            return selectors.AuditFilters()
        return selectors.AuditFilters(**self.cleaned_data)


@role_required(Role.COMMITTEE)
def audit_page(request: AuthenticatedRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    events = selectors.audit_log(viewer=request.user, filters=form.filters())
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "audit/audit.html",
        {"form": form, "page": page, "actions": selectors.audit_actions()},
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


@role_required(Role.COMMITTEE)
def audit_csv(request: AuthenticatedRequest) -> Any:  # a StreamingHttpResponse
    form = AuditFilterForm(request.GET)
    events = selectors.audit_log(viewer=request.user, filters=form.filters())
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in selectors.audit_csv_rows(events)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
    return response


@login_required
def notifications_page(request: AuthenticatedRequest) -> HttpResponse:
    page = Paginator(selectors.notifications_for(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "audit/notifications.html", {"page": page})


@login_required
@require_POST
def notifications_read(request: AuthenticatedRequest) -> HttpResponse:
    ids = [int(pk) for pk in request.POST.getlist("ids") if pk.isdigit()]
    notifications.notifications_mark_read(user=request.user, notification_ids=ids or None)
    return redirect("notifications")
