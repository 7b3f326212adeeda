"""Pages: starting an exam, the attempt, the practical task, practice quizzes, the
examiners' grading queue, the exam list and item analysis."""

import csv
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from certification.applications.selectors import approved_application
from certification.exams import answers, integrity
from certification.exams import manual_grading as manual
from certification.exams import services as exams
from certification.exams.analysis_snapshots import (
    AnalysisNow,
    item_analysis_now,
    item_analysis_progress,
)
from certification.exams.forms import SolutionForm
from certification.exams.item_analysis import exams_for_analysis
from certification.exams.practical import practical_submit
from certification.exams.presentation import attempt_view
from certification.exams.selectors import attempt_get_for_candidate
from certification.models import Attempt, Certification, Exam
from core.charts import histogram_of_counts, waiting_days
from core.errors import ApplicationError, NotFound
from core.http import AuthenticatedRequest, error_show, role_required
from core.plurals import plural_forms
from core.ratelimit import page_throttle
from core.roles import Role
from grading import practical
from grading.models import Submission
from training.bundles.storage import bundle_public_archive
from training.markup import render_markdown


@role_required(Role.CANDIDATE)
@require_POST
def exam_start(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    certification = get_object_or_404(Certification, slug=slug, written_exam__isnull=False)
    assert certification.written_exam is not None
    try:
        attempt = exams.attempt_start(candidate=request.user, exam=certification.written_exam)
    except NotFound:
        raise
    except ApplicationError as exc:
        error_show(request, exc)
        return redirect("dashboard")
    return redirect("attempt", attempt_id=attempt.public_id)


def _page_open(request: AuthenticatedRequest, attempt: Attempt, *, takeover: bool) -> str | None:
    return integrity.attempt_page_open(
        attempt=attempt,
        browser=integrity.browser_key(request.session.session_key),
        ip=request.META.get("REMOTE_ADDR") or None,
        device=integrity.device_hash(request.headers.get("User-Agent", "")),
        takeover=takeover,
    )


@role_required(Role.CANDIDATE)
def attempt_page(request: AuthenticatedRequest, attempt_id: str) -> HttpResponse:
    attempt = attempt_get_for_candidate(candidate=request.user, public_id=attempt_id)
    attempt = exams.attempt_close_if_overdue(attempt=attempt)
    session = _page_open(request, attempt, takeover=False)
    if session is None:  # open in another browser: ask before taking it over
        return render(request, "exams/takeover.html", {"attempt": attempt})
    view = attempt_view(attempt)
    return render(
        request,
        "exams/attempt.html",
        {
            "attempt": attempt,
            "items": view["items"],
            "rights": view["rights"],
            "seconds_left": exams.seconds_left(attempt),
            "save_token": answers.attempt_save_token(attempt, session=session or None),
            "active": attempt.state in Attempt.ACTIVE_STATES,
            "practice": attempt.exam.mode == Exam.Mode.PRACTICE,
            "plurals": _attempt_plurals(),
        },
    )


def _attempt_plurals() -> dict[str, Any]:
    """The count messages of static/js/attempt.js, by plural form."""
    return {
        "minutesLeft": plural_forms(lambda n: ngettext("还剩 %(n)s 分钟", "还剩 %(n)s 分钟", n)),
        "pending": plural_forms(
            lambda n: ngettext("有 %(n)s 个答案待发送", "有 %(n)s 个答案待发送", n)
        ),
    }


@role_required(Role.CANDIDATE)
@require_POST
def attempt_takeover(request: AuthenticatedRequest, attempt_id: str) -> HttpResponse:
    """The candidate confirmed: this browser takes the attempt over (logged)."""
    attempt = attempt_get_for_candidate(candidate=request.user, public_id=attempt_id)
    if _page_open(request, attempt, takeover=True):
        messages.warning(
            request, _("你已在此浏览器接管本次作答，另一处的考试页面已停止保存。此次接管已记录。")
        )
    return redirect("attempt", attempt_id=attempt.public_id)


@role_required(Role.CANDIDATE)
@page_throttle("upload")
def practical_page(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    """The task statement, the public material's download (``?download=public``),
    the upload form and the candidate's submissions with live progress."""
    certification = get_object_or_404(Certification, slug=slug, practical_task__isnull=False)
    approved_application(candidate=request.user, certification=certification)
    task = certification.practical_task
    assert task is not None
    if request.GET.get("download") == "public":
        response = HttpResponse(bundle_public_archive(task), content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{task.slug}-public.zip"'
        return response
    form = SolutionForm(
        request.POST or None,
        request.FILES or None,
        task=task,
        initial={"framework": practical.framework_last_used(task=task, candidate=request.user)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            practical_submit(
                candidate=request.user,
                certification=certification,
                upload=form.cleaned_data["file"],
                framework=form.cleaned_data.get("framework"),
            )
        except ApplicationError as exc:
            error_show(request, exc, form=form)
        else:
            messages.success(request, _("已提交，正在评测"))
            return redirect("practical", slug=slug)
    submissions = list(
        Submission.objects.filter(
            task=task, candidate_id=request.user.pk, purpose=Submission.Purpose.EXAM
        )
    )
    history = [
        {"at": s.created_at.isoformat(), "dev": s.dev_score}
        for s in reversed(submissions)
        if s.dev_score is not None
    ]
    return render(
        request,
        "exams/practical.html",
        {
            "certification": certification,
            "task": task,
            "form": form,
            "submissions": submissions,
            "dev_history": history,
            "used": practical.submissions_used(task=task, candidate=request.user),
        },
    )


@role_required(Role.CANDIDATE)
@require_POST
def practice_start(request: AuthenticatedRequest, exam_id: int) -> HttpResponse:
    exam = get_object_or_404(Exam, pk=exam_id, mode=Exam.Mode.PRACTICE)
    try:
        attempt = exams.attempt_start(candidate=request.user, exam=exam)
    except NotFound:
        raise
    except ApplicationError as exc:
        error_show(request, exc)
        return redirect("home")
    return redirect("attempt", attempt_id=attempt.public_id)


@role_required(Role.EXAMINER)
def grading_queue(request: AuthenticatedRequest) -> HttpResponse:
    queue = manual.manual_queue(examiner=request.user)
    waiting = [item.attempt.submitted_at for item in queue if item.attempt.submitted_at]
    return render(
        request,
        "exams/grading_queue.html",
        {"queue": queue, "load": waiting_days(waiting, now=timezone.now())},
    )


class GradeForm(forms.Form):
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("评语")
    )


@role_required(Role.EXAMINER)
def grading_item(request: AuthenticatedRequest, item_id: int) -> HttpResponse:
    item = manual.manual_item_get(examiner=request.user, item_id=item_id)
    rubric = manual.rubric_for(item.version)
    form = GradeForm(request.POST or None)
    chosen = {c["id"]: request.POST.get(f"level-{c['id']}", "") for c in rubric.criteria}
    if request.method == "POST" and form.is_valid():
        try:
            manual.manual_grade(
                examiner=request.user,
                item_id=item.pk,
                levels=chosen,
                comment=form.cleaned_data["comment"],
            )
        except NotFound:
            raise
        except ApplicationError as exc:
            error_show(request, exc, form=form)
        else:
            messages.success(request, _("已评分"))
            return redirect("grading-queue")
    answer = getattr(item, "answer", None)
    return render(
        request,
        "exams/grading_item.html",
        {
            "item": item,
            "stem_html": render_markdown(item.version.stem),
            "response": answer.response.get("text", "") if answer else "",
            "rubric": rubric,
            "chosen": chosen,
            "form": form,
        },
    )


CHART_ROW = 14


CHART_BAR = 220


def _analysis(request: AuthenticatedRequest, exam_id: int) -> tuple[Exam, AnalysisNow]:
    exam = get_object_or_404(Exam, pk=exam_id)
    try:
        return exam, item_analysis_now(exam=exam, viewer=request.user)
    except NotFound as exc:
        raise Http404 from exc


def _analysis_progress_i18n() -> dict[str, Any]:
    """The words of static/js/job_progress.js on the item analysis page."""
    return {
        "count": plural_forms(
            lambda n: ngettext(
                "已读取 %(done)s / %(total)s 份答卷", "已读取 %(done)s / %(total)s 份答卷", n
            )
        ),
        "failed": gettext("无法获取进度，正在重试……"),
    }


@login_required
def exam_list(request: AuthenticatedRequest) -> HttpResponse:
    try:
        rows = exams_for_analysis(viewer=request.user)
    except NotFound as exc:
        raise Http404 from exc
    return render(request, "exams/exam_list.html", {"rows": rows})


@login_required
def item_analysis_page(request: AuthenticatedRequest, exam_id: int) -> HttpResponse:
    """The exam's stored item analysis, with when it was computed; while a worker
    refreshes it, its progress (static/js/job_progress.js reloads when it is done)."""
    exam, now = _analysis(request, exam_id)
    stored = now.stored
    rows = []
    if stored is not None:
        for index, (stats, label) in enumerate(
            zip(stored.analysis.items, stored.labels, strict=True)
        ):
            discrimination = stats.discrimination_index
            rows.append(
                {
                    "stats": stats,
                    "label": label,
                    # Bar chart geometry (SVG units): a header row, then one
                    # 14-unit row per item.
                    "y": (index + 1) * CHART_ROW,
                    "facility_width": round((stats.facility or 0) * CHART_BAR, 1),
                    "discrimination_width": round(max(discrimination or 0, 0) * CHART_BAR, 1),
                    "negative": discrimination is not None and discrimination < 0,
                }
            )
    return render(
        request,
        "exams/item_analysis.html",
        {
            "exam": exam,
            "now": now,
            "snapshot": now.snapshot,
            "analysis": stored.analysis if stored else None,
            "computed_at": stored.computed_at if stored else None,
            "rows": rows,
            "chart_height": (len(rows) + 1) * CHART_ROW + 10,
            "distribution": histogram_of_counts(stored.distribution) if stored else None,
            "progress_i18n": _analysis_progress_i18n(),
        },
    )


@login_required
def item_analysis_progress_view(request: AuthenticatedRequest, exam_id: int) -> JsonResponse:
    """The refresh's state and progress, polled by the item analysis page."""
    exam = get_object_or_404(Exam, pk=exam_id)
    try:
        return JsonResponse(item_analysis_progress(exam=exam, viewer=request.user))
    except NotFound as exc:
        raise Http404 from exc


@login_required
def item_analysis_csv(request: AuthenticatedRequest, exam_id: int) -> HttpResponse:
    """The page's figures (the same stored snapshot) as CSV: the items, then the test
    and when it was computed."""
    exam, now = _analysis(request, exam_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="item-analysis-exam-{exam.pk}.csv"'
    writer = csv.writer(response)
    if now.stored is not None:
        writer.writerows(now.stored.analysis.to_rows())
        writer.writerow([])
        writer.writerows(now.stored.analysis.test.to_rows())
        writer.writerow(["computed_at", now.stored.computed_at.isoformat()])
    return response
