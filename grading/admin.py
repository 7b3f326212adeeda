"""The committee's and operators' view of practical grading: every submission with
its hidden-set score and bootstrap interval, the history of its runs and a re-run
action. (Stored bundle versions are in training's admin.)"""

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from core.errors import ApplicationError
from grading import practical
from grading.models import GradingRun, Submission


class GradingRunInline(admin.TabularInline[GradingRun, Submission]):
    model = GradingRun
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "number",
        "trigger",
        "requested_by",
        "state",
        "verdict",
        "shown_message",
        "dev_score",
        "test_score",
        "test_ci_low",
        "test_ci_high",
        "passed",
        "stages",
        "started_at",
        "finished_at",
    )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=gettext_lazy("评测消息"))
    def shown_message(self, run: GradingRun) -> str:
        return run.message_text


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin[Submission]):
    list_display = [
        "public_id",
        "task",
        "candidate",
        "purpose",
        "state",
        "verdict",
        "dev_score",
        "test_score",
        "test_ci_low",
        "test_ci_high",
        "passed",
        "run_count",
        "created_at",
    ]
    list_filter = ["purpose", "state", "verdict", "task"]
    # Every field, and the message in the reader's language next to its stored text
    # (rows graded before message codes only), code and parameters.
    readonly_fields = [
        name
        for f in Submission._meta.fields
        for name in ((f.name, "shown_message") if f.name == "message" else (f.name,))
    ]
    inlines = [GradingRunInline]
    actions = ["rerun"]

    @admin.display(description=gettext_lazy("评测消息"))
    def shown_message(self, submission: Submission) -> str:
        return submission.message_text

    @admin.action(description=gettext_lazy("重新评测（保留历史）"))
    def rerun(self, request: HttpRequest, queryset: QuerySet[Submission]) -> None:
        user = request.user
        assert isinstance(user, User)  # the admin requires a staff login
        for submission in queryset.order_by("pk"):
            try:
                practical.submission_rerun(submission_id=submission.pk, requested_by=user)
            except ApplicationError as exc:
                self.message_user(
                    request, f"{submission.public_id}: {exc.message}", messages.WARNING
                )
            else:
                self.message_user(request, f"{submission.public_id}: queued")
