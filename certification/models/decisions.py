"""The committee's decisions on composite results, and appeals against them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Decision(models.Model):
    """The committee's decision on an application's result, with a rationale and a
    snapshot of the result it was made on. The newest decision that an appeal has not
    set aside is the current one."""

    class Outcome(models.TextChoices):
        PASS = "pass", _("通过")
        FAIL = "fail", _("不通过")
        DEFER = "defer", _("暂缓")

    application = models.ForeignKey(
        "certification.Application", on_delete=models.PROTECT, related_name="decisions"
    )
    blueprint = models.ForeignKey(
        "certification.Blueprint", on_delete=models.PROTECT, related_name="+"
    )
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
    application = models.ForeignKey(
        "certification.Application", on_delete=models.PROTECT, related_name="appeals"
    )
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
