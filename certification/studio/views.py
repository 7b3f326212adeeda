"""The studio's home (what waits for review, the author's own drafts, where to build),
the review actions, and the previews: Markdown as it will render, and an unsaved item
as a candidate sees it, answered and scored exactly as an exam scores it."""

import json
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from certification.exams.authoring import certification_assign
from certification.exams.presentation import feedback_text, version_preview
from certification.models import Certification, Exam
from certification.studio import selectors
from core.errors import ApplicationError
from core.http import AuthenticatedRequest, error_show, redirect_back, role_required
from core.roles import Role
from grading.objective import InvalidResponse, response_fraction, response_validate
from training.access import author_required
from training.markup import render_markdown
from training.models import LessonVersion, PracticalTask, QuestionBank, QuestionVersion
from training.services.item_rules import version_validate
from training.services.review import review_approve, review_return, review_submit

MAX_PREVIEW_BYTES = 200_000


@author_required
def studio_home(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request,
        "studio/home.html",
        {
            "queue": selectors.review_queue(reviewer=request.user),
            "mine": selectors.my_unpublished(author=request.user),
            "curricula": selectors.curricula(),
            "banks": QuestionBank.objects.order_by("title"),
            "exams": Exam.objects.order_by("title"),
            "tasks": PracticalTask.objects.order_by("title"),
        },
    )


def _version(kind: str, version_id: int) -> QuestionVersion | LessonVersion:
    version: QuestionVersion | LessonVersion | None = None
    if kind == "item":
        version = QuestionVersion.objects.filter(pk=version_id).first()
    elif kind == "lesson":
        version = LessonVersion.objects.filter(pk=version_id).first()
    if version is None:
        raise Http404
    return version


@author_required
@require_POST
def review_action(request: AuthenticatedRequest, kind: str, version_id: int) -> HttpResponse:
    """submit / approve / return one version; back to where the author came from."""
    version = _version(kind, version_id)
    action = request.POST.get("action", "")
    note = request.POST.get("note", "")
    try:
        if action == "submit":
            review_submit(version=version, actor=request.user)
            messages.success(request, _("已提交审核。"))
        elif action == "approve":
            review_approve(version=version, actor=request.user, note=note)
            messages.success(request, _("已发布。"))
        elif action == "return":
            review_return(version=version, actor=request.user, note=note)
            messages.success(request, _("已退回作者修改。"))
        else:
            raise Http404
    except ApplicationError as error:
        error_show(request, error)
    return redirect_back(request, "studio")


@author_required
@require_POST
def review_approve_many(request: AuthenticatedRequest) -> HttpResponse:
    """Publishes every selected version in review (e.g. an imported bank), one by
    one; a version the reviewer may not approve is reported and skipped."""
    published, refused = 0, []
    for value in request.POST.getlist("version"):
        kind, _sep, pk = value.partition(":")
        if not pk.isdigit():
            continue
        try:
            review_approve(version=_version(kind, int(pk)), actor=request.user)
            published += 1
        except (ApplicationError, Http404) as error:
            refused.append(str(error))
    messages.success(
        request,
        ngettext("已发布 %(n)d 个版本。", "已发布 %(n)d 个版本。", published) % {"n": published},
    )
    for reason in sorted(set(refused)):
        messages.error(request, reason)
    return redirect("studio")


def _json_body(request: AuthenticatedRequest) -> dict[str, Any]:
    if len(request.body) > MAX_PREVIEW_BYTES:
        raise ValueError("too large")
    body = json.loads(request.body or b"{}")
    if not isinstance(body, dict):
        raise ValueError("not an object")
    return body


@author_required
@require_POST
def markdown_preview(request: AuthenticatedRequest) -> HttpResponse:
    """The Markdown (with LaTeX and code) of a lesson or stem as sanitised HTML."""
    try:
        text = str(_json_body(request).get("text", ""))
    except ValueError:
        return JsonResponse({"error": _("内容无效或过长。")}, status=400)
    return JsonResponse({"html": str(render_markdown(text))})


def _unsaved_version(body: dict[str, Any]) -> tuple[QuestionVersion, list[str]]:
    version = QuestionVersion(
        kind=str(body.get("kind", "")),
        stem=str(body.get("stem", "")),
        data=body.get("data"),
        key=body.get("key"),
        feedback=body.get("feedback") or {},
        points=str(body.get("points") or "1"),
    )
    problems = version_validate(
        kind=version.kind,
        data=version.data,
        key=version.key,
        feedback=version.feedback,
        points=version.points,
        stem=version.stem,
        rubric_required=False,
    )
    return version, [f"{p.field}: {p.reason}" for p in problems]


@author_required
@require_POST
def item_preview(request: AuthenticatedRequest) -> HttpResponse:
    """The item being edited as the candidate will see it (HTML), or its problems."""
    try:
        version, problems = _unsaved_version(_json_body(request))
    except ValueError:
        return JsonResponse({"problems": [_("内容无效或过长。")]}, status=400)
    if problems:
        return JsonResponse({"problems": problems}, status=422)
    html = render_to_string(
        "studio/_item_preview.html", {"item": version_preview(version)}, request=request
    )
    return JsonResponse({"html": html})


@author_required
@require_POST
def item_try(request: AuthenticatedRequest) -> HttpResponse:
    """Scores the author's answer to the unsaved item with the exam's own scoring and
    returns the feedback the candidate would get."""
    try:
        body = _json_body(request)
        version, problems = _unsaved_version(body)
    except ValueError:
        return JsonResponse({"problems": [_("内容无效或过长。")]}, status=400)
    if problems:
        return JsonResponse({"problems": problems}, status=422)
    try:
        response = response_validate(version=version, response=body.get("response"))
    except InvalidResponse as error:
        return JsonResponse({"problems": [str(error)]}, status=422)
    fraction = response_fraction(version=version, response=response)
    return JsonResponse(
        {
            "fraction": fraction,
            "manual": fraction is None,
            "feedback_html": str(render_markdown(feedback_text(version, response))),
        }
    )


@role_required(Role.COMMITTEE)
@require_POST
def certification_assign_view(request: AuthenticatedRequest) -> HttpResponse:
    """The committee links an exam or a task to a certification (studio pages)."""
    certification = get_object_or_404(Certification, slug=request.POST.get("certification", ""))
    exam_id, task_id = request.POST.get("exam", ""), request.POST.get("task", "")
    exam = get_object_or_404(Exam, pk=int(exam_id)) if exam_id.isdigit() else None
    task = get_object_or_404(PracticalTask, pk=int(task_id)) if task_id.isdigit() else None
    try:
        certification_assign(certification=certification, actor=request.user, exam=exam, task=task)
        messages.success(request, _("已设为 %(name)s 的考核内容。") % {"name": certification.name})
    except ApplicationError as error:
        error_show(request, error)
    return redirect_back(request, "studio")
