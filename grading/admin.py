from django.contrib import admin

from grading.models import Submission


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = [
        "public_id",
        "task",
        "candidate",
        "state",
        "verdict",
        "test_score",
        "created_at",
    ]
    list_filter = ["state", "verdict", "task"]
    readonly_fields = [f.name for f in Submission._meta.fields]
