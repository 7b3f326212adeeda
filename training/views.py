from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from training.markup import render_markdown
from training.models import Curriculum


def curriculum_detail(request: HttpRequest, slug: str) -> HttpResponse:
    curriculum = get_object_or_404(Curriculum.objects.select_related("level", "domain"), slug=slug)
    lessons = [
        {"lesson": lesson, "html": render_markdown(lesson.body)}
        for lesson in curriculum.lessons.all()
    ]
    return render(
        request, "training/curriculum.html", {"curriculum": curriculum, "lessons": lessons}
    )
