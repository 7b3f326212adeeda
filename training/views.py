from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from training.markup import render_markdown
from training.models import Curriculum


def curriculum_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The curriculum with its lessons (time, objectives, body) and practice quizzes.
    A lesson that prepares for a practical task links to the task's page of the
    certification with the curriculum's slug (``<level>-<domain>``, one per level and
    domain)."""
    curriculum = get_object_or_404(Curriculum.objects.select_related("level", "domain"), slug=slug)
    rows = list(curriculum.lessons.filter(is_published=True))
    lessons = [
        {
            "lesson": lesson,
            "html": render_markdown(lesson.body),
            "practical_url": reverse("practical", kwargs={"slug": curriculum.slug})
            if lesson.practical_task_id
            else "",
        }
        for lesson in rows
    ]
    return render(
        request,
        "training/curriculum.html",
        {
            "curriculum": curriculum,
            "lessons": lessons,
            "total_minutes": sum(lesson.minutes for lesson in rows),
        },
    )
