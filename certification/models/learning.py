"""The learning journey: enrolments, lesson progress, practice responses (what the
study plan estimates mastery from) and the spaced-repetition cards of missed items."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from training.models import Category, Curriculum, Lesson, Question


class Enrolment(models.Model):
    """A candidate studies a curriculum: by choice, or on approval of an application."""

    class Source(models.TextChoices):
        SELF = "self", _("自行报名")
        APPLICATION = "application", _("申请获批")

    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments"
    )
    curriculum = models.ForeignKey(Curriculum, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.SELF)
    enrolled_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["candidate", "curriculum"], name="enrolment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.candidate_id} in {self.curriculum_id}"


class LessonProgress(models.Model):
    """Time spent on a lesson (from the page's heartbeats) and when it was completed."""

    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="+")
    seconds = models.PositiveIntegerField(default=0)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["candidate", "lesson"], name="lesson_progress_unique")
        ]

    def __str__(self) -> str:
        return f"{self.candidate_id} on lesson {self.lesson_id}"


class PracticeResponse(models.Model):
    """One scored practice answer (a practice quiz item checked, or a review card
    answered): the evidence the study plan estimates mastery from. ``category`` is
    copied from the question so that a plan reads one table."""

    class Source(models.TextChoices):
        PRACTICE = "practice", _("练习")
        REVIEW = "review", _("复习")

    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    fraction = models.FloatField(help_text=_("Share of the item's points, 0–1."))
    source = models.CharField(max_length=16, choices=Source.choices)
    # The practice attempt's item: checking it twice replaces the first score.
    attempt_item = models.OneToOneField(
        "certification.AttemptItem", null=True, blank=True, on_delete=models.SET_NULL
    )
    answered_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["candidate", "answered_at"])]

    def __str__(self) -> str:
        return f"{self.candidate_id} on {self.question_id}: {self.fraction:.2f}"


class ReviewCard(models.Model):
    """A missed practice item scheduled for review (FSRS, the ``fsrs`` library): the
    card's state is the library's own dictionary; ``due_at`` is copied out to query."""

    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    state = models.JSONField()
    due_at = models.DateTimeField()
    reviews = models.PositiveIntegerField(default=0)
    lapses = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["candidate", "question"], name="review_card_unique")
        ]
        indexes = [models.Index(fields=["candidate", "due_at"])]

    def __str__(self) -> str:
        return f"{self.candidate_id} reviews {self.question_id} at {self.due_at:%Y-%m-%d %H:%M}"


class ItemStatistic(models.Model):
    """Item analysis of the practice responses: how often an item is answered right,
    and its Rasch difficulty (``certification.learning.mastery``). Refreshed nightly."""

    question = models.OneToOneField(Question, on_delete=models.CASCADE, related_name="+")
    responses = models.PositiveIntegerField()
    correct = models.FloatField(help_text=_("Sum of the fractions of points scored."))
    difficulty = models.FloatField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.question_id}: b={self.difficulty:.2f} ({self.responses})"


class StudyPlanSnapshot(models.Model):
    """A candidate's study plan for a curriculum as computed at night: what mentors
    and the committee read without recomputing it."""

    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    curriculum = models.ForeignKey(Curriculum, on_delete=models.CASCADE, related_name="+")
    plan = models.JSONField()
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "curriculum"], name="study_plan_snapshot_unique"
            )
        ]

    def __str__(self) -> str:
        return f"plan of {self.candidate_id} for {self.curriculum_id}"
