"""Pages of mentoring: the candidate's mentor page, the mentor's mentees and a
mentee's progress, a thread, and the committee's assignments."""

from django import forms
from django.contrib import messages
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from certification.learning.charts import mastery_chart
from certification.learning.projects import projects_available
from certification.mentoring import selectors
from certification.mentoring import services as mentoring
from certification.models import Enrolment, Mentorship
from core.errors import ApplicationError
from core.http import AuthenticatedRequest, error_show, role_required
from core.roles import Role
from training.models import Lesson, PracticalTask


class QuestionForm(forms.Form):
    subject = forms.CharField(max_length=200, label=_("标题"))
    lesson = forms.ModelChoiceField(
        queryset=Lesson.objects.none(), required=False, label=_("相关课时（可选）")
    )
    task = forms.ModelChoiceField(
        queryset=PracticalTask.objects.none(), required=False, label=_("相关实操任务（可选）")
    )
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}), max_length=mentoring.MAX_BODY, label=_("问题")
    )

    def __init__(self, *args: object, candidate: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        enrolled = Enrolment.objects.filter(candidate=candidate).values("curriculum_id")
        self.fields["lesson"].queryset = (  # type: ignore[attr-defined]
            Lesson.objects.filter(curriculum_id__in=enrolled, is_published=True)
            .select_related("curriculum")
            .order_by("curriculum__slug", "position")
        )
        self.fields["task"].queryset = projects_available(  # type: ignore[attr-defined]
            candidate=candidate
        )


@role_required(Role.CANDIDATE)
def my_mentor(request: AuthenticatedRequest) -> HttpResponse:
    form = QuestionForm(request.POST or None, candidate=request.user)
    if request.method == "POST" and form.is_valid():
        lesson, task = form.cleaned_data["lesson"], form.cleaned_data["task"]
        try:
            thread = mentoring.thread_open(
                candidate=request.user,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                lesson_id=lesson.pk if lesson else None,
                task_id=task.pk if task else None,
            )
        except ApplicationError as exc:
            error_show(request, exc, form=form)  # what was typed stays in the form
        else:
            messages.success(request, _("问题已发送给导师"))
            return redirect("mentor-thread", thread_id=thread.pk)
    return render(
        request,
        "mentoring/my_mentor.html",
        {
            "mentorship": mentoring.mentor_current(candidate=request.user),
            "threads": selectors.threads_for(user=request.user),
            "form": form,
        },
    )


@role_required(Role.CANDIDATE, Role.INSTRUCTOR)
def thread_page(request: AuthenticatedRequest, thread_id: int) -> HttpResponse:
    thread = mentoring.thread_for(user=request.user, thread_id=thread_id)
    if request.method == "POST":
        try:
            mentoring.message_post(
                author=request.user, thread_id=thread.pk, body=request.POST.get("body", "")
            )
        except ApplicationError as exc:
            error_show(request, exc)
            return render(
                request,
                "mentoring/thread.html",
                {"thread": thread, "draft": request.POST.get("body", "")},
                status=400,
            )
        return redirect("mentor-thread", thread_id=thread.pk)
    return render(request, "mentoring/thread.html", {"thread": thread, "draft": ""})


@role_required(Role.INSTRUCTOR)
def mentees_page(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request,
        "mentoring/mentees.html",
        {
            "mentees": selectors.mentees(mentor=request.user),
            "threads": selectors.threads_for(user=request.user)[:50],
        },
    )


@role_required(Role.INSTRUCTOR)
def mentee_page(request: AuthenticatedRequest, candidate_id: int) -> HttpResponse:
    view = selectors.mentee_view(mentor=request.user, candidate_id=candidate_id)
    curricula = [
        {"progress": progress, "plan": plan, "chart": mastery_chart(plan)}
        for progress, plan in view.curricula
    ]
    return render(
        request,
        "mentoring/mentee.html",
        {"mentorship": view.mentorship, "curricula": curricula},
    )


@role_required(Role.COMMITTEE)
def assignments(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request,
        "mentoring/assignments.html",
        {
            "current": Mentorship.objects.filter(ended_at__isnull=True)
            .select_related("candidate", "mentor")
            .order_by("mentor__username", "candidate__username")[:500],
            "instructors": User.objects.filter(groups__name=Role.INSTRUCTOR.value).order_by(
                "username"
            ),
        },
    )


@role_required(Role.COMMITTEE)
@require_POST
def assign(request: AuthenticatedRequest) -> HttpResponse:
    candidate = User.objects.filter(username=request.POST.get("candidate", "").strip()).first()
    mentor = User.objects.filter(pk=request.POST.get("mentor") or 0).first()
    if candidate is None or mentor is None:
        messages.error(request, _("找不到该考生或导师"))
        return redirect("committee-mentors")
    try:
        mentoring.mentor_assign(assigned_by=request.user, candidate=candidate, mentor=mentor)
    except ApplicationError as exc:
        error_show(request, exc)
    else:
        messages.success(request, _("已指派导师"))
    return redirect("committee-mentors")
