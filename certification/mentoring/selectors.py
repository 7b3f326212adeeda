"""What mentoring pages read: threads, mentees with their progress and study plans."""

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import QuerySet

from certification.learning.plan import StudyPlan, study_plan_recommended
from certification.learning.selectors import CurriculumProgress, enrolled_progress
from certification.mentoring.services import mentor_current
from certification.models import Mentorship, MentorThread
from core.errors import NotFound
from core.roles import Role, has_role


def threads_for(*, user: User) -> QuerySet[MentorThread]:
    """A candidate's own threads, or a mentor's (those awaiting an answer first)."""
    threads = MentorThread.objects.select_related("candidate", "mentor", "lesson", "task")
    if has_role(user, Role.INSTRUCTOR):
        return threads.filter(mentor=user).order_by("-awaiting_mentor", "-last_message_at")
    return threads.filter(candidate=user).order_by("-last_message_at")


def mentees(*, mentor: User) -> list[Mentorship]:
    if not has_role(mentor, Role.INSTRUCTOR):
        raise NotFound("Not found.")
    return list(
        Mentorship.objects.filter(mentor=mentor, ended_at__isnull=True)
        .select_related("candidate")
        .order_by("candidate__username")
    )


@dataclass(frozen=True)
class MenteeView:
    mentorship: Mentorship
    curricula: list[tuple[CurriculumProgress, StudyPlan]]


def mentee_view(*, mentor: User, candidate_id: int) -> MenteeView:
    """A mentee's progress and study plan per curriculum, for their current mentor
    only (NotFound for anyone else)."""
    mentorship = mentor_current(candidate=candidate_id)
    if mentorship is None or mentorship.mentor_id != mentor.pk:
        raise NotFound("Not found.")
    candidate = mentorship.candidate
    curricula = []
    for progress in enrolled_progress(candidate=candidate):
        plan = study_plan_recommended(candidate=candidate, curriculum=progress.curriculum)
        curricula.append((progress, plan))
    return MenteeView(mentorship=mentorship, curricula=curricula)
