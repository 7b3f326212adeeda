"""Pages of the exam engine beyond the candidate's exam page: the examiners' manual
grading queue and the item analysis for instructors and the committee."""

import csv
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from certification.analysis import exam_item_analysis, exams_for_analysis
from certification.models import Exam
from certification.roles import Role
from certification.services import exams, manual
from certification.views import role_required
from config.errors import ApplicationError, NotFound
from training.markup import render_markdown


@role_required(Role.CANDIDATE)
@require_POST
def practice_start(request: HttpRequest, exam_id: int) -> HttpResponse:
    exam = get_object_or_404(Exam, pk=exam_id, mode=Exam.Mode.PRACTICE)
    try:
        attempt = exams.attempt_start(candidate=request.user, exam=exam)
    except NotFound:
        raise
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("home")
    return redirect("attempt", attempt_id=attempt.public_id)


@role_required(Role.EXAMINER)
def grading_queue(request: HttpRequest) -> HttpResponse:
    queue = manual.manual_queue(examiner=request.user)
    return render(request, "certification/grading_queue.html", {"queue": queue})


class GradeForm(forms.Form):
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("评语")
    )


@role_required(Role.EXAMINER)
def grading_item(request: HttpRequest, item_id: int) -> HttpResponse:
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
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已评分 / Graded."))
            return redirect("grading-queue")
    answer = getattr(item, "answer", None)
    return render(
        request,
        "certification/grading_item.html",
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


def _analysis(request: HttpRequest, exam_id: int) -> tuple[Exam, Any]:
    exam = get_object_or_404(Exam, pk=exam_id)
    try:
        return exam, exam_item_analysis(exam=exam, viewer=request.user)
    except NotFound as exc:
        raise Http404 from exc


@login_required
def exam_list(request: HttpRequest) -> HttpResponse:
    try:
        rows = exams_for_analysis(viewer=request.user)
    except NotFound as exc:
        raise Http404 from exc
    return render(request, "certification/exam_list.html", {"rows": rows})


@login_required
def item_analysis_page(request: HttpRequest, exam_id: int) -> HttpResponse:
    exam, result = _analysis(request, exam_id)
    rows = []
    if result is not None:
        analysis, labels = result
        for index, stats in enumerate(analysis.items):
            discrimination = stats.discrimination_index
            rows.append(
                {
                    "stats": stats,
                    "label": labels.get(int(stats.item_id), str(stats.item_id)),
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
        "certification/item_analysis.html",
        {
            "exam": exam,
            "analysis": result[0] if result else None,
            "rows": rows,
            "chart_height": (len(rows) + 1) * CHART_ROW + 10,
        },
    )


@login_required
def item_analysis_csv(request: HttpRequest, exam_id: int) -> HttpResponse:
    exam, result = _analysis(request, exam_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="item-analysis-exam-{exam.pk}.csv"'
    writer = csv.writer(response)
    if result is not None:
        writer.writerows(result[0].to_rows())
        writer.writerow([])
        writer.writerows(result[0].test.to_rows())
    return response
