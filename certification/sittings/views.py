"""Pages: a candidate books, moves or cancels a seat at an exam sitting and takes it
home as an .ics file; instructors and the committee open sittings on an exam."""

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from certification.models import Certification
from certification.sittings import selectors
from certification.sittings import services as sittings
from certification.sittings.ics import booking_calendar_response
from core.errors import ApplicationError, NotFound
from core.http import AuthenticatedRequest, error_show, role_required
from core.roles import Role


@role_required(Role.CANDIDATE)
def candidate_sittings(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    exam = selectors.sitting_exam_for_candidate(candidate=request.user, slug=slug)
    booking = selectors.sitting_booking_for_candidate(candidate=request.user, exam=exam)
    certification = Certification.objects.get(slug=slug)
    return render(
        request,
        "sittings/candidate.html",
        {
            "certification": certification,
            "exam": exam,
            "booking": booking,
            "changeable": booking is not None
            and timezone.now() < selectors.sitting_cutoff(booking.sitting),
            "sittings": selectors.sittings_open(exam=exam),
        },
    )


@role_required(Role.CANDIDATE)
@require_POST
def candidate_sitting_book(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    selectors.sitting_exam_for_candidate(candidate=request.user, slug=slug)
    chosen = request.POST.get("sitting", "")
    if not chosen.isdigit():
        messages.error(request, _("请先选择一个考场。"))
        return redirect("sittings", slug=slug)
    try:
        sittings.sitting_book(candidate=request.user, slug=slug, sitting_id=int(chosen))
    except NotFound:
        raise
    except ApplicationError as exc:
        error_show(request, exc)
        return redirect("sittings", slug=slug)
    messages.success(request, _("考场已预约。考试当天请在考场时间内从“我的认证”开始笔试。"))
    return redirect("sittings", slug=slug)


@role_required(Role.CANDIDATE)
@require_POST
def candidate_sitting_cancel(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    try:
        cancelled = sittings.sitting_cancel(candidate=request.user, slug=slug)
    except NotFound:
        raise
    except ApplicationError as exc:
        error_show(request, exc)
    else:
        if cancelled is not None:
            messages.success(request, _("考场预约已取消，座位已释放。"))
    return redirect("sittings", slug=slug)


@role_required(Role.CANDIDATE)
def candidate_sitting_ics(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    exam = selectors.sitting_exam_for_candidate(candidate=request.user, slug=slug)
    booking = selectors.sitting_booking_for_candidate(candidate=request.user, exam=exam)
    if booking is None:
        raise NotFound("Not found.")
    return booking_calendar_response(booking, slug=slug)


class SittingForm(forms.Form):
    starts_at = forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), label=_("开始时间")
    )
    ends_at = forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), label=_("最晚开考时间")
    )
    capacity = forms.IntegerField(min_value=1, max_value=10_000, initial=30, label=_("座位数"))
    location = forms.CharField(max_length=200, required=False, label=_("地点或线上链接"))
    cutoff_hours = forms.IntegerField(
        min_value=0, max_value=336, initial=24, label=_("提前多少小时截止预约与改约")
    )


@role_required(Role.INSTRUCTOR, Role.COMMITTEE)
def staff_sittings(request: AuthenticatedRequest, exam_id: int) -> HttpResponse:
    exam = selectors.exam_get_for_staff(user=request.user, exam_id=exam_id)
    form = SittingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            sittings.sitting_create(created_by=request.user, exam_id=exam.pk, **form.cleaned_data)
        except NotFound:
            raise
        except ApplicationError as exc:
            error_show(request, exc, form=form)
        else:
            messages.success(request, _("考场已创建"))
            return redirect("staff-sittings", exam_id=exam.pk)
    rows = list(selectors.sittings_with_seats().filter(exam_id=exam.pk))
    return render(request, "sittings/staff.html", {"exam": exam, "form": form, "sittings": rows})
