"""The programme: certifications (level × domain), their eligibility rules and
versioned blueprints (components, weights, cut scores), and modified-Angoff studies."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from training.models import (
    Domain,
    Level,
    PracticalTask,
    Question,
    Rubric,
)


class Certification(models.Model):
    """One certification = level × domain. Its evaluation rules (component weights and
    minimums, the cut score) are its versioned ``blueprints``, so the composite result
    never hard-codes them."""

    slug = models.SlugField(unique=True)
    level = models.ForeignKey(Level, on_delete=models.PROTECT)
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT)
    name = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    written_exam = models.ForeignKey(
        "Exam", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    practical_task = models.ForeignKey(
        PracticalTask, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    validity_days = models.PositiveIntegerField(default=3 * 365)
    is_open = models.BooleanField(default=True)
    requires_curriculum = models.BooleanField(
        default=False,
        help_text=_("Candidates must complete the curriculum of its level and domain first."),
    )

    class Meta:
        ordering = ["level__rank", "domain__slug"]
        constraints = [
            models.UniqueConstraint(fields=["level", "domain"], name="certification_level_domain"),
        ]

    def __str__(self) -> str:
        return self.localized_name

    @property
    def localized_name(self) -> str:
        english = (get_language() or "").startswith("en")
        return self.name_en if english and self.name_en else self.name


class EligibilityRule(models.Model):
    """A prerequisite of a certification: a valid certificate (not revoked, not
    suspended, not expired) of ``required`` — e.g. advanced NLP requires intermediate
    NLP. Every rule of a certification must hold, unless the committee granted the
    candidate a waiver."""

    certification = models.ForeignKey(
        Certification, on_delete=models.CASCADE, related_name="eligibility_rules"
    )
    required = models.ForeignKey(Certification, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["certification", "required"], name="eligibility_rule_unique"
            ),
            models.CheckConstraint(
                condition=~models.Q(certification=models.F("required")),
                name="eligibility_rule_not_self",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.certification_id} needs {self.required_id}"


class Blueprint(models.Model):
    """One version of a certification's evaluation rules: components with weights and
    minimums, the overall cut score, the borderline margin, the interview raters'
    disagreement threshold and the appeal window. A published version is never edited
    (a change is a new version); an application is evaluated against the version that
    was current when it was approved (``certification.services.blueprints``)."""

    certification = models.ForeignKey(
        Certification, on_delete=models.PROTECT, related_name="blueprints"
    )
    version = models.PositiveIntegerField()
    cut_score = models.DecimalField(
        max_digits=5, decimal_places=2, help_text=_("Composite cut score, 0–100.")
    )
    borderline_margin = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal(2),
        help_text=_("A composite this close to the cut is borderline (points)."),
    )
    rater_threshold = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal(15),
        help_text=_("Two interview ratings further apart than this (points) go to a third rater."),
    )
    appeal_window_days = models.PositiveSmallIntegerField(default=14)
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["certification", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["certification", "version"], name="blueprint_version_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(cut_score__gte=0) & models.Q(cut_score__lte=100),
                name="blueprint_cut_score_range",
            ),
            models.CheckConstraint(
                condition=models.Q(borderline_margin__gte=0) & models.Q(rater_threshold__gte=0),
                name="blueprint_margins_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.certification} v{self.version}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class BlueprintComponent(models.Model):
    """A component of a blueprint: its weight in the composite and its minimum."""

    class Kind(models.TextChoices):
        WRITTEN = "written", _("笔试")
        PRACTICAL = "practical", _("实操考核")
        INTERVIEW = "interview", _("面试")

    blueprint = models.ForeignKey(Blueprint, on_delete=models.CASCADE, related_name="components")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    weight = models.DecimalField(max_digits=4, decimal_places=3)
    minimum = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(0))
    rubric = models.ForeignKey(
        Rubric,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The interview's rubric."),
    )

    class Meta:
        ordering = ["blueprint", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["blueprint", "kind"], name="blueprint_component_kind"),
            models.CheckConstraint(
                condition=models.Q(weight__gte=0) & models.Q(weight__lte=1),
                name="blueprint_component_weight_range",
            ),
            models.CheckConstraint(
                condition=models.Q(minimum__gte=0) & models.Q(minimum__lte=100),
                name="blueprint_component_minimum_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.blueprint} {self.kind} ×{self.weight}"


class AngoffStudy(models.Model):
    """A modified-Angoff standard-setting study of a written exam's fixed items."""

    exam = models.ForeignKey(
        "certification.Exam", on_delete=models.PROTECT, related_name="angoff_studies"
    )
    title = models.CharField(max_length=200)
    current_round = models.PositiveSmallIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class AngoffEstimate(models.Model):
    """A judge's estimate, in one round, of the chance that a borderline candidate
    answers one item correctly."""

    study = models.ForeignKey(AngoffStudy, on_delete=models.CASCADE, related_name="estimates")
    round = models.PositiveSmallIntegerField()
    judge = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    probability = models.DecimalField(max_digits=4, decimal_places=3)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["study", "round", "judge", "question"]
        constraints = [
            models.UniqueConstraint(
                fields=["study", "round", "judge", "question"], name="angoff_estimate_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(probability__gte=0) & models.Q(probability__lte=1),
                name="angoff_probability_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.study_id} r{self.round} {self.judge_id}/{self.question_id}"
