"""Pages: interview slots and agreement (committee), ratings (examiners), booking
(candidates)."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from certification.interviews import agreement, selectors
from certification.interviews import services as interviews
from certification.models import Certification, InterviewSlot
from core.errors import ApplicationError, NotFound
from core.http import AuthenticatedRequest, error_show, role_required
from core.roles import Role


def _examiners() -> forms.ModelChoiceField[Any]:
    return forms.ModelChoiceField(
        get_user_model().objects.filter(groups__name=Role.EXAMINER.value).order_by("username"),
        label=_("考官"),
    )


class SlotForm(forms.Form):
    certification = forms.ModelChoiceField(Certification.objects.all(), label=_("认证"))
    starts_at = forms.DateTimeField(
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), label=_("开始时间")
    )
    duration_minutes = forms.IntegerField(min_value=1, initial=30, label=_("时长（分钟）"))
    location = forms.CharField(max_length=200, required=False, label=_("地点 / 会议室"))
    first_examiner = _examiners()
    second_examiner = _examiners()


@role_required(Role.COMMITTEE)
def committee_interviews(request: AuthenticatedRequest) -> HttpResponse:
    form = SlotForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            interviews.interview_slot_create(created_by=request.user, **form.cleaned_data)
        except NotFound:
            raise
        except ApplicationError as exc:
            error_show(request, exc, form=form)
        else:
            messages.success(request, _("面试时段已创建"))
            return redirect("committee-interviews")
    slots = (
        InterviewSlot.objects.select_related("certification", "first_examiner", "second_examiner")
        .prefetch_related("interviews")
        .order_by("-starts_at")[:200]
    )
    return render(request, "interviews/committee_slots.html", {"form": form, "slots": slots})


@role_required(Role.COMMITTEE)
def committee_agreement(request: AuthenticatedRequest) -> HttpResponse:
    rows = agreement.rater_agreement(viewer=request.user)
    return render(request, "interviews/agreement.html", {"rows": rows})


@role_required(Role.EXAMINER)
def examiner_interviews(request: AuthenticatedRequest) -> HttpResponse:
    queue = selectors.interviews_for_examiner(examiner=request.user)
    return render(request, "interviews/examiner_queue.html", {"queue": queue})


@role_required(Role.EXAMINER)
def examiner_interview_rate(request: AuthenticatedRequest, interview_id: int) -> HttpResponse:
    """Blind: the page shows the rubric and the slot, never another rating."""
    interview = selectors.interview_get_for_examiner(
        examiner=request.user, interview_id=interview_id
    )
    rubric = selectors.interview_rubric(interview)
    chosen = {c["id"]: request.POST.get(f"level-{c['id']}", "") for c in rubric.criteria}
    error = ""
    if request.method == "POST":
        try:
            interviews.interview_rate(
                examiner=request.user,
                interview_id=interview.pk,
                levels=chosen,
                comment=request.POST.get("comment", ""),
            )
        except NotFound:
            raise
        except ApplicationError as exc:
            error = exc.message
        else:
            messages.success(request, _("评分已提交"))
            return redirect("examiner-interviews")
    return render(
        request,
        "interviews/rate.html",
        {
            "interview": interview,
            "rubric": rubric,
            "chosen": chosen,
            "error": error,
            "is_adjudicator": interview.adjudicator_id == request.user.pk,
        },
    )


@role_required(Role.CANDIDATE)
def candidate_interview(request: AuthenticatedRequest, application_id: int) -> HttpResponse:
    booking = selectors.interview_for_candidate(
        candidate=request.user, application_id=application_id
    )
    slots = selectors.interview_slots_open(candidate=request.user, application_id=application_id)
    return render(
        request,
        "interviews/candidate.html",
        {
            "application_id": application_id,
            "booking": booking,
            "slots": slots,
            "reschedules_left": selectors.max_reschedules()
            - (booking.reschedule_count if booking else 0),
        },
    )


@role_required(Role.CANDIDATE)
@require_POST
def candidate_interview_book(request: AuthenticatedRequest, application_id: int) -> HttpResponse:
    slot_id = int(request.POST.get("slot", "0") or 0)
    try:
        if selectors.interview_for_candidate(candidate=request.user, application_id=application_id):
            interviews.interview_reschedule(
                candidate=request.user, application_id=application_id, slot_id=slot_id
            )
            messages.success(request, _("已改期"))
        else:
            interviews.interview_book(
                candidate=request.user, application_id=application_id, slot_id=slot_id
            )
            messages.success(request, _("已预约"))
    except NotFound:
        raise
    except ApplicationError as exc:
        error_show(request, exc)
    return redirect("candidate-interview", application_id=application_id)
