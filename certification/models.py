"""The programme, applications, written exams and attempts, results, certificates."""

import secrets
import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from training.models import (
    Category,
    Curriculum,
    Domain,
    Level,
    PracticalTask,
    Question,
    QuestionVersion,
    Rubric,
    Tag,
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

    class Meta:
        ordering = ["level__rank", "domain__slug"]
        constraints = [
            models.UniqueConstraint(fields=["level", "domain"], name="certification_level_domain"),
        ]

    def __str__(self) -> str:
        return self.name


class Application(models.Model):
    """An application for one certification: draft → submitted → approved / rejected
    (with a reason the candidate reads) / withdrawn (by the candidate, from draft or
    submitted). Workflows live in ``certification.services.applications``."""

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待审核")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("未通过审核")
        WITHDRAWN = "withdrawn", _("已撤回")

    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="applications"
    )
    certification = models.ForeignKey(Certification, on_delete=models.PROTECT)
    full_name = models.CharField(max_length=120)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    organization = models.CharField(max_length=200, blank=True)
    learning_history = models.TextField()
    project_experience = models.TextField()
    waiver_request = models.TextField(
        blank=True, help_text=_("Why the candidate asks for an eligibility waiver.")
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.SUBMITTED)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One open application (draft, submitted or approved) per candidate and
            # certification.
            models.UniqueConstraint(
                fields=["candidate", "certification"],
                condition=models.Q(state__in=["draft", "submitted", "approved"]),
                name="application_one_open_per_certification",
            )
        ]
        indexes = [models.Index(fields=["state", "submitted_at"], name="application_queue")]

    def __str__(self) -> str:
        return f"{self.full_name} → {self.certification}"

    @property
    def can_withdraw(self) -> bool:
        return self.state in (self.State.DRAFT, self.State.SUBMITTED)


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

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(attempts_allowed__gte=1), name="exam_attempts_allowed_positive"
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
        Application, null=True, blank=True, on_delete=models.PROTECT, related_name="attempts"
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


def _certificate_code() -> str:
    return secrets.token_urlsafe(12)


class Certificate(models.Model):
    class Status(models.TextChoices):
        VALID = "valid", _("有效")
        REVOKED = "revoked", _("已撤销")

    code = models.CharField(max_length=32, unique=True, default=_certificate_code, editable=False)
    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="certificate"
    )
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="certificates"
    )
    holder_name = models.CharField(max_length=120)
    certification = models.ForeignKey(Certification, on_delete=models.PROTECT)
    written_percent = models.DecimalField(max_digits=5, decimal_places=2)
    practical_percent = models.DecimalField(max_digits=5, decimal_places=2)
    composite = models.DecimalField(max_digits=5, decimal_places=2)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField()
    valid_until = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.VALID)
    credential = models.JSONField(default=dict, blank=True, help_text=_("Signed credential."))
    # Signed-credential state (issue 7). The credential id changes on renewal only; a
    # name change or a privacy choice re-signs the same id.
    credential_id = models.CharField(max_length=80, blank=True, db_index=True)
    holder_salt = models.CharField(max_length=64, blank=True)
    valid_from = models.DateTimeField(null=True, blank=True)
    suspended_at = models.DateTimeField(null=True, blank=True)
    suspension_reason = models.TextField(blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.TextField(blank=True)
    renewal_count = models.PositiveSmallIntegerField(default=0)
    show_name = models.BooleanField(default=True, help_text=_("Holder's choice: name shown."))
    shown_results = models.JSONField(
        default=list, blank=True, help_text=_("Holder's choice: result keys shown publicly.")
    )
    expiry_reminder_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"{self.code} {self.holder_name}"


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    """Append-only in code too: bulk updates and deletes raise. The database refuses
    them as well (a trigger, see migration 0003 and docs/committee.md)."""

    def update(self, **kwargs: object) -> int:
        raise TypeError("AuditEvent is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("AuditEvent is append-only.")


class AuditEvent(models.Model):
    """Append-only record of every committee and examiner action."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["at"], name="audit_at"),
            models.Index(fields=["action", "at"], name="audit_action_at"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"


class IssuerKey(models.Model):
    """An Ed25519 signing key of the issuer. The secret is stored encrypted (Fernet, key
    derived from a setting), never served. Rotation retires the active key: retired keys
    keep verifying what they signed; a revoked (compromised) key fails every proof."""

    class State(models.TextChoices):
        ACTIVE = "active", _("使用中")
        RETIRED = "retired", _("已轮换")
        REVOKED = "revoked", _("已吊销")

    issuer_id = models.CharField(max_length=200)
    key_url = models.CharField(max_length=300, unique=True)
    public_multikey = models.CharField(max_length=80)
    secret_encrypted = models.TextField(help_text=_("Fernet token of the z3u2… secret."))
    state = models.CharField(max_length=16, choices=State.choices, default=State.ACTIVE)
    revoked_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer_id"],
                condition=models.Q(state="active"),
                name="issuer_key_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.key_url} ({self.state})"


class CredentialStatusList(models.Model):
    """One Bitstring Status List (revocation or suspension) and its signed credential,
    re-signed after every change and served at ``url``."""

    class Purpose(models.TextChoices):
        REVOCATION = "revocation", _("撤销")
        SUSPENSION = "suspension", _("暂停")

    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    number = models.PositiveIntegerField()
    url = models.CharField(max_length=300, unique=True)
    size = models.PositiveIntegerField(default=131_072)
    bits = models.BinaryField()
    credential = models.JSONField(default=dict, blank=True)
    is_full = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["purpose", "number"]
        constraints = [
            models.UniqueConstraint(fields=["purpose", "number"], name="status_list_number"),
            models.CheckConstraint(condition=models.Q(size__gte=131_072), name="status_list_size"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} #{self.number}"


class CredentialStatusIndex(models.Model):
    """An index of a status list held by one credential of a certificate. Indexes are
    random; the unique constraint makes allocation safe without check-then-act."""

    status_list = models.ForeignKey(
        CredentialStatusList, on_delete=models.PROTECT, related_name="indexes"
    )
    index = models.PositiveIntegerField()
    certificate = models.ForeignKey(
        Certificate, on_delete=models.PROTECT, related_name="status_indexes"
    )
    credential_id = models.CharField(max_length=80)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["status_list", "index"], name="status_index_unique")
        ]

    def __str__(self) -> str:
        return f"{self.status_list_id}#{self.index}"


class TrainingRelation(models.Model):
    """A declared conflict of interest: ``staff`` trained or mentored ``candidate``, so
    may not review, examine or decide on them (ISO/IEC 17024: training is separated
    from examining). Enforced by ``certification.services.conflicts``."""

    class Kind(models.TextChoices):
        TRAINER = "trainer", _("培训讲师")
        MENTOR = "mentor", _("导师")

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="trained"
    )
    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="trained_by"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    note = models.CharField(max_length=300, blank=True)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["staff", "candidate", "kind"], name="training_relation_unique"
            ),
            models.CheckConstraint(
                condition=~models.Q(staff=models.F("candidate")),
                name="training_relation_not_self",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff_id} {self.kind} → {self.candidate_id}"


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


class EligibilityWaiver(models.Model):
    """The committee waived the eligibility rules of one certification for one
    candidate, with a reason (audited)."""

    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="eligibility_waivers"
    )
    certification = models.ForeignKey(Certification, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "certification"], name="eligibility_waiver_unique"
            )
        ]

    def __str__(self) -> str:
        return f"waiver {self.candidate_id} / {self.certification_id}"


class ApplicationAttachment(models.Model):
    """A file attached to an application, stored privately under
    ``PRIVATE_STORAGE_DIR`` (never served by the web server) and downloaded only
    through a view that checks access."""

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="attachments"
    )
    file_name = models.CharField(max_length=200, help_text=_("The name the candidate uploaded."))
    content_type = models.CharField(max_length=64, help_text=_("Detected from the content."))
    size_bytes = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=200, unique=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["application", "uploaded_at"]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.file_name}"


class Notification(models.Model):
    """A message in the app (the bell in the top bar); e-mail is sent alongside."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.title}"


# --- Blueprints, cut scores, interviews, decisions and appeals (issue 6) ---


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

    exam = models.ForeignKey(Exam, on_delete=models.PROTECT, related_name="angoff_studies")
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


class InterviewSlot(models.Model):
    """A time an interview panel of two examiners is available for one candidate."""

    certification = models.ForeignKey(
        Certification, on_delete=models.PROTECT, related_name="interview_slots"
    )
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(default=30)
    location = models.CharField(max_length=200, blank=True)
    first_examiner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    second_examiner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(first_examiner=models.F("second_examiner")),
                name="interview_slot_two_examiners",
            ),
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=1), name="interview_slot_duration"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.certification} {self.starts_at:%Y-%m-%d %H:%M}"


class Interview(models.Model):
    """A candidate's booking of a slot, with its raters. Rescheduling closes the row
    (state ``rescheduled``) and books a new one, so the history stays."""

    class State(models.TextChoices):
        BOOKED = "booked", _("已预约")
        RESCHEDULED = "rescheduled", _("已改期")
        CANCELLED = "cancelled", _("已取消")

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="interviews"
    )
    slot = models.ForeignKey(InterviewSlot, on_delete=models.PROTECT, related_name="interviews")
    state = models.CharField(max_length=16, choices=State.choices, default=State.BOOKED)
    reschedule_count = models.PositiveSmallIntegerField(default=0)
    rater_a = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    rater_b = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    adjudicator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    adjudication_reason = models.CharField(max_length=32, blank=True)
    booked_at = models.DateTimeField()

    class Meta:
        ordering = ["-booked_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["slot"],
                condition=models.Q(state="booked"),
                name="interview_slot_booked_once",
            ),
            models.UniqueConstraint(
                fields=["application"],
                condition=models.Q(state="booked"),
                name="interview_one_booking_per_application",
            ),
            models.CheckConstraint(
                condition=~models.Q(rater_a=models.F("rater_b")), name="interview_two_raters"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} @ {self.slot_id} ({self.state})"


class InterviewRating(models.Model):
    """One examiner's blind rubric rating of an interview. A granted appeal supersedes
    the ratings it re-scores; superseded ratings stay for the record."""

    class Role(models.TextChoices):
        RATER = "rater", _("评分员")
        ADJUDICATOR = "adjudicator", _("仲裁评分员")

    interview = models.ForeignKey(Interview, on_delete=models.PROTECT, related_name="ratings")
    examiner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.RATER)
    levels = models.JSONField(default=dict, help_text=_("criterion id → level id"))
    points = models.DecimalField(max_digits=6, decimal_places=2)
    percent = models.DecimalField(max_digits=5, decimal_places=2)
    comment = models.TextField(blank=True)
    rated_at = models.DateTimeField()
    superseded = models.BooleanField(default=False)

    class Meta:
        ordering = ["interview", "rated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["interview", "examiner"],
                condition=models.Q(superseded=False),
                name="interview_rating_once_per_examiner",
            ),
            models.CheckConstraint(
                condition=models.Q(percent__gte=0) & models.Q(percent__lte=100),
                name="interview_rating_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.interview_id} by {self.examiner_id}: {self.percent}"


class Decision(models.Model):
    """The committee's decision on an application's result, with a rationale and a
    snapshot of the result it was made on. The newest decision that an appeal has not
    set aside is the current one."""

    class Outcome(models.TextChoices):
        PASS = "pass", _("通过")
        FAIL = "fail", _("不通过")
        DEFER = "defer", _("暂缓")

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="decisions")
    blueprint = models.ForeignKey(Blueprint, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    rationale = models.TextField()
    result = models.JSONField(default=dict, help_text=_("The result the decision was made on."))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()
    set_aside_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-decided_at", "-pk"]
        indexes = [models.Index(fields=["application", "decided_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(rationale=""), name="decision_rationale_required"
            )
        ]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.outcome}"


class Appeal(models.Model):
    """A candidate's appeal against a decision, decided by a committee member who was
    not involved in it. A granted appeal sets the decision aside and re-scores the
    contested components."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("待处理")
        GRANTED = "granted", _("已受理（重新评分）")
        REJECTED = "rejected", _("已驳回")

    decision = models.OneToOneField(Decision, on_delete=models.PROTECT, related_name="appeal")
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="appeals")
    grounds = models.TextField()
    components = models.JSONField(default=list, help_text=_("Component kinds contested."))
    state = models.CharField(max_length=16, choices=State.choices, default=State.SUBMITTED)
    filed_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    rationale = models.TextField(blank=True)
    rescoring = models.JSONField(default=dict, blank=True, help_text=_("What was re-scored."))

    class Meta:
        ordering = ["-filed_at"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(grounds=""), name="appeal_grounds_required")
        ]

    def __str__(self) -> str:
        return f"appeal {self.pk} on decision {self.decision_id} ({self.state})"
