"""Curricula, question banks and practical tasks: what instructors author.

Levels and domains live here, at the bottom of the dependency chain, because both
curricula (here) and certifications (in ``certification``) refer to them.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# A model of this app in a module of its own (this one would pass 500 lines).
from training.question_imports import QuestionImport as QuestionImport


class BilingualName(models.Model):
    """A name entered in Chinese (``name``) and in English (``name_en``): content with
    its own translation, shown in the language of the page."""

    name: str
    name_en: str

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.localized_name

    @property
    def localized_name(self) -> str:
        english = (get_language() or "").startswith("en")
        return self.name_en if english and self.name_en else self.name


class Level(BilingualName):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=80)
    name_en = models.CharField(max_length=80)
    rank = models.PositiveSmallIntegerField(
        unique=True, help_text=_("1 = 初级, 2 = 中级, 3 = 高级")
    )

    class Meta:
        ordering = ["rank"]


class Domain(BilingualName):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=80)
    name_en = models.CharField(max_length=80)

    class Meta:
        ordering = ["slug"]


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


class ReviewStatus(models.TextChoices):
    """The authoring workflow of a lesson or item version (docs/authoring.md): an
    author's draft goes to review, a second author approves it (published) or sends
    it back with a note (draft again). Candidates only ever see published versions."""

    DRAFT = "draft", _("草稿")
    IN_REVIEW = "in_review", _("审核中")
    PUBLISHED = "published", _("已发布")


class Lesson(models.Model):
    """A lesson as candidates see it: the fields of its newest published version
    (``LessonVersion``), copied on publication. ``is_published`` is false until a
    first version is published, and the curriculum page lists only published lessons."""

    curriculum = models.ForeignKey(Curriculum, related_name="lessons", on_delete=models.CASCADE)
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField(help_text=_("Markdown"))
    minutes = models.PositiveSmallIntegerField(
        default=0, help_text=_("Estimated study time in minutes (0: not estimated).")
    )
    objectives = models.JSONField(
        default=list, blank=True, help_text=_("What the learner can do afterwards, one per line.")
    )
    practical_task = models.ForeignKey(
        "training.PracticalTask",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lessons",
        help_text=_("The practical task this lesson prepares for."),
    )
    is_published = models.BooleanField(default=True)

    class Meta:
        ordering = ["curriculum", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["curriculum", "position"], name="lesson_position_unique"
            )
        ]

    def __str__(self) -> str:
        return self.title


class LessonVersion(models.Model):
    """One saved state of a lesson's content, reviewed before it is published."""

    lesson = models.ForeignKey(Lesson, related_name="versions", on_delete=models.CASCADE)
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField(help_text=_("Markdown"))
    minutes = models.PositiveSmallIntegerField(default=0)
    objectives = models.JSONField(default=list, blank=True)
    status = models.CharField(
        max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)

    class Meta:
        ordering = ["lesson", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["lesson", "number"], name="lesson_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.lesson} v{self.number}"


class QuestionBank(models.Model):
    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    def __str__(self) -> str:
        return self.title


class Category(models.Model):
    """A node in a bank's category tree."""

    bank = models.ForeignKey(QuestionBank, related_name="categories", on_delete=models.CASCADE)
    parent = models.ForeignKey(
        "self", null=True, blank=True, related_name="children", on_delete=models.CASCADE
    )
    name = models.CharField(max_length=200)

    class Meta:
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(
                fields=["bank", "parent", "name"], name="category_unique_name_under_parent"
            ),
            models.UniqueConstraint(
                fields=["bank", "name"],
                condition=models.Q(parent__isnull=True),
                name="category_unique_root_name",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def subtree_ids(self) -> list[int]:
        """This category and every category below it (a bank's tree is small)."""
        ids, frontier = [self.pk], [self.pk]
        while frontier:
            frontier = list(
                Category.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
            )
            ids.extend(frontier)
        return ids


class Tag(models.Model):
    """``facet:value`` labels such as ``level:beginner``, ``domain:cv``, ``topic:cnn``,
    ``difficulty:easy``."""

    name = models.CharField(max_length=100, unique=True)

    def __str__(self) -> str:
        return self.name


class Question(models.Model):
    """An item's stable identity. Its content lives in versions (docs/items.md)."""

    bank = models.ForeignKey(QuestionBank, related_name="questions", on_delete=models.PROTECT)
    category = models.ForeignKey(
        Category, null=True, blank=True, related_name="questions", on_delete=models.SET_NULL
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="questions")
    name = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The new-item form's one-time token: the same form submitted twice, even at
    # the same moment, makes one item (training/services/items.py).
    creation_token = models.CharField(
        max_length=64, null=True, blank=True, unique=True, editable=False
    )

    class Meta:
        ordering = ["bank", "id"]

    def __str__(self) -> str:
        return self.name or f"Q{self.pk}"

    def latest_version(self) -> "QuestionVersion":
        return self.versions.order_by("-number").first()  # type: ignore[return-value]


class QuestionVersion(models.Model):
    """One immutable version of an item. Attempts point at the version they showed;
    editing an item that has been used makes a new version."""

    class Kind(models.TextChoices):
        SINGLE_CHOICE = "single_choice", _("单选题")
        MULTIPLE_CHOICE = "multiple_choice", _("多选题")
        TRUE_FALSE = "true_false", _("判断题")
        FILL_IN = "fill_in", _("填空题")
        MATCHING = "matching", _("匹配题")
        ORDERING = "ordering", _("排序题")
        SHORT_ANSWER = "short_answer", _("简答题")
        CASE_ANALYSIS = "case_analysis", _("案例分析题")
        PROGRAMMING = "programming", _("编程题")
        DESCRIPTION = "description", _("说明")

    MANUAL_KINDS = frozenset({Kind.SHORT_ANSWER, Kind.CASE_ANALYSIS})
    # The list in ``data`` whose order an attempt shuffles (docs/items.md).
    SHUFFLED_FIELD: dict[str, str] = {
        Kind.SINGLE_CHOICE: "choices",
        Kind.MULTIPLE_CHOICE: "choices",
        Kind.ORDERING: "items",
        Kind.MATCHING: "options",
    }

    question = models.ForeignKey(Question, related_name="versions", on_delete=models.CASCADE)
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=32, choices=Kind.choices)
    stem = models.TextField(help_text=_("Markdown with LaTeX and code blocks."))
    data = models.JSONField(default=dict, blank=True, help_text=_("What the candidate sees."))
    key = models.JSONField(default=dict, blank=True, help_text=_("How it is graded; secret."))
    feedback = models.JSONField(default=dict, blank=True)
    points = models.DecimalField(max_digits=6, decimal_places=2, default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Written by the studio's editor as a draft; bulk loads (demo, fixtures) publish
    # directly. Exams draw only published versions.
    status = models.CharField(
        max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.PUBLISHED
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)

    class Meta:
        ordering = ["question", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["question", "number"], name="question_version_number"),
            models.CheckConstraint(
                condition=models.Q(points__gte=0), name="question_version_points_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question} v{self.number}"

    @property
    def is_manual(self) -> bool:
        return self.kind in self.MANUAL_KINDS


class Rubric(models.Model):
    """Criteria × performance levels, each level with a descriptor and points. Used
    for case-analysis and short-answer items and for interviews.

    ``criteria``: ``[{"id": "c1", "name": "…", "levels": [{"id": "l1", "label": "…",
    "descriptor": "…", "points": 2}]}]``
    """

    title = models.CharField(max_length=200)
    criteria = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return self.title

    @property
    def max_points(self) -> float:
        return sum(max(float(level["points"]) for level in c["levels"]) for c in self.criteria)

    def points_for(self, levels: dict[str, str]) -> float:
        """Total points of the chosen level per criterion. Raises ValueError when a
        criterion is missing or a level does not belong to it."""
        total = 0.0
        for criterion in self.criteria:
            chosen = levels.get(criterion["id"])
            match = [lv for lv in criterion["levels"] if lv["id"] == chosen]
            if not match:
                raise ValueError(f"choose a level for {criterion['name']}")
            total += float(match[0]["points"])
        return total


class Framework(models.TextChoices):
    """A framework a solution runs with: its sandbox image. A task names one, or
    ``any`` (PracticalTask.ANY_FRAMEWORK): the candidate picks one per submission."""

    PYTORCH = "pytorch", "PyTorch"
    TENSORFLOW = "tensorflow", "TensorFlow"


def frameworks_allowed(framework: str) -> tuple[str, ...]:
    """The frameworks a task declaring ``framework`` accepts, the default first."""
    if framework == PracticalTask.ANY_FRAMEWORK:
        return tuple(Framework.values)
    return (framework,)


class PracticalTask(models.Model):
    """A practical task: its bundle (public and hidden material) lives in private
    storage under ``bundle_dir`` and is never served over HTTP. Uploading a bundle
    (``training.bundles.storage.bundle_upload``) creates a :class:`BundleVersion` and points
    ``current_version`` and ``bundle_dir`` at it."""

    class Metric(models.TextChoices):
        ACCURACY = "accuracy", _("Accuracy")
        MACRO_F1 = "macro_f1", _("Macro-F1")
        TOP_K = "top_k_accuracy", _("Top-k accuracy")
        MSE = "mse", _("MSE")
        MAE = "mae", _("MAE")
        R2 = "r2", _("R²")
        BLEU = "bleu", _("BLEU")
        CHRF = "chrf", _("chrF")
        WER = "wer", _("WER")
        CER = "cer", _("CER")
        MAP = "map", _("mAP")

    ANY_FRAMEWORK = "any"

    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    statement = models.TextField(help_text=_("Markdown"))
    # pytorch | tensorflow | any (the candidate picks one of Framework per submission)
    framework = models.CharField(max_length=20, default=Framework.PYTORCH)
    image = models.CharField(
        max_length=200, blank=True, help_text=_("Sandbox image tag; empty: the framework's.")
    )
    metric = models.CharField(max_length=20, choices=Metric.choices, default=Metric.ACCURACY)
    metric_options = models.JSONField(default=dict, blank=True)
    pass_threshold = models.FloatField()
    bundle_dir = models.CharField(max_length=300, help_text=_("Relative to PRIVATE_STORAGE_DIR."))
    current_version = models.ForeignKey(
        "BundleVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    train_seconds = models.PositiveIntegerField(default=300)
    predict_seconds = models.PositiveIntegerField(default=120)
    memory_mb = models.PositiveIntegerField(default=2048)
    gpu = models.BooleanField(default=False, help_text=_("Runs only on GPU workers."))
    submission_quota = models.PositiveSmallIntegerField(default=5)
    show_test_score = models.BooleanField(
        default=False, help_text=_("Show candidates the hidden-set score, not only pass/fail.")
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pass_threshold__gte=0), name="task_threshold_non_negative"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def frameworks(self) -> tuple[str, ...]:
        """The frameworks a submission may choose, the default first."""
        return frameworks_allowed(self.framework)

    @property
    def framework_choice(self) -> bool:
        """Whether the candidate picks the framework (the task's is ``any``)."""
        return len(self.frameworks) > 1


class BundleVersion(models.Model):
    """One accepted upload of a task's bundle: immutable, checksummed, stored under
    ``storage_dir`` (relative to PRIVATE_STORAGE_DIR). ``files`` maps every file's
    relative path to its SHA-256; ``sha256`` is the hash of that listing."""

    task = models.ForeignKey(
        PracticalTask, on_delete=models.PROTECT, related_name="bundle_versions"
    )
    number = models.PositiveIntegerField()
    storage_dir = models.CharField(max_length=300)
    sha256 = models.CharField(max_length=64)
    size_bytes = models.BigIntegerField()
    files = models.JSONField()
    manifest = models.JSONField()
    trial = models.JSONField(default=dict, help_text=_("Reference and baseline trial runs."))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["task", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["task", "number"], name="bundle_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.task.slug} v{self.number}"


class BundleUpload(models.Model):
    """An instructor's upload of a task bundle, validated and trial-run by a worker
    (``grading.tasks.bundle_upload_task``). The archive stays in private storage.
    The table keeps the name it had when grading owned the model."""

    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        CHECKING = "checking", _("校验与试运行中")
        ACCEPTED = "accepted", _("已接受")
        REFUSED = "refused", _("已拒绝")

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    file_name = models.CharField(max_length=200)
    archive = models.CharField(max_length=300, help_text=_("Relative to PRIVATE_STORAGE_DIR."))
    size_bytes = models.BigIntegerField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    # While checking: "validate", a trial solution's name ("reference", "baseline"...)
    # or "store", and how many of the trial's solutions have run (``done`` of ``total``).
    stage = models.CharField(max_length=40, blank=True)
    done = models.PositiveSmallIntegerField(default=0)
    total = models.PositiveSmallIntegerField(default=0)
    message = models.TextField(blank=True)
    version = models.ForeignKey(
        BundleVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "grading_bundleupload"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.state})"

    @property
    def is_final(self) -> bool:
        return self.state in {self.State.ACCEPTED, self.State.REFUSED}
