"""Input and output shapes of the API, one pair per operation where they differ."""

from typing import Any

from rest_framework import serializers

from certification.models import Application, Attempt, Certification, ExamItem
from certification.services.exams import seconds_left
from grading.models import Submission


class CertificationOut(serializers.ModelSerializer[Certification]):
    level = serializers.CharField(source="level.slug")
    domain = serializers.CharField(source="domain.slug")

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
            "is_open",
        ]


class ApplicationIn(serializers.Serializer[Any]):
    certification = serializers.SlugField()
    full_name = serializers.CharField(max_length=120)
    learning_history = serializers.CharField(max_length=5000)
    project_experience = serializers.CharField(max_length=5000)


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
            "reviewed_at",
        ]


class RejectIn(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=2000)


class ExamItemOut(serializers.ModelSerializer[ExamItem]):
    """What a candidate sees of an item: never its key."""

    kind = serializers.CharField(source="question.kind")
    stem = serializers.CharField(source="question.stem")
    choices = serializers.JSONField(source="question.choices")
    points = serializers.DecimalField(source="question.points", max_digits=6, decimal_places=2)

    class Meta:
        model = ExamItem
        fields = ["id", "position", "kind", "stem", "choices", "points"]


class AttemptOut(serializers.ModelSerializer[Attempt]):
    id = serializers.UUIDField(source="public_id")
    items = serializers.SerializerMethodField()
    answers = serializers.SerializerMethodField()
    seconds_left = serializers.SerializerMethodField()
    percent = serializers.DecimalField(max_digits=5, decimal_places=2, read_only=True)

    class Meta:
        model = Attempt
        fields = [
            "id",
            "state",
            "started_at",
            "deadline",
            "seconds_left",
            "submitted_at",
            "score",
            "max_score",
            "percent",
            "items",
            "answers",
        ]

    def get_items(self, attempt: Attempt) -> list[dict[str, object]]:
        items = attempt.exam.items.select_related("question").order_by("position")
        return ExamItemOut(items, many=True).data  # type: ignore[return-value]

    def get_answers(self, attempt: Attempt) -> dict[str, object]:
        return {
            str(a.item_id): {"response": a.response, "revision": a.revision}
            for a in attempt.answers.all()
        }

    def get_seconds_left(self, attempt: Attempt) -> int:
        return seconds_left(attempt)


class AnswerIn(serializers.Serializer[Any]):
    response = serializers.JSONField()
    revision = serializers.IntegerField(min_value=1)


class AnswerOut(serializers.Serializer[Any]):
    item = serializers.IntegerField(source="item_id")
    revision = serializers.IntegerField()
    saved_at = serializers.DateTimeField()
    late = serializers.BooleanField()


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
