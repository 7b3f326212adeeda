"""Practical submissions and their grading runs."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from grading.messages import message_render
from training.models import BundleVersion, Framework, PracticalTask


class Submission(models.Model):
    """A candidate's solution to a practical task. The file is stored privately and
    checksummed; grading claims the row by moving it from QUEUED to RUNNING.

    ``purpose`` says what it is for: an exam submission is scored on the dev set and the
    hidden test set and counts against the task's quota; a project run (the task as a
    guided project, docs/learning.md) is scored on the public dev set only, never sees
    the hidden set and has its own daily quota."""

    class Purpose(models.TextChoices):
        EXAM = "exam", _("考试提交")
        PROJECT = "project", _("项目练习")

    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("运行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("系统错误")

    class Verdict(models.TextChoices):
        OK = "ok", _("通过运行")
        RUNTIME_ERROR = "runtime_error", _("运行错误")
        TIME_LIMIT = "time_limit", _("超时")
        MEMORY_LIMIT = "memory_limit", _("内存超限")
        OUTPUT_LIMIT = "output_limit", _("输出超限")
        INVALID_OUTPUT = "invalid_output", _("预测结果无效")
        SANDBOX_ERROR = "sandbox_error", _("系统错误")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    task = models.ForeignKey(PracticalTask, on_delete=models.PROTECT, related_name="submissions")
    bundle_version = models.ForeignKey(
        BundleVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="submissions"
    )
    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="submissions"
    )
    # The task's framework, or the candidate's choice when the task's is "any": it
    # picks the sandbox image this submission is graded (and re-graded) in.
    framework = models.CharField(
        max_length=20, choices=Framework.choices, default=Framework.PYTORCH
    )
    purpose = models.CharField(max_length=10, choices=Purpose.choices, default=Purpose.EXAM)
    file_name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    size_bytes = models.PositiveIntegerField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    stage = models.CharField(max_length=16, blank=True, help_text=_("train / predict / score"))
    verdict = models.CharField(max_length=20, choices=Verdict.choices, blank=True)
    # The worker's message as a code of grading.messages and its parameters, shown in
    # the reader's language (``message_text``). ``message`` holds the finished text of
    # rows graded before codes existed (migration 0006); it is shown as it is.
    message = models.TextField(blank=True)
    message_code = models.CharField(max_length=40, blank=True)
    message_params = models.JSONField(default=dict, blank=True)
    dev_score = models.FloatField(null=True, blank=True)
    test_score = models.FloatField(null=True, blank=True)
    test_ci_low = models.FloatField(null=True, blank=True)
    test_ci_high = models.FloatField(null=True, blank=True)
    passed = models.BooleanField(null=True)
    stages = models.JSONField(default=dict, blank=True)
    train_log = models.TextField(blank=True)
    infra_failures = models.PositiveSmallIntegerField(default=0)
    # Claims so far: the number of the run that holds the submission while RUNNING.
    # A worker writes its result only while this is still its run's number.
    run_count = models.PositiveSmallIntegerField(default=0)
    rerun_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    queued_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["candidate", "task", "-created_at"])]
        constraints = [
            # A project run is never scored on the hidden set, so it can never pass or
            # stand in for an exam submission.
            models.CheckConstraint(
                condition=~models.Q(purpose="project")
                | models.Q(
                    test_score__isnull=True,
                    test_ci_low__isnull=True,
                    test_ci_high__isnull=True,
                    passed__isnull=True,
                ),
                name="submission_project_no_hidden_score",
            )
        ]

    def __str__(self) -> str:
        return f"{self.task.slug} / {self.candidate} / {self.state}"

    @property
    def is_final(self) -> bool:
        return self.state in {self.State.DONE, self.State.FAILED}

    @property
    def message_text(self) -> str:
        """The worker's message in the active language (the request's); a row graded
        before migration 0006 shows its stored text as it is."""
        return message_render(
            code=self.message_code, params=self.message_params, legacy=self.message
        )


class GradingRun(models.Model):
    """One attempt at grading a submission. Created when a worker claims the
    submission; kept forever, so a committee re-run adds a row and the earlier
    results stay readable."""

    class Trigger(models.TextChoices):
        SUBMISSION = "submission", _("提交")
        RERUN = "rerun", _("委员会重评")

    class State(models.TextChoices):
        RUNNING = "running", _("运行中")
        DONE = "done", _("已完成")
        INFRA_ERROR = "infra_error", _("系统错误")
        ABANDONED = "abandoned", _("已放弃（工作进程中断）")

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="runs")
    number = models.PositiveSmallIntegerField()
    trigger = models.CharField(max_length=12, choices=Trigger.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=12, choices=State.choices, default=State.RUNNING)
    worker = models.CharField(max_length=200, blank=True)
    verdict = models.CharField(max_length=20, choices=Submission.Verdict.choices, blank=True)
    message = models.TextField(blank=True)  # as on Submission: legacy text only
    message_code = models.CharField(max_length=40, blank=True)
    message_params = models.JSONField(default=dict, blank=True)
    dev_score = models.FloatField(null=True, blank=True)
    test_score = models.FloatField(null=True, blank=True)
    test_ci_low = models.FloatField(null=True, blank=True)
    test_ci_high = models.FloatField(null=True, blank=True)
    passed = models.BooleanField(null=True)
    stages = models.JSONField(default=dict, blank=True)
    train_log = models.TextField(blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["submission", "number"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "number"], name="grading_run_unique")
        ]

    def __str__(self) -> str:
        return f"{self.submission_id} #{self.number} {self.state}"

    @property
    def message_text(self) -> str:
        """The worker's message in the active language (the request's); a row graded
        before migration 0006 shows its stored text as it is."""
        return message_render(
            code=self.message_code, params=self.message_params, legacy=self.message
        )
