"""Curricula, question banks and practical tasks: what instructors author.

Levels and domains live here, at the bottom of the dependency chain, because both
curricula (here) and certifications (in ``certification``) refer to them.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=80)
    name_en = models.CharField(max_length=80)
    rank = models.PositiveSmallIntegerField(
        unique=True, help_text=_("1 = 初级, 2 = 中级, 3 = 高级")
    )

    class Meta:
        ordering = ["rank"]

    def __str__(self) -> str:
        return f"{self.name} {self.name_en}"


class Domain(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=80)
    name_en = models.CharField(max_length=80)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return f"{self.name} {self.name_en}"


class Curriculum(models.Model):
    slug = models.SlugField(unique=True)
    level = models.ForeignKey(Level, on_delete=models.PROTECT)
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["level__rank", "domain__slug"]

    def __str__(self) -> str:
        return self.title


class Lesson(models.Model):
    curriculum = models.ForeignKey(Curriculum, related_name="lessons", on_delete=models.CASCADE)
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField(help_text=_("Markdown"))

    class Meta:
        ordering = ["curriculum", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["curriculum", "position"], name="lesson_position_unique"
            )
        ]

    def __str__(self) -> str:
        return self.title


class QuestionBank(models.Model):
    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    """One version of an item. The grading key lives in ``key`` and never leaves the
    server before the attempt is graded; ``choices`` is what the candidate sees."""

    class Kind(models.TextChoices):
        SINGLE_CHOICE = "single_choice", _("单选题")
        FILL_IN = "fill_in", _("填空题")

    bank = models.ForeignKey(QuestionBank, related_name="questions", on_delete=models.PROTECT)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    stem = models.TextField()
    choices = models.JSONField(default=list, blank=True, help_text=_("Choice texts, in order."))
    key = models.JSONField(
        help_text=_(
            'single_choice: {"correct": <index>}; fill_in: {"accepted": [...], '
            '"case_sensitive": false}'
        )
    )
    points = models.DecimalField(max_digits=6, decimal_places=2, default=1)

    class Meta:
        ordering = ["bank", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(points__gt=0), name="question_points_positive"
            )
        ]

    def __str__(self) -> str:
        return self.stem[:60]


class PracticalTask(models.Model):
    """A practical task: its bundle (public and hidden material) lives in private
    storage under ``bundle_dir`` and is never served over HTTP."""

    class Metric(models.TextChoices):
        ACCURACY = "accuracy", _("Accuracy")

    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    statement = models.TextField(help_text=_("Markdown"))
    framework = models.CharField(max_length=20, default="pytorch")
    metric = models.CharField(max_length=20, choices=Metric.choices, default=Metric.ACCURACY)
    pass_threshold = models.FloatField()
    bundle_dir = models.CharField(max_length=300, help_text=_("Relative to PRIVATE_STORAGE_DIR."))
    train_seconds = models.PositiveIntegerField(default=300)
    predict_seconds = models.PositiveIntegerField(default=120)
    memory_mb = models.PositiveIntegerField(default=2048)
    submission_quota = models.PositiveSmallIntegerField(default=5)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pass_threshold__gte=0) & models.Q(pass_threshold__lte=1),
                name="task_threshold_in_unit_interval",
            )
        ]

    def __str__(self) -> str:
        return self.title
