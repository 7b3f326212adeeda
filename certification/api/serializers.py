"""Input and output shapes of the API, one pair per operation where they differ."""

from typing import Any

from rest_framework import serializers

from certification.models import Application, Attempt, Certification
from certification.presentation import attempt_view, feedback_html
from certification.services.exams import (
    MAX_REVISION,
    PracticeFeedback,
    attempt_save_token,
    seconds_left,
)
from grading.models import Submission


class CertificationOut(serializers.ModelSerializer[Certification]):
    """A certification with its current blueprint's cut and weights (annotated by
    ``selectors.certifications_with_rules``; null without a published blueprint)."""

    level = serializers.CharField(source="level.slug")
    domain = serializers.CharField(source="domain.slug")
    cut_score = serializers.DecimalField(
        max_digits=5, decimal_places=2, read_only=True, allow_null=True
    )
    written_weight = serializers.DecimalField(
        max_digits=4, decimal_places=3, read_only=True, allow_null=True
    )
    practical_weight = serializers.DecimalField(
        max_digits=4, decimal_places=3, read_only=True, allow_null=True
    )
    interview_weight = serializers.DecimalField(
        max_digits=4, decimal_places=3, read_only=True, allow_null=True
    )

    class Meta:
        model = Certification
        fields = [
            "id",
            "slug",
            "name",
            "name_en",
            "level",
            "domain",
            "cut_score",
            "written_weight",
            "practical_weight",
            "interview_weight",
            "is_open",
        ]


class ApplicationIn(serializers.Serializer[Any]):
    certification = serializers.SlugField()
    full_name = serializers.CharField(max_length=120)
    learning_history = serializers.CharField(max_length=5000)
    project_experience = serializers.CharField(max_length=5000)
    email = serializers.EmailField(required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    organization = serializers.CharField(max_length=200, required=False, allow_blank=True)
    waiver_request = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class ApplicationOut(serializers.ModelSerializer[Application]):
    certification = serializers.CharField(source="certification.slug")

    class Meta:
        model = Application
        fields = [
            "id",
            "certification",
            "full_name",
            "state",
            "decision_reason",
            "created_at",
            "submitted_at",
            "reviewed_at",
        ]


class RejectIn(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=2000)


class AttemptOut(serializers.ModelSerializer[Attempt]):
    """The candidate's view of an attempt (certification/presentation.py): items in
    the attempt's order, choices in its shuffle, never a key; score and feedback
    only when the exam's review options allow."""

    id = serializers.UUIDField(source="public_id")
    exam = serializers.CharField(source="exam.title")
    items = serializers.SerializerMethodField()
    seconds_left = serializers.SerializerMethodField()
    score = serializers.SerializerMethodField()
    max_score = serializers.DecimalField(max_digits=7, decimal_places=2, read_only=True)
    percent = serializers.SerializerMethodField()
    save_token = serializers.SerializerMethodField()

    class Meta:
        model = Attempt
        fields = [
            "id",
            "exam",
            "number",
            "state",
            "started_at",
            "deadline",
            "seconds_left",
            "submitted_at",
            "score",
            "max_score",
            "percent",
            "save_token",
            "items",
        ]

    def get_save_token(self, attempt: Attempt) -> str:
        """A capability for autosave (``X-Attempt-Token``): only the owner sees it."""
        return attempt_save_token(attempt)

    def _view(self, attempt: Attempt) -> dict[str, Any]:
        cached: dict[str, Any] | None = getattr(attempt, "_view", None)
        if cached is None:
            cached = attempt_view(attempt)
            attempt._view = cached  # type: ignore[attr-defined]
        return cached

    def get_items(self, attempt: Attempt) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self._view(attempt)["items"]
        return items

    def get_seconds_left(self, attempt: Attempt) -> int:
        return seconds_left(attempt)

    def get_score(self, attempt: Attempt) -> str | None:
        if not self._view(attempt)["rights"].score or attempt.score is None:
            return None
        return str(attempt.score)

    def get_percent(self, attempt: Attempt) -> str | None:
        if not self._view(attempt)["rights"].score or attempt.percent is None:
            return None
        return str(attempt.percent)


class AnswerIn(serializers.Serializer[Any]):
    response = serializers.JSONField()
    revision = serializers.IntegerField(min_value=1, max_value=MAX_REVISION)


class AnswerOut(serializers.Serializer[Any]):
    item = serializers.IntegerField(source="item_id")
    revision = serializers.IntegerField()
    applied = serializers.BooleanField(help_text="False when a newer revision was already saved.")
    saved_at = serializers.DateTimeField()
    late = serializers.BooleanField()


class PracticeFeedbackOut(serializers.Serializer[Any]):
    fraction = serializers.FloatField(allow_null=True)
    feedback = serializers.JSONField()
    feedback_html = serializers.SerializerMethodField(
        help_text="The general feedback as sanitised HTML."
    )
    key = serializers.JSONField()

    def get_feedback_html(self, result: PracticeFeedback) -> str:
        return feedback_html(result.feedback)


class ProgrammingRunOut(serializers.Serializer[Any]):
    verdict = serializers.CharField()
    fraction = serializers.FloatField()
    tests = serializers.JSONField()
    stderr = serializers.CharField()


class ManualItemOut(serializers.Serializer[Any]):
    """An answer in the examiners' queue: anonymised, no candidate or attempt id."""

    id = serializers.IntegerField(source="pk")
    kind = serializers.CharField(source="version.kind")
    stem = serializers.CharField(source="version.stem")
    points = serializers.DecimalField(source="version.points", max_digits=6, decimal_places=2)
    response = serializers.JSONField(source="answer.response", default=None)


class ManualGradeIn(serializers.Serializer[Any]):
    levels = serializers.DictField(child=serializers.CharField(max_length=40))
    comment = serializers.CharField(max_length=5000, allow_blank=True, default="")


class ManualGradeOut(serializers.Serializer[Any]):
    item = serializers.IntegerField(source="item_id")
    points = serializers.DecimalField(max_digits=6, decimal_places=2)


class RegradeChangeOut(serializers.Serializer[Any]):
    attempt_id = serializers.IntegerField()
    position = serializers.IntegerField()
    question_id = serializers.IntegerField()
    old_points = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    new_points = serializers.DecimalField(max_digits=6, decimal_places=2)


class RegradeIn(serializers.Serializer[Any]):
    dry_run = serializers.BooleanField(default=True)


class AccommodationIn(serializers.Serializer[Any]):
    candidate = serializers.CharField(max_length=150, help_text="username")
    exam = serializers.IntegerField(required=False, allow_null=True)
    extra_minutes = serializers.IntegerField(min_value=1, max_value=24 * 60)
    reason = serializers.CharField(max_length=300)


class SubmissionIn(serializers.Serializer[Any]):
    file = serializers.FileField()


class SubmissionOut(serializers.ModelSerializer[Submission]):
    """What the candidate sees: never the predict stage's output."""

    id = serializers.UUIDField(source="public_id")
    task = serializers.CharField(source="task.slug")

    class Meta:
        model = Submission
        fields = [
            "id",
            "task",
            "state",
            "stage",
            "verdict",
            "message",
            "dev_score",
            "passed",
            "stages",
            "train_log",
            "created_at",
            "finished_at",
        ]


class ResultOut(serializers.Serializer[Any]):
    application = serializers.IntegerField(source="application.id")
    candidate = serializers.CharField(source="application.full_name")
    certification = serializers.CharField(source="application.certification.slug")
    written_percent = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    practical_percent = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    composite = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    passed = serializers.BooleanField(allow_null=True)
    complete = serializers.BooleanField()


class CertificateOut(serializers.Serializer[Any]):
    code = serializers.CharField(source="certificate.code")
    status = serializers.CharField()
    holder_name = serializers.CharField(source="certificate.holder_name")
    certification = serializers.CharField(source="certificate.certification.name")
    certification_en = serializers.CharField(source="certificate.certification.name_en")
    composite = serializers.DecimalField(
        source="certificate.composite", max_digits=5, decimal_places=2
    )
    issued_at = serializers.DateTimeField(source="certificate.issued_at")
    valid_until = serializers.DateTimeField(source="certificate.valid_until")


class CertificateDetailOut(CertificateOut):
    """The public certificate with its credential id and the shown results."""

    credential_id = serializers.CharField(source="certificate.credential_id")
    valid_from = serializers.DateTimeField(source="certificate.valid_from")
    verify_url = serializers.SerializerMethodField()

    def get_verify_url(self, found: Any) -> str:
        from certification.services.issuer import absolute_url

        return absolute_url(f"/verify/{found.certificate.code}/")


class CertificateReasonIn(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=2000)


class CertificateRenewIn(CertificateReasonIn):
    basis = serializers.ChoiceField(choices=["reexamination", "continuing_education"])
    credits = serializers.IntegerField(required=False, allow_null=True, min_value=0)


class CertificateRenameIn(CertificateReasonIn):
    holder_name = serializers.CharField(max_length=120)


class CertificatePrivacyIn(serializers.Serializer[Any]):
    show_name = serializers.BooleanField()
    shown_results = serializers.ListField(
        child=serializers.ChoiceField(choices=["written", "practical", "composite"]),
        allow_empty=True,
    )


class CheckOut(serializers.Serializer[Any]):
    check = serializers.CharField()
    passed = serializers.BooleanField()
    code = serializers.CharField()
    reason = serializers.CharField()


class VerificationOut(serializers.Serializer[Any]):
    valid = serializers.BooleanField()
    status = serializers.CharField()
    credential_id = serializers.CharField(allow_null=True)
    issuer = serializers.CharField(allow_null=True)
    checks = CheckOut(many=True)
