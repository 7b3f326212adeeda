"""Pages of the learning journey (学习): my learning, a curriculum's study view, a
lesson, the study plan with its chart, the reviews of missed items, and the guided
projects (a task run against its dev set)."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from certification.exams.forms import SolutionForm
from certification.learning import plan as plans
from certification.learning import projects, selectors
from certification.learning import services as learning
from certification.learning.charts import mastery_chart
from core.errors import ApplicationError
from core.http import AuthenticatedRequest, error_show, role_required
from core.ratelimit import page_throttle
from core.roles import Role
from grading import practical
from training.bundles.storage import bundle_public_archive
from training.markup import render_markdown
from training.models import Curriculum, Lesson, QuestionVersion, ReviewStatus


@role_required(Role.CANDIDATE)
def my_learning(request: AuthenticatedRequest) -> HttpResponse:
    progress = selectors.enrolled_progress(candidate=request.user)
    enrolled = {p.curriculum.pk for p in progress}
    others = (
        Curriculum.objects.exclude(pk__in=enrolled)
        .select_related("level", "domain")
        .order_by("level__rank", "domain__slug")
    )
    return render(
        request,
        "learning/my_learning.html",
        {
            "progress": progress,
            "others": others,
            "due": selectors.reviews_due_count(candidate=request.user),
        },
    )


def _curriculum(slug: str) -> Curriculum:
    return get_object_or_404(Curriculum.objects.select_related("level", "domain"), slug=slug)


@role_required(Role.CANDIDATE)
@require_POST
def enrol(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    learning.enrolment_ensure(candidate=request.user, curriculum=_curriculum(slug))
    messages.success(request, _("已报名该课程"))
    return redirect("learning-curriculum", slug=slug)


@role_required(Role.CANDIDATE)
def curriculum_study(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    curriculum = _curriculum(slug)
    progress = selectors.curriculum_progress(candidate=request.user, curriculum=curriculum)
    return render(request, "learning/curriculum.html", {"progress": progress})


@role_required(Role.CANDIDATE)
def lesson_study(request: AuthenticatedRequest, slug: str, position: int) -> HttpResponse:
    curriculum = _curriculum(slug)
    lesson = get_object_or_404(Lesson, curriculum=curriculum, position=position, is_published=True)
    progress = selectors.curriculum_progress(candidate=request.user, curriculum=curriculum)
    state = next(s for s in progress.lessons if s.lesson.pk == lesson.pk)
    index = progress.lessons.index(state)
    return render(
        request,
        "learning/lesson.html",
        {
            "progress": progress,
            "state": state,
            "html": render_markdown(lesson.body),
            "previous": progress.lessons[index - 1].lesson if index > 0 else None,
            "next": progress.lessons[index + 1].lesson
            if index + 1 < len(progress.lessons)
            else None,
        },
    )


@role_required(Role.CANDIDATE)
@require_POST
def lesson_complete(request: AuthenticatedRequest, slug: str, position: int) -> HttpResponse:
    curriculum = _curriculum(slug)
    lesson = get_object_or_404(Lesson, curriculum=curriculum, position=position)
    done = request.POST.get("done", "1") == "1"
    learning.lesson_complete(candidate=request.user, lesson_id=lesson.pk, done=done)
    if done:
        following = (
            Lesson.objects.filter(curriculum=curriculum, is_published=True, position__gt=position)
            .order_by("position")
            .first()
        )
        if following is not None:
            return redirect("learning-lesson", slug=slug, position=following.position)
    return redirect("learning-curriculum", slug=slug)


@role_required(Role.CANDIDATE)
def study_plan(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    curriculum = _curriculum(slug)
    plan = plans.study_plan_recommended(candidate=request.user, curriculum=curriculum)
    lessons = Lesson.objects.in_bulk([pk for c in plan.categories for pk in c.lessons])
    items = {
        v.question_id: v
        for v in QuestionVersion.objects.filter(
            question_id__in=[pk for c in plan.categories for pk in c.items],
            status=ReviewStatus.PUBLISHED,
        ).order_by("question_id", "number")
    }
    recommended = [
        {
            "category": entry,
            "lessons": [lessons[pk] for pk in entry.lessons if pk in lessons],
            "items": [items[pk] for pk in entry.items if pk in items],
        }
        for entry in plan.categories[: plans.RECOMMENDED_CATEGORIES]
    ]
    return render(
        request,
        "learning/plan.html",
        {
            "curriculum": curriculum,
            "plan": plan,
            "chart": mastery_chart(plan),
            "recommended": recommended,
        },
    )


@role_required(Role.CANDIDATE)
@require_POST
def plan_practise(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    """Puts the plan's recommended items into the review queue, due now."""
    curriculum = _curriculum(slug)
    plan = plans.study_plan_recommended(candidate=request.user, curriculum=curriculum)
    added = learning.reviews_add(
        candidate=request.user, question_ids=[pk for c in plan.categories for pk in c.items]
    )
    messages.success(
        request, ngettext("已加入 %(n)d 道练习题", "已加入 %(n)d 道练习题", added) % {"n": added}
    )
    return redirect("learning-reviews")


@role_required(Role.CANDIDATE)
def reviews(request: AuthenticatedRequest) -> HttpResponse:
    cards = learning.reviews_due_shown(candidate=request.user)
    return render(request, "learning/reviews.html", {"cards": cards})


@role_required(Role.CANDIDATE)
def project_list(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request,
        "learning/projects.html",
        {
            "projects": projects.projects_for_candidate(candidate=request.user),
            "per_day": projects.project_runs_per_day(),
        },
    )


@role_required(Role.CANDIDATE)
@page_throttle("upload")
def project_page(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    """The statement, the public material's download (``?download=public``), the upload
    form and the candidate's runs with live progress and dev score."""
    task = projects.project_get_for_candidate(candidate=request.user, slug=slug)
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
            projects.project_run_create(
                candidate=request.user,
                slug=slug,
                upload=form.cleaned_data["file"],
                framework=form.cleaned_data.get("framework"),
            )
        except ApplicationError as exc:
            error_show(request, exc, form=form)
        else:
            messages.success(request, _("已提交，正在开发集上运行。"))
            return redirect("learning-project", slug=slug)
    summary = projects.project_summary(candidate=request.user, task=task)
    runs = projects.project_runs(candidate=request.user, task=task)
    return render(
        request,
        "learning/project.html",
        {
            "task": task,
            "summary": summary,
            "form": form,
            "runs": runs,
            "has_starter": projects.project_has_starter(task=task),
            "per_day": projects.project_runs_per_day(),
            "dev_history": [
                {"at": run.created_at.isoformat(), "dev": run.dev_score}
                for run in reversed(runs)
                if run.dev_score is not None
            ],
        },
    )
