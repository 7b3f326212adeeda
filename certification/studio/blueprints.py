"""The blueprint editor: an exam's settings and its draw sections, with a live check
of how many distinct forms the bank can fill and which section runs short."""

import json
from typing import Any

from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from certification.exams.authoring import (
    DIFFICULTIES,
    BlueprintInvalid,
    exam_blueprint_save,
    exam_settings_parse,
    section_draws,
    sections_parse,
)
from certification.exams.selectors import ExamCapacity, draws_capacity
from certification.models import Certification, Exam
from core.http import AuthenticatedRequest
from core.plurals import plural_forms
from training.access import author_required
from training.models import Curriculum, QuestionBank, Tag
from training.selectors import category_paths


def _rows_of(request: AuthenticatedRequest) -> list[dict[str, Any]]:
    """The section rows of the form: fields ``s-<n>-<name>``, n = 0, 1, …; empty
    rows (no count, no category, no tags) are dropped."""
    rows = []
    for n in range(int(request.POST.get("sections", "0") or 0)):
        row = {
            name: request.POST.get(f"s-{n}-{name}", "").strip()
            for name in ("title", "category", "tags", "count", *DIFFICULTIES)
        }
        if any(row[name] for name in ("count", "category", "tags", *DIFFICULTIES)):
            rows.append(row)
    return rows


def _rows_from_exam(exam: Exam) -> list[dict[str, Any]]:
    return [
        {
            "title": s.title,
            "category": str(s.draw_category_id or ""),
            "tags": ", ".join(sorted(t.name for t in s.draw_tags.all())),
            "count": str(s.draw_count or ""),
            **{d: str(s.difficulty_mix.get(d, "")) for d in DIFFICULTIES},
        }
        for s in exam.sections.prefetch_related("draw_tags").order_by("position")
        if s.draw_count or s.difficulty_mix
    ]


def _categories() -> list[tuple[int, str]]:
    """Every category of every bank as (id, "bank › path"), by bank and path."""
    found = [
        (pk, f"{bank.slug} › {path}")
        for bank in QuestionBank.objects.filter(categories__isnull=False).distinct()
        for pk, path in category_paths(bank=bank).items()
    ]
    return sorted(found, key=lambda row: row[1])


def _page(
    request: AuthenticatedRequest,
    exam: Exam | None,
    settings: dict[str, Any],
    rows: list[dict[str, Any]],
    problems: list[tuple[str, str]],
) -> HttpResponse:
    capacity = None
    if not problems:
        parsed, _problems = sections_parse(rows)
        capacity = draws_capacity(section_draws(parsed)) if parsed else None
    return render(
        request,
        "studio/blueprint.html",
        {
            "exam": exam,
            "settings": settings,
            "rows": [*rows, {}],  # one empty row to add a section without script
            "problems": problems,
            "capacity": capacity,
            "categories": _categories(),
            "tags": Tag.objects.order_by("name").values_list("name", flat=True),
            "curricula": Curriculum.objects.order_by("slug"),
            "modes": Exam.Mode.choices,
            "difficulties": DIFFICULTIES,
            "certifications": Certification.objects.order_by("pk"),
            "plurals": {
                "forms": plural_forms(
                    lambda n: ngettext(
                        "题库可组成 %(n)s 份互不重复的试卷。",
                        "题库可组成 %(n)s 份互不重复的试卷。",
                        n,
                    )
                )
            },
        },
        status=422 if problems else 200,
    )


@author_required
@require_http_methods(["GET", "POST"])
def blueprint_edit(request: AuthenticatedRequest, exam_id: int | None = None) -> HttpResponse:
    exam = get_object_or_404(Exam, pk=exam_id) if exam_id is not None else None
    if request.method == "GET":
        settings = {"title": "", "mode": Exam.Mode.EXAM, "minutes": 60, "pass_mark": 60}
        if exam is not None:
            settings = {
                "title": exam.title,
                "mode": exam.mode,
                "minutes": exam.time_limit_minutes,
                "pass_mark": exam.pass_mark,
                "curriculum": exam.curriculum.slug if exam.curriculum else "",
            }
        return _page(request, exam, settings, _rows_from_exam(exam) if exam else [], [])
    posted = {k: request.POST.get(k, "") for k in ("title", "mode", "minutes", "pass_mark")}
    posted["curriculum"] = request.POST.get("curriculum", "")
    settings, problems = exam_settings_parse(posted)
    rows = _rows_of(request)
    sections, section_problems = sections_parse(rows)
    problems += section_problems
    if not problems:
        try:
            exam = exam_blueprint_save(
                exam=exam, settings=settings, sections=sections, actor=request.user
            )
        except BlueprintInvalid as error:
            problems = error.problems
    if problems:
        return _page(request, exam, posted, rows, problems)
    assert exam is not None
    messages.success(request, _("试卷蓝图已保存。"))
    return redirect("studio-blueprint", exam_id=exam.pk)


def _capacity_json(capacity: ExamCapacity) -> dict[str, Any]:
    return {
        "forms": capacity.forms,
        "sections": [
            {
                "position": row.section.position,
                "title": row.section.title,
                "wanted": row.wanted,
                "available": row.available,
                "forms": row.forms,
                "short": row.section in capacity.short,
            }
            for row in capacity.sections
        ],
    }


@author_required
@require_POST
def blueprint_capacity(request: AuthenticatedRequest) -> HttpResponse:
    """The live check: the posted (unsaved) sections' capacity, or their problems.
    Body: {"sections": [{title, category, tags, count, easy, medium, hard}, …]}."""
    try:
        rows = json.loads(request.body or b"{}").get("sections", [])
        if not isinstance(rows, list) or len(rows) > 50:
            raise ValueError
    except (ValueError, AttributeError):
        return JsonResponse({"problems": [_("内容无效。")]}, status=400)
    sections, problems = sections_parse([r for r in rows if isinstance(r, dict)])
    if problems:
        return JsonResponse({"problems": [f"{w}: {m}" for w, m in problems]}, status=422)
    if not sections:
        return JsonResponse({"forms": None, "sections": []})
    return JsonResponse(_capacity_json(draws_capacity(section_draws(sections))))
