"""Studio pages for lessons: a curriculum's lessons in order (move up or down, add
one), the lesson editor with a live preview, and a lesson's versions with the review
actions."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from certification.studio import selectors
from core.http import AuthenticatedRequest
from training.access import author_required
from training.markup import render_markdown
from training.models import Curriculum, Lesson, LessonVersion
from training.services.lessons import (
    LessonContent,
    LessonInvalid,
    lesson_content,
    lesson_create,
    lesson_move,
    lesson_save,
)


@author_required
def curriculum_lessons(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    curriculum = get_object_or_404(Curriculum, slug=slug)
    return render(
        request,
        "studio/lessons.html",
        {
            "curriculum": curriculum,
            "rows": selectors.curriculum_lessons(curriculum=curriculum),
        },
    )


@author_required
@require_POST
def lesson_reorder(request: AuthenticatedRequest, lesson_id: int) -> HttpResponse:
    lesson = get_object_or_404(Lesson, pk=lesson_id)
    offset = {"up": -1, "down": 1}.get(request.POST.get("direction", ""))
    if offset is None:
        raise Http404
    lesson_move(lesson=lesson, offset=offset, actor=request.user)
    return redirect("studio-lessons", slug=lesson.curriculum.slug)


def _form_values(request: AuthenticatedRequest) -> dict[str, str]:
    return {name: request.POST.get(name, "") for name in ("title", "body", "minutes", "objectives")}


def _editor(
    request: AuthenticatedRequest,
    *,
    curriculum: Curriculum,
    lesson: Lesson | None,
    values: dict[str, str],
    problems: dict[str, str],
) -> HttpResponse:
    return render(
        request,
        "studio/lesson_form.html",
        {
            "curriculum": curriculum,
            "lesson": lesson,
            "values": values,
            "problems": problems,
            "preview": render_markdown(values.get("body", "")),
        },
        status=422 if problems else 200,
    )


def _values_of(content: LessonContent | LessonVersion | Lesson) -> dict[str, str]:
    return {
        "title": content.title,
        "body": content.body,
        "minutes": str(content.minutes),
        "objectives": "\n".join(content.objectives),
    }


@author_required
@require_http_methods(["GET", "POST"])
def lesson_new(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    curriculum = get_object_or_404(Curriculum, slug=slug)
    if request.method == "GET":
        values = {"title": "", "body": "", "minutes": "30", "objectives": ""}
        return _editor(request, curriculum=curriculum, lesson=None, values=values, problems={})
    values = _form_values(request)
    try:
        version = lesson_create(
            curriculum=curriculum, content=lesson_content(**values), actor=request.user
        )
    except LessonInvalid as error:
        return _editor(
            request, curriculum=curriculum, lesson=None, values=values, problems=error.problems
        )
    messages.success(request, _("草稿已保存。提交审核后，另一位讲师批准即发布。"))
    return redirect("studio-lesson-history", lesson_id=version.lesson_id)


@author_required
@require_http_methods(["GET", "POST"])
def lesson_edit(request: AuthenticatedRequest, lesson_id: int) -> HttpResponse:
    """Edits start from the newest version (a draft may be ahead of what candidates
    see); saving makes a new draft version."""
    lesson = get_object_or_404(Lesson.objects.select_related("curriculum"), pk=lesson_id)
    if request.method == "GET":
        newest = lesson.versions.order_by("-number").first()
        values = _values_of(newest or lesson)
        return _editor(
            request, curriculum=lesson.curriculum, lesson=lesson, values=values, problems={}
        )
    values = _form_values(request)
    try:
        lesson_save(lesson=lesson, content=lesson_content(**values), actor=request.user)
    except LessonInvalid as error:
        return _editor(
            request,
            curriculum=lesson.curriculum,
            lesson=lesson,
            values=values,
            problems=error.problems,
        )
    messages.success(request, _("草稿已保存。提交审核后，另一位讲师批准即发布。"))
    return redirect("studio-lesson-history", lesson_id=lesson.pk)


@author_required
def lesson_history(request: AuthenticatedRequest, lesson_id: int) -> HttpResponse:
    lesson = get_object_or_404(Lesson.objects.select_related("curriculum"), pk=lesson_id)
    versions = list(lesson.versions.select_related("created_by", "reviewed_by").order_by("-number"))
    return render(
        request,
        "studio/lesson_history.html",
        {
            "lesson": lesson,
            "versions": versions,
            "newest": versions[0] if versions else None,
            "preview": render_markdown(versions[0].body) if versions else "",
        },
    )
