"""Applications and what surrounds them: eligibility waivers, attachments,
declared training relations (conflicts of interest) and in-app notifications."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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
    certification = models.ForeignKey("certification.Certification", on_delete=models.PROTECT)
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


class EligibilityWaiver(models.Model):
    """The committee waived the eligibility rules of one certification for one
    candidate, with a reason (audited)."""

    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="eligibility_waivers"
    )
    certification = models.ForeignKey(
        "certification.Certification", on_delete=models.PROTECT, related_name="+"
    )
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
    # The language title and body were written in (the recipient's at the time).
    language = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.title}"


# --- Blueprints, cut scores, interviews, decisions and appeals ---
