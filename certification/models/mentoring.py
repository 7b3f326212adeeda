"""Mentoring: a candidate's mentor (an instructor) and their question threads."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from training.models import Lesson, PracticalTask


class Mentorship(models.Model):
    """``mentor`` (an instructor) mentors ``candidate`` from ``assigned_at`` until
    ``ended_at``; a candidate has at most one current mentor. Assigning one also
    declares the conflict of interest (TrainingRelation "mentor")."""

    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentorships"
    )
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="mentees"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["candidate"],
                condition=Q(ended_at__isnull=True),
                name="mentorship_one_current",
            )
        ]

    def __str__(self) -> str:
        return f"{self.mentor_id} mentors {self.candidate_id}"


class MentorThread(models.Model):
    """A question a candidate asks their mentor, about a lesson or a practical task
    (or neither), with its messages."""

    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    mentor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    subject = models.CharField(max_length=200)
    lesson = models.ForeignKey(
        Lesson, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    task = models.ForeignKey(
        PracticalTask, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField()
    # Whose turn it is: the mentor has an unanswered question, or the candidate an
    # unread answer.
    awaiting_mentor = models.BooleanField(default=True)

    class Meta:
        indexes = [
            models.Index(fields=["mentor", "awaiting_mentor", "last_message_at"]),
            models.Index(fields=["candidate", "last_message_at"]),
        ]

    def __str__(self) -> str:
        return self.subject


class MentorMessage(models.Model):
    thread = models.ForeignKey(MentorThread, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.author_id} in {self.thread_id}"
