"""REST API of exam delivery: start, read, autosave and submit an attempt, practical
submissions, practice feedback, programming samples, manual grading, regrade and
accommodations."""

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from certification.exams import accommodations, answers, integrity
from certification.exams import manual_grading as manual
from certification.exams import services as exams
from certification.exams.answers import MAX_REVISION, attempt_save_token
from certification.exams.practical import practical_submit
from certification.exams.presentation import attempt_view, feedback_html
from certification.exams.selectors import attempt_get_for_candidate
from certification.exams.services import PracticeFeedback, seconds_left
from certification.models import Attempt, AttemptItem, Certification, Exam, IntegrityEvent
from core.api import AuthenticatedApiRequest, require_role
from core.errors import NotFound
from core.roles import Role
from grading.models import Submission
from grading.programming import ProgrammingInfrastructureError, programming_samples
from training.models import Framework


# Fields declared, not read off the model: a ModelSerializer builds its fields again
# for every attempt it shows, which was a tenth of an exam start.
class AttemptOut(serializers.Serializer[Attempt]):
    """The candidate's view of an attempt (certification/exams/presentation.py): items in
    the attempt's order, choices in its shuffle, never a key; score and feedback
    only when the exam's review options allow."""

    id = serializers.UUIDField(source="public_id")
    exam = serializers.CharField(source="exam.title")
    number = serializers.IntegerField()
    state = serializers.ChoiceField(choices=Attempt.State.choices)
    started_at = serializers.DateTimeField()
    deadline = serializers.DateTimeField(help_text=Attempt._meta.get_field("deadline").help_text)
    seconds_left = serializers.SerializerMethodField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    score = serializers.SerializerMethodField()
    max_score = serializers.DecimalField(
        max_digits=7, decimal_places=2, read_only=True, allow_null=True
    )
    percent = serializers.SerializerMethodField()
    save_token = serializers.SerializerMethodField()
    items = serializers.SerializerMethodField()

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


class IntegrityEventIn(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=[str(k) for k in IntegrityEvent.BROWSER_KINDS])
    at = serializers.DateTimeField(required=False, help_text="When the page saw it.")
    item = serializers.IntegerField(required=False, min_value=0, help_text="copy/paste: the item")
    seconds = serializers.IntegerField(
        required=False, min_value=0, max_value=86_400, help_text="focus_back: time away"
    )
    chars = serializers.IntegerField(
        required=False, min_value=0, max_value=10_000_000, help_text="paste: its length"
    )


class IntegrityReportIn(serializers.Serializer[Any]):
    events = serializers.ListField(child=IntegrityEventIn(), max_length=integrity.BATCH_MAX)


class IntegrityReportOut(serializers.Serializer[Any]):
    recorded = serializers.IntegerField(help_text="Beyond the attempt's cap, events are dropped.")


class PracticeFeedbackOut(serializers.Serializer[Any]):
    fraction = serializers.FloatField(allow_null=True)
    feedback = serializers.JSONField()
    feedback_html = serializers.SerializerMethodField(
        help_text="The general feedback as sanitised HTML."
    )
    key = serializers.JSONField()
    lesson_title = serializers.CharField(help_text="The lesson the item belongs to, or empty.")
    lesson_url = serializers.CharField(help_text="Its page in the learning journey, or empty.")

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
    framework = serializers.ChoiceField(
        choices=Framework.choices,
        required=False,
        help_text="The framework (sandbox image) the solution runs with. Only a task whose "
        'framework is "any" offers both; omitted: the task\'s own, PyTorch for "any". '
        "A framework the task does not offer is refused (400, invalid_submission).",
    )


class SubmissionOut(serializers.ModelSerializer[Submission]):
    """What the candidate sees: never the predict stage's output."""

    id = serializers.UUIDField(source="public_id")
    task = serializers.CharField(source="task.slug")
    message = serializers.CharField(
        source="message_text",
        help_text="The grading message in the request's language (Accept-Language or the "
        "language cookie); empty while there is none. Rows graded before message codes "
        "existed carry their stored text, as it was written.",
    )
    message_code = serializers.CharField(
        help_text="The message's stable code (e.g. stage_timeout, infra_retry, "
        "graded_passed; see grading/messages.py), for clients that word it themselves; "
        "empty for no message and for rows graded before codes existed.",
    )

    class Meta:
        model = Submission
        fields = [
            "id",
            "task",
            "framework",
            "state",
            "stage",
            "verdict",
            "message",
            "message_code",
            "dev_score",
            "passed",
            "stages",
            "train_log",
            "created_at",
            "finished_at",
        ]


class AttemptStartApi(APIView):
    @extend_schema(request=None, responses={201: AttemptOut})
    def post(self, request: AuthenticatedApiRequest, exam_id: int) -> Response:
        require_role(request.user, Role.CANDIDATE)
        attempt = exams.attempt_start_by_exam_id(candidate=request.user, exam_id=exam_id)
        return Response(AttemptOut(attempt).data, status=status.HTTP_201_CREATED)


class AttemptDetailApi(APIView):
    @extend_schema(responses=AttemptOut)
    def get(self, request: AuthenticatedApiRequest, attempt_id: str) -> Response:
        attempt = attempt_get_for_candidate(candidate=request.user, public_id=attempt_id)
        return Response(AttemptOut(attempt).data)


class AnswerSaveApi(APIView):
    """Autosave without the fast path in front (and for API clients). With the exam
    page's ``X-Attempt-Token`` it answers exactly as the fast path does."""

    # No throttle_scope: answer_save counts the attempt's autosave allowance itself,
    # for this endpoint and the fast path alike (migration 0019).

    @extend_schema(request=AnswerIn, responses=AnswerOut)
    def put(self, request: AuthenticatedApiRequest, attempt_id: str, item_id: int) -> Response:
        attempt = attempt_get_for_candidate(candidate=request.user, public_id=attempt_id)
        data = AnswerIn(data=request.data)
        data.is_valid(raise_exception=True)
        client = answers.Client(
            session=answers.save_token_session(
                request.headers.get("X-Attempt-Token", ""), attempt_public_id=str(attempt_id)
            ),
            ip=request.META.get("REMOTE_ADDR") or None,
            device=integrity.device_hash(request.headers.get("User-Agent", "")),
        )
        answer = answers.answer_save(
            attempt=attempt, item_id=item_id, client=client, **data.validated_data
        )
        return Response(AnswerOut(answer).data)


class IntegrityReportApi(APIView):
    """The exam page's batch of focus, copy and paste events (docs/security.md)."""

    @extend_schema(request=IntegrityReportIn, responses={202: IntegrityReportOut})
    def post(self, request: AuthenticatedApiRequest, attempt_id: str) -> Response:
        attempt = attempt_get_for_candidate(candidate=request.user, public_id=attempt_id)
        data = IntegrityReportIn(data=request.data)
        data.is_valid(raise_exception=True)
        events = [
            {
                "kind": event["kind"],
                "at": event.get("at"),
                "detail": {k: event[k] for k in ("item", "seconds", "chars") if k in event},
            }
            for event in data.validated_data["events"]
        ]
        recorded = integrity.integrity_report(
            attempt=attempt,
            events=events,
            ip=request.META.get("REMOTE_ADDR") or None,
            device=integrity.device_hash(request.headers.get("User-Agent", "")),
        )
        return Response({"recorded": recorded}, status=status.HTTP_202_ACCEPTED)


class AttemptSubmitApi(APIView):
    @extend_schema(request=None, responses=AttemptOut)
    def post(self, request: AuthenticatedApiRequest, attempt_id: str) -> Response:
        attempt = attempt_get_for_candidate(candidate=request.user, public_id=attempt_id)
        page = answers.save_token_session(
            request.headers.get("X-Attempt-Token", ""), attempt_public_id=str(attempt_id)
        )
        attempt = exams.attempt_submit(attempt=attempt, page_session=page)
        return Response(AttemptOut(attempt).data)


class SubmissionCreateApi(APIView):
    parser_classes = [MultiPartParser]
    throttle_scope = "upload"

    @extend_schema(request={"multipart/form-data": SubmissionIn}, responses={201: SubmissionOut})
    def post(self, request: AuthenticatedApiRequest, certification_slug: str) -> Response:
        require_role(request.user, Role.CANDIDATE)
        certification = Certification.objects.filter(slug=certification_slug).first()
        if certification is None or certification.practical_task is None:
            raise NotFound("Not found.")
        # partial: a missing file gets the service's own answer (invalid_submission).
        data = SubmissionIn(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        submission = practical_submit(
            candidate=request.user,
            certification=certification,
            upload=request.FILES.get("file"),
            framework=data.validated_data.get("framework"),
        )
        return Response(SubmissionOut(submission).data, status=status.HTTP_201_CREATED)


class SubmissionDetailApi(APIView):
    @extend_schema(responses=SubmissionOut)
    def get(self, request: AuthenticatedApiRequest, submission_id: str) -> Response:
        submission = (
            Submission.objects.select_related("task")
            .filter(
                public_id=submission_id,
                candidate_id=request.user.pk,
                purpose=Submission.Purpose.EXAM,
            )
            .first()
        )
        if submission is None:
            raise NotFound("Not found.")
        return Response(SubmissionOut(submission).data)


class PracticeCheckApi(APIView):
    @extend_schema(request=None, responses=PracticeFeedbackOut)
    def post(self, request: AuthenticatedApiRequest, attempt_id: str, item_id: int) -> Response:
        attempt = attempt_get_for_candidate(candidate=request.user, public_id=attempt_id)
        result = exams.practice_check(attempt=attempt, item_id=item_id)
        return Response(PracticeFeedbackOut(result).data)


class ProgrammingSamplesApi(APIView):
    """Runs the candidate's saved code against the item's visible sample tests."""

    @extend_schema(request=None, responses=ProgrammingRunOut)
    def post(self, request: AuthenticatedApiRequest, attempt_id: str, item_id: int) -> Response:
        attempt = attempt_get_for_candidate(candidate=request.user, public_id=attempt_id)
        item = (
            AttemptItem.objects.select_related("version", "answer")
            .filter(pk=item_id, attempt=attempt, version__kind="programming")
            .first()
        )
        if item is None or attempt.state not in attempt.ACTIVE_STATES:
            raise NotFound("Not found.")
        answer = getattr(item, "answer", None)
        code = answer.response["code"] if answer else item.version.data.get("starter", "")
        try:
            result = programming_samples(version=item.version, code=code)
        except ProgrammingInfrastructureError:
            return Response(
                {
                    "error": {
                        "code": "sandbox_unavailable",
                        "message": gettext("评测环境暂时不可用，请稍后再试"),
                    }
                },
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
            )
        return Response(ProgrammingRunOut(result).data)


class ManualQueueApi(APIView):
    @extend_schema(responses=ManualItemOut(many=True))
    def get(self, request: AuthenticatedApiRequest) -> Response:
        return Response(ManualItemOut(manual.manual_queue(examiner=request.user), many=True).data)


class ManualGradeApi(APIView):
    @extend_schema(request=ManualGradeIn, responses={201: ManualGradeOut})
    def post(self, request: AuthenticatedApiRequest, item_id: int) -> Response:
        require_role(request.user, Role.EXAMINER)
        data = ManualGradeIn(data=request.data)
        data.is_valid(raise_exception=True)
        grade = manual.manual_grade(examiner=request.user, item_id=item_id, **data.validated_data)
        return Response(ManualGradeOut(grade).data, status=status.HTTP_201_CREATED)


class ExamRegradeApi(APIView):
    @extend_schema(request=RegradeIn, responses=RegradeChangeOut(many=True))
    def post(self, request: AuthenticatedApiRequest, exam_id: int) -> Response:
        require_role(request.user, Role.COMMITTEE)
        exam = Exam.objects.filter(pk=exam_id).first()
        if exam is None:
            raise NotFound("Not found.")
        data = RegradeIn(data=request.data)
        data.is_valid(raise_exception=True)
        changes = exams.exam_regrade(
            exam=exam, dry_run=data.validated_data["dry_run"], by=request.user
        )
        return Response(RegradeChangeOut(changes, many=True).data)


class AccommodationApi(APIView):
    @extend_schema(request=AccommodationIn, responses={201: None})
    def post(self, request: AuthenticatedApiRequest) -> Response:
        require_role(request.user, Role.COMMITTEE)
        data = AccommodationIn(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        candidate = get_user_model().objects.filter(username=fields.pop("candidate")).first()
        exam_id = fields.pop("exam", None)
        exam = Exam.objects.filter(pk=exam_id).first() if exam_id else None
        if candidate is None or (exam_id and exam is None):
            raise NotFound("Not found.")
        granted = accommodations.accommodation_grant(
            candidate=candidate, exam=exam, granted_by=request.user, **fields
        )
        return Response(
            {"id": granted.pk, "extra_minutes": granted.extra_minutes},
            status=status.HTTP_201_CREATED,
        )
