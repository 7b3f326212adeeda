"""An instructor's question file on its way into a bank (``training.models`` imports
it, so it is ``training.QuestionImport`` like any model of the app)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class QuestionImport(models.Model):
    """An instructor's question file for a bank, previewed (a dry run) and then
    imported by a worker (``training.tasks.question_import_task``): a file at the size
    limit takes seconds each way. The file stays in private storage, so a failed run
    can be retried. One open row (not yet done) per bank and file digest: uploading or
    confirming the same file again while it is open reaches this row, never a second
    import. Once done, the same file is imported again only when the author asks for
    it explicitly (``question_import_again``): a new row, from the stored copy."""

    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("进行中")
        PREVIEWED = "previewed", _("待确认")
        DONE = "done", _("已导入")
        FAILED = "failed", _("失败")

    class Format(models.TextChoices):
        GIFT = "gift", "GIFT"
        MOODLE_XML = "moodle-xml", "Moodle XML"
        QTI = "qti", "QTI 2.1"

    bank = models.ForeignKey(
        "training.QuestionBank", on_delete=models.CASCADE, related_name="imports"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    file_name = models.CharField(max_length=200)
    stored_as = models.CharField(max_length=300, help_text=_("Relative to PRIVATE_STORAGE_DIR."))
    digest = models.CharField(max_length=64)
    format = models.CharField(max_length=16, choices=Format.choices)
    skip_bad = models.BooleanField(default=False)
    # False while the run is the preview (a dry run); True once the author confirmed.
    confirmed = models.BooleanField(default=False)
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    # The preview's or the import's report (training.services.imports), or the problems.
    report = models.JSONField(default=dict)
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["bank", "digest"],
                condition=~models.Q(state="done"),
                name="question_import_open_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.state})"

    @property
    def is_final(self) -> bool:
        """Nothing is running or queued: the page stops polling."""
        return self.state in {self.State.PREVIEWED, self.State.DONE, self.State.FAILED}
