"""Written exams: blueprint sections, accommodations, attempts and the items they
showed, answers, the append-only answer log, and examiners' manual grades."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from training.models import (
    Category,
    Curriculum,
    Question,
    QuestionVersion,
    Tag,
)


class Exam(models.Model):
    """A written exam or a practice quiz, built from a blueprint of sections."""

    class Mode(models.TextChoices):
        EXAM = "exam", _("考试")
        PRACTICE = "practice", _("练习（即时反馈）")

    class Review(models.TextChoices):
        NEVER = "never", _("不显示")
        AFTER_SUBMIT = "after_submit", _("交卷后")
        AFTER_CLOSE = "after_close", _("考试关闭后")

    title = models.CharField(max_length=200)
    mode = models.CharField(max_length=16, choices=Mode.choices, default=Mode.EXAM)
    curriculum = models.ForeignKey(
        Curriculum,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="practice_exams",
        help_text=_("Practice quizzes are offered on this curriculum's page."),
    )
    time_limit_minutes = models.PositiveIntegerField(default=30)
    opens_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Caps every deadline, extra time included.")
    )
    attempts_allowed = models.PositiveSmallIntegerField(default=1)
    pass_mark = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal(60), help_text=_("Percent, 0–100.")
    )
    grace_seconds = models.PositiveIntegerField(
        default=30, help_text=_("Answers this late are kept and flagged, not discarded.")
    )
    shuffle_questions = models.BooleanField(default=True)
    shuffle_choices = models.BooleanField(default=True)
    review_score = models.CharField(
        max_length=16, choices=Review.choices, default=Review.AFTER_SUBMIT
    )
    review_answers = models.CharField(
        max_length=16,
        choices=Review.choices,
        default=Review.AFTER_CLOSE,
        help_text=_("When the candidate sees correct answers and feedback."),
    )
    max_exposure_percent = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text=_(
            "Exposure control: a drawn item is shown to at most this share (percent) of "
            "the attempts started in the window, when the pool allows. Empty: no cap."
        ),
    )
    exposure_window_days = models.PositiveSmallIntegerField(default=30)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(attempts_allowed__gte=1), name="exam_attempts_allowed_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(max_exposure_percent__isnull=True)
                | models.Q(max_exposure_percent__gte=1, max_exposure_percent__lte=100),
                name="exam_max_exposure_percent_range",
            ),
            models.CheckConstraint(
                condition=models.Q(opens_at__isnull=True)
                | models.Q(closes_at__isnull=True)
                | models.Q(opens_at__lt=models.F("closes_at")),
                name="exam_opens_before_it_closes",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ExamSection(models.Model):
    """Part of an exam's blueprint: fixed items plus ``draw_count`` items drawn at
    random from a category subtree and tags, optionally split by difficulty."""

    exam = models.ForeignKey(Exam, related_name="sections", on_delete=models.CASCADE)
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200, blank=True)
    draw_count = models.PositiveSmallIntegerField(default=0)
    draw_category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    draw_tags = models.ManyToManyField(Tag, blank=True, related_name="+")
    difficulty_mix = models.JSONField(
        default=dict,
        blank=True,
        help_text=_('e.g. {"easy": 2, "medium": 2, "hard": 1}; counts add up to draw_count.'),
    )

    class Meta:
        ordering = ["exam", "position"]
        constraints = [
            models.UniqueConstraint(fields=["exam", "position"], name="exam_section_position")
        ]

    def __str__(self) -> str:
        return f"{self.exam} §{self.position}"


class ExamItem(models.Model):
    """A fixed item of a section (always shown)."""

    section = models.ForeignKey(ExamSection, related_name="fixed_items", on_delete=models.CASCADE)
    question = models.ForeignKey(Question, on_delete=models.PROTECT)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["section", "position"]
        constraints = [
            models.UniqueConstraint(fields=["section", "position"], name="exam_item_position"),
            models.UniqueConstraint(fields=["section", "question"], name="exam_item_question"),
        ]

    def __str__(self) -> str:
        return f"{self.section} #{self.position}"


class Accommodation(models.Model):
    """Extra time for one candidate, on one exam or (exam empty) on all exams."""

    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="accommodations"
    )
    exam = models.ForeignKey(Exam, null=True, blank=True, on_delete=models.CASCADE)
    extra_minutes = models.PositiveIntegerField()
    reason = models.CharField(max_length=300)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["candidate", "exam"], name="accommodation_one_per_exam")
        ]

    def __str__(self) -> str:
        return f"{self.candidate} +{self.extra_minutes}min"


class Attempt(models.Model):
    class State(models.TextChoices):
        NOT_STARTED = "not_started", _("未开始")
        IN_PROGRESS = "in_progress", _("进行中")
        OVERDUE = "overdue", _("已超时（宽限期）")
        SUBMITTED = "submitted", _("已交卷（待人工评分）")
        GRADED = "graded", _("已评分")
        ABANDONED = "abandoned", _("已放弃")

    ACTIVE_STATES = (State.IN_PROGRESS, State.OVERDUE)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    exam = models.ForeignKey(Exam, on_delete=models.PROTECT, related_name="attempts")
    application = models.ForeignKey(
        "certification.Application",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attempts",
    )
    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="attempts"
    )
    number = models.PositiveSmallIntegerField(default=1)
    state = models.CharField(max_length=16, choices=State.choices, default=State.IN_PROGRESS)
    seed = models.BigIntegerField(help_text=_("Draws and shuffles are reproducible from it."))
    started_at = models.DateTimeField()
    deadline = models.DateTimeField(help_text=_("Kept by the server; the browser only shows it."))
    submitted_at = models.DateTimeField(null=True, blank=True)
    score = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    # Integrity (certification/exams/integrity.py): the exam page (tab) that may save,
    # the browser that opened it, and the client last seen.
    session_token = models.CharField(max_length=32, blank=True, default="")
    session_browser = models.CharField(max_length=16, blank=True, default="")
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    client_device = models.CharField(max_length=16, blank=True, default="")
    # The autosave allowance (THROTTLE_AUTOSAVE), counted under the save's own row
    # lock: saves in the current fixed window (its number: epoch seconds // window).
    saves_window = models.BigIntegerField(default=0)
    saves_in_window = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "exam"],
                condition=models.Q(state__in=["in_progress", "overdue"]),
                name="attempt_one_active_per_exam",
            ),
            models.UniqueConstraint(
                fields=["candidate", "exam", "number"], name="attempt_number_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.candidate_id} / {self.exam_id} #{self.number} / {self.state}"

    @property
    def percent(self) -> Decimal | None:
        if self.score is None or not self.max_score:
            return None
        return (self.score * 100 / self.max_score).quantize(Decimal("0.01"))


class AttemptItem(models.Model):
    """An item as this attempt showed it: the exact version and the order of its
    choices. Scores live here: ``points`` is None until graded (automatically, by
    an examiner, or by the sandbox)."""

    attempt = models.ForeignKey(Attempt, related_name="items", on_delete=models.CASCADE)
    position = models.PositiveSmallIntegerField()
    version = models.ForeignKey(QuestionVersion, on_delete=models.PROTECT, related_name="+")
    section = models.ForeignKey(
        ExamSection, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    choice_order = models.JSONField(default=list, blank=True)
    points = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="attempt_item_position")
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id} #{self.position}"


class Answer(models.Model):
    """The latest answer to one attempt item (every step is in AnswerEvent)."""

    item = models.OneToOneField(AttemptItem, related_name="answer", on_delete=models.CASCADE)
    response = models.JSONField()
    saved_at = models.DateTimeField()
    revision = models.PositiveIntegerField(default=1)
    late = models.BooleanField(default=False, help_text=_("Arrived within the grace period."))

    def __str__(self) -> str:
        return f"{self.item_id} r{self.revision}"


class AnswerEvent(models.Model):
    """Append-only: every answer the server received, applied or not, so that any
    attempt can be audited and regraded."""

    item = models.ForeignKey(AttemptItem, related_name="events", on_delete=models.CASCADE)
    revision = models.PositiveIntegerField()
    response = models.JSONField()
    at = models.DateTimeField()
    late = models.BooleanField(default=False)
    applied = models.BooleanField(help_text=_("False when a newer revision was already saved."))

    class Meta:
        ordering = ["item", "at"]
        indexes = [models.Index(fields=["item", "at"])]

    def __str__(self) -> str:
        return f"{self.item_id} r{self.revision} @{self.at:%H:%M:%S}"


class ManualGrade(models.Model):
    """An examiner's rubric score of a short-answer or case-analysis item."""

    item = models.ForeignKey(AttemptItem, related_name="manual_grades", on_delete=models.CASCADE)
    examiner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    levels = models.JSONField(default=dict, help_text=_("criterion id → level id"))
    points = models.DecimalField(max_digits=6, decimal_places=2)
    comment = models.TextField(blank=True)
    graded_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["item", "examiner"], name="manual_grade_once_per_examiner"
            )
        ]

    def __str__(self) -> str:
        return f"{self.item_id} by {self.examiner_id}: {self.points}"


class PracticalSubmission(models.Model):
    """The application a practical submission was made for. Grading knows nothing of
    applications (its arrows point down), so the link lives here; the composite result
    reads the practical score through it, and an appeal's re-run follows it."""

    submission = models.OneToOneField(
        "grading.Submission",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="application_link",
    )
    application = models.ForeignKey(
        "certification.Application",
        on_delete=models.PROTECT,
        related_name="practical_submissions",
    )

    def __str__(self) -> str:
        return f"{self.submission_id} → {self.application_id}"
