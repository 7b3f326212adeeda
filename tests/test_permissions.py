"""One matrix of roles × endpoints on the thin path. What a role may not do answers
404, exactly like something that does not exist; anonymous users are asked to log in.
A refused write changes nothing."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from certification.exams import services as exams
from certification.learning import services as learning
from certification.mentoring import services as mentoring
from certification.models import (
    Accommodation,
    AnswerEvent,
    Application,
    ApplicationAttachment,
    Attempt,
    AuditEvent,
    Certificate,
    EligibilityWaiver,
    Enrolment,
    Exam,
    ExamSitting,
    IntegrityEvent,
    LessonProgress,
    LiveSession,
    MentorMessage,
    Mentorship,
    MentorThread,
    Notification,
    PracticeResponse,
    ReviewCard,
    SessionRegistration,
    SittingBooking,
    TrainingRelation,
)
from certification.sessions import services as live
from certification.sittings import services as sittings
from core.roles import Role
from grading.models import Submission
from tests.conftest import demo_data, make_user
from tests.factories import approved_application, objective_exam
from tests.results.world import results_state, results_world
from tests.security.world import security_world
from training.models import Curriculum, Lesson, QuestionImport

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "owner", "other_candidate", "instructor", "examiner", "committee"]


@dataclass
class World:
    users: dict[str, Any]
    application: Application
    attempt: Attempt
    submission: Submission
    pending: Application
    practice: Exam
    results: Any = None  # tests/results/world.py (results, interviews, appeals)
    live: Any = None  # live sessions: .upcoming, .started (the owner registered in it)
    project_run: Any = None  # the owner's project run of the beginner CV task
    security: Any = None  # tests/security/world.py (a certificate, two examiners' objects)
    sitting: Any = None  # a sitting of the written exam, the owner booked into it


def live_sessions_world(users: dict[str, Any]) -> SimpleNamespace:
    """Two sessions of the instructor's: one in three days, one under way."""

    def schedule(title: str) -> LiveSession:
        details = live.SessionDetails(
            curriculum=Curriculum.objects.get(slug="beginner-cv"),
            title=title,
            starts_at=timezone.now() + timedelta(days=3),
            time_zone="Asia/Shanghai",
            duration_minutes=60,
            capacity=10,
            online_url="https://meet.example.org/s",
        )
        return live.session_schedule(actor=users["instructor"], details=details)

    upcoming, started = schedule("Upcoming"), schedule("Under way")
    seat = live.registration_create(candidate=users["owner"], session_id=started.pk)
    LiveSession.objects.filter(pk=started.pk).update(
        starts_at=timezone.now() - timedelta(minutes=10)
    )
    return SimpleNamespace(upcoming=upcoming, started=started, seat=seat)


def world_build(demo: dict[str, Any]) -> World:
    """The owner, another candidate, an instructor, an examiner and the committee,
    with an object of each kind the matrix reaches."""
    users = {
        "owner": make_user("owner", Role.CANDIDATE),
        "other_candidate": make_user("other", Role.CANDIDATE),
        "instructor": make_user("teacher", Role.INSTRUCTOR),
        "examiner": make_user("judge", Role.EXAMINER),
        "committee": make_user("chair", Role.COMMITTEE),
    }
    objective_exam(certification=demo["certification"])
    application = approved_application(
        candidate=users["owner"], certification=demo["certification"], committee=users["committee"]
    )
    attempt = exams.attempt_start(candidate=users["owner"], exam=demo["certification"].written_exam)
    submission = Submission.objects.create(
        task=demo["certification"].practical_task,
        candidate=users["owner"],
        file_name="solution.py",
        sha256="0" * 64,
        size_bytes=1,
        state=Submission.State.DONE,
    )
    from certification.applications import services as applications

    pending = applications.application_submit(
        candidate=users["other_candidate"],
        certification=demo["certification"],
        full_name="B",
        learning_history="-",
        project_experience="-",
    )
    applications.attachment_add(
        candidate=users["other_candidate"],
        application_id=pending.pk,
        upload=SimpleUploadedFile("cv.pdf", b"%PDF-1.4\n%%EOF\n"),
    )
    practice = objective_exam(mode=Exam.Mode.PRACTICE, attempts_allowed=5)
    for mentee in ("owner", "other_candidate"):
        mentoring.mentor_assign(
            assigned_by=users["committee"], candidate=users[mentee], mentor=users["instructor"]
        )
    mentoring.thread_open(candidate=users["owner"], subject="Q", body="Why BatchNorm?")
    learning.reviews_add(
        candidate=users["owner"],
        question_ids=[practice.sections.get().fixed_items.first().question_id],
    )
    results = results_world(users, application)
    project_run = Submission.objects.create(
        task=demo["certification"].practical_task,
        candidate=users["owner"],
        purpose=Submission.Purpose.PROJECT,
        file_name="solution.py",
        sha256="0" * 64,
        size_bytes=1,
        state=Submission.State.DONE,
        dev_score=0.5,
    )
    return World(
        users,
        application,
        attempt,
        submission,
        pending,
        practice,
        results,
        live=live_sessions_world(users),
        project_run=project_run,
        security=security_world(users),
        sitting=sitting_world(users, demo["certification"].written_exam),
    )


def sitting_world(users: dict[str, Any], exam: Exam) -> Any:
    """A sitting of the written exam in three days, the owner booked into it (after the
    owner's attempt started: an exam with sittings starts only in the booked window)."""
    start = timezone.now() + timedelta(days=3)
    sitting = sittings.sitting_create(
        created_by=users["committee"],
        exam_id=exam.pk,
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        capacity=5,
    )
    sittings.sitting_book(candidate=users["owner"], slug="beginner-cv", sitting_id=sitting.pk)
    return sitting


@pytest.fixture
def world(demo) -> World:
    return world_build(demo)


@pytest.fixture(scope="module")
def matrix_world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """One world for the whole matrix, built inside a transaction that is rolled back
    after the module. Each test runs in a savepoint of it (pytest-django's own
    transaction, nested), so every test starts from the same state, as with a world
    of its own, at a fraction of the cost."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield world_build(demo_data())
        transaction.set_rollback(True)


# name: (method, url(world), body, roles allowed, status when allowed)
API = {
    "certifications": ("get", lambda w: "/api/v1/certifications/", None, set(ROLES), 200),
    "own applications": (
        "get",
        lambda w: "/api/v1/applications/",
        None,
        {"owner", "other_candidate"},
        200,
    ),
    "apply": (
        "post",
        lambda w: "/api/v1/applications/",
        {
            "certification": "beginner-cv",
            "full_name": "X",
            "learning_history": "-",
            "project_experience": "-",
        },
        {"owner", "other_candidate"},
        409,
    ),
    "review queue": ("get", lambda w: "/api/v1/review/applications/", None, {"committee"}, 200),
    "approve": (
        "post",
        lambda w: f"/api/v1/review/applications/{w.pending.pk}/approve/",
        None,
        {"committee"},
        200,
    ),
    "reject": (
        "post",
        lambda w: f"/api/v1/review/applications/{w.pending.pk}/reject/",
        {"reason": "no"},
        {"committee"},
        200,
    ),
    "start exam": (
        "post",
        lambda w: f"/api/v1/exams/{w.attempt.exam_id}/attempts/",
        None,
        {"owner"},
        201,
    ),
    "attempt": ("get", lambda w: f"/api/v1/attempts/{w.attempt.public_id}/", None, {"owner"}, 200),
    "save answer": (
        "put",
        lambda w: (
            f"/api/v1/attempts/{w.attempt.public_id}/answers/{w.attempt.items.order_by('position').first().pk}/"
        ),
        {"response": {"choice": "b"}, "revision": 1},
        {"owner"},
        200,
    ),
    "report integrity events": (
        "post",
        lambda w: f"/api/v1/attempts/{w.attempt.public_id}/integrity/",
        {"events": [{"kind": "focus_lost"}]},
        {"owner"},
        202,
    ),
    "submit exam": (
        "post",
        lambda w: f"/api/v1/attempts/{w.attempt.public_id}/submit/",
        None,
        {"owner"},
        200,
    ),
    "upload solution": (
        "post",
        lambda w: "/api/v1/certifications/beginner-cv/submissions/",
        {},
        {"owner"},
        400,
    ),
    "submission": (
        "get",
        lambda w: f"/api/v1/submissions/{w.submission.public_id}/",
        None,
        {"owner"},
        200,
    ),
    "results": ("get", lambda w: "/api/v1/results/", None, {"committee"}, 200),
    "practice check": (
        "post",
        lambda w: (
            f"/api/v1/attempts/{w.attempt.public_id}/items/{w.attempt.items.first().pk}/check/"
        ),
        None,
        {"owner"},
        404,
    ),
    "manual queue": ("get", lambda w: "/api/v1/grading/manual/", None, {"examiner"}, 200),
    "manual grade": (
        "post",
        lambda w: f"/api/v1/grading/manual/{w.attempt.items.first().pk}/",
        {"levels": {"c": "1"}},
        {"examiner"},
        404,
    ),
    "regrade": (
        "post",
        lambda w: f"/api/v1/exams/{w.attempt.exam_id}/regrade/",
        {"dry_run": True},
        {"committee"},
        200,
    ),
    "accommodation": (
        "post",
        lambda w: "/api/v1/accommodations/",
        lambda w: {
            "candidate": "owner",
            "exam": w.attempt.exam_id,
            "extra_minutes": 10,
            "reason": "x",
        },
        {"committee"},
        201,
    ),
    "issue certificate": (
        "post",
        lambda w: f"/api/v1/results/{w.application.pk}/certificate/",
        None,
        {"committee"},
        409,
    ),
}


API.update(
    {
        # Applications and review, conflicts, audit, notifications. The
        # pending application belongs to other_candidate.
        "save draft": (
            "post",
            lambda w: "/api/v1/applications/drafts/",
            {"certification": "beginner-cv", "full_name": "X"},
            {"owner", "other_candidate"},
            409,
        ),
        "withdraw": (
            "post",
            lambda w: f"/api/v1/applications/{w.pending.pk}/withdraw/",
            None,
            {"other_candidate"},
            200,
        ),
        "attach": (
            "post",
            lambda w: f"/api/v1/applications/{w.pending.pk}/attachments/",
            {},
            {"other_candidate"},
            400,
        ),
        "filtered queue": ("get", lambda w: "/api/v1/review/queue/", None, {"committee"}, 200),
        "bulk decide": (
            "post",
            lambda w: "/api/v1/review/applications/bulk/",
            lambda w: {"ids": [w.pending.pk], "decision": "reject", "reason": "x"},
            {"committee"},
            200,
        ),
        "waiver": (
            "post",
            lambda w: f"/api/v1/review/applications/{w.pending.pk}/waiver/",
            {"reason": "x"},
            {"committee"},
            201,
        ),
        "conflicts": ("get", lambda w: "/api/v1/conflicts/", None, {"committee"}, 200),
        "declare conflict": (
            "post",
            lambda w: "/api/v1/conflicts/",
            {"staff": "judge", "candidate": "owner", "kind": "trainer"},
            {"examiner", "committee"},  # the examiner for themselves, the committee for anyone
            201,
        ),
        "audit log": ("get", lambda w: "/api/v1/audit/", None, {"committee"}, 200),
        "notifications": (
            "get",
            lambda w: "/api/v1/notifications/",
            None,
            set(ROLES) - {"anonymous"},
            200,
        ),
        "mark read": (
            "post",
            lambda w: "/api/v1/notifications/read/",
            {},
            set(ROLES) - {"anonymous"},
            200,
        ),
    }
)
API.update(
    {
        # Results, decisions, appeals, blueprints, Angoff, interviews.
        "candidate result": (
            "get",
            lambda w: f"/api/v1/applications/{w.application.pk}/result/",
            None,
            {"owner"},
            200,
        ),
        "file appeal": (
            "post",
            lambda w: f"/api/v1/applications/{w.application.pk}/appeal/",
            {"grounds": "Please re-mark.", "components": ["written"]},
            {"owner"},
            201,
        ),
        "interview slots": (
            "get",
            lambda w: f"/api/v1/applications/{w.results.advanced.pk}/interview/slots/",
            None,
            {"owner"},
            200,
        ),
        "book interview": (  # the booked interview is under way: too late to move it
            "post",
            lambda w: f"/api/v1/applications/{w.results.advanced.pk}/interview/",
            lambda w: {"slot": w.results.spare.pk},
            {"owner"},
            400,
        ),
        "examiner interviews": (
            "get",
            lambda w: "/api/v1/examiner/interviews/",
            None,
            {"examiner"},
            200,
        ),
        "rate interview": (
            "post",
            lambda w: f"/api/v1/examiner/interviews/{w.results.interview.pk}/rating/",
            lambda w: {"levels": w.results.levels},
            {"examiner"},
            201,
        ),
        "angoff study": (
            "get",
            lambda w: f"/api/v1/angoff/{w.results.study.pk}/",
            None,
            {"examiner", "committee"},
            200,
        ),
        "angoff estimates": (
            "post",
            lambda w: f"/api/v1/angoff/{w.results.study.pk}/estimates/",
            lambda w: {"estimates": {str(w.results.question_id): "0.6"}},
            {"examiner", "committee"},
            200,
        ),
        "committee result": (
            "get",
            lambda w: f"/api/v1/results/{w.application.pk}/",
            None,
            {"committee"},
            200,
        ),
        "record decision": (
            "post",
            lambda w: f"/api/v1/results/{w.application.pk}/decision/",
            {"outcome": "defer", "rationale": "Awaiting the practical."},
            {"committee"},
            201,
        ),
        "blueprints": ("get", lambda w: "/api/v1/blueprints/", None, {"committee"}, 200),
        "create blueprint": (
            "post",
            lambda w: "/api/v1/blueprints/",
            {
                "certification": "beginner-cv",
                "cut_score": "75",
                "components": [
                    {"kind": "written", "weight": "0.4"},
                    {"kind": "practical", "weight": "0.6"},
                ],
            },
            {"committee"},
            201,
        ),
        "publish blueprint": (
            "post",
            lambda w: f"/api/v1/blueprints/{w.results.draft.pk}/publish/",
            None,
            {"committee"},
            200,
        ),
        "appeal queue": ("get", lambda w: "/api/v1/appeals/", None, {"committee"}, 200),
        "decide appeal": (
            "post",
            lambda w: f"/api/v1/appeals/{w.results.appeal.pk}/decision/",
            {"grant": False, "rationale": "No marking error."},
            {"committee"},
            200,
        ),
        "create slot": (
            "post",
            lambda w: "/api/v1/interview-slots/",
            lambda w: {
                "certification": "advanced-cv",
                "starts_at": "2099-01-01T09:00:00Z",
                "first_examiner": w.users["examiner"].pk,
                "second_examiner": w.results.slot.second_examiner_id,
            },
            {"committee"},
            201,
        ),
        "rater agreement": (
            "get",
            lambda w: "/api/v1/interviews/agreement/",
            None,
            {"committee"},
            200,
        ),
    }
)
CANDIDATES = {"owner", "other_candidate"}
API.update(
    {
        # The learning journey (certification/learning/): every candidate, for themselves.
        "learning enrolments": (
            "get",
            lambda w: "/api/v1/learning/enrolments/",
            None,
            CANDIDATES,
            200,
        ),
        "enrol": (
            "post",
            lambda w: "/api/v1/learning/enrolments/",
            {"curriculum": "beginner-cv"},
            CANDIDATES,
            201,
        ),
        "learning progress": (
            "get",
            lambda w: "/api/v1/learning/curricula/beginner-cv/progress/",
            None,
            CANDIDATES,
            200,
        ),
        "study plan": (
            "get",
            lambda w: "/api/v1/learning/curricula/beginner-cv/plan/",
            None,
            CANDIDATES,
            200,
        ),
        "complete lesson": (
            "post",
            lambda w: f"/api/v1/learning/lessons/{_lesson_id(w)}/complete/",
            {"done": True},
            CANDIDATES,
            200,
        ),
        "lesson heartbeat": (
            "post",
            lambda w: f"/api/v1/learning/lessons/{_lesson_id(w)}/heartbeat/",
            None,
            CANDIDATES,
            200,
        ),
        "reviews": ("get", lambda w: "/api/v1/learning/reviews/", None, CANDIDATES, 200),
        "answer review": (
            "post",
            lambda w: f"/api/v1/learning/reviews/{ReviewCard.objects.get().pk}/answer/",
            {"response": {"choice": "b"}},
            {"owner"},
            200,
        ),
        # Projects: the task comes from the owner's enrolment (their approved
        # application); other_candidate is enrolled in nothing, so the task answers
        # 404 like one that does not exist, and so does the owner's run.
        "projects": ("get", lambda w: "/api/v1/learning/projects/", None, CANDIDATES, 200),
        "project runs": (
            "get",
            lambda w: "/api/v1/learning/projects/digits-pytorch/runs/",
            None,
            {"owner"},
            200,
        ),
        "start project run": (
            "post",
            lambda w: "/api/v1/learning/projects/digits-pytorch/runs/",
            {},
            {"owner"},
            400,
        ),
        "project run": (
            "get",
            lambda w: f"/api/v1/learning/project-runs/{w.project_run.public_id}/",
            None,
            {"owner"},
            200,
        ),
        # A project run is no exam submission: the exam's API answers 404 to all.
        "project run as submission": (
            "get",
            lambda w: f"/api/v1/submissions/{w.project_run.public_id}/",
            None,
            set(),
            200,
        ),
    }
)
API.update(
    {
        # Mentoring (certification/mentoring/): the candidate and their mentor only.
        "mentor threads": (
            "get",
            lambda w: "/api/v1/mentoring/threads/",
            None,
            {"owner", "other_candidate", "instructor"},
            200,
        ),
        "ask mentor": (
            "post",
            lambda w: "/api/v1/mentoring/threads/",
            {"subject": "S", "body": "B"},
            CANDIDATES,
            201,
        ),
        "mentor thread": (
            "get",
            lambda w: f"/api/v1/mentoring/threads/{MentorThread.objects.get().pk}/",
            None,
            {"owner", "instructor"},
            200,
        ),
        "mentor reply": (
            "post",
            lambda w: f"/api/v1/mentoring/threads/{MentorThread.objects.get().pk}/messages/",
            {"body": "Because."},
            {"owner", "instructor"},
            201,
        ),
        "mentees": ("get", lambda w: "/api/v1/mentoring/mentees/", None, {"instructor"}, 200),
        "assign mentor": (
            "post",
            lambda w: "/api/v1/mentoring/assignments/",
            {"candidate": "owner", "mentor": "teacher"},
            {"committee"},
            201,
        ),
    }
)
API.update(
    {
        # Accounts: one's own preferences, for everyone signed in.
        "my preferences": (
            "get",
            lambda w: "/api/v1/accounts/preferences/",
            None,
            set(ROLES) - {"anonymous"},
            200,
        ),
        "set my preferences": (
            "put",
            lambda w: "/api/v1/accounts/preferences/",
            {"time_zone": "Europe/Berlin"},
            set(ROLES) - {"anonymous"},
            200,
        ),
        # One's own API token: only a token can be rotated or revoked (a session is
        # told so); tests/security/test_accounts.py uses real tokens.
        "rotate token": (
            "post",
            lambda w: "/api/v1/auth/token/rotate/",
            None,
            set(ROLES) - {"anonymous"},
            400,
        ),
        "revoke token": (
            "post",
            lambda w: "/api/v1/auth/token/revoke/",
            None,
            set(ROLES) - {"anonymous"},
            400,
        ),
    }
)
SESSION_STAFF = {"instructor", "committee"}  # the instructor owns the world's sessions
API.update(
    {
        # Live sessions (certification/sessions/): candidates register; the session's
        # instructor and the committee see it and record attendance.
        "live sessions": (
            "get",
            lambda w: "/api/v1/sessions/",
            None,
            CANDIDATES | SESSION_STAFF,
            200,
        ),
        "register for session": (
            "put",
            lambda w: f"/api/v1/sessions/{w.live.upcoming.pk}/registration/",
            None,
            CANDIDATES,
            200,
        ),
        "unregister from session": (
            "delete",
            lambda w: f"/api/v1/sessions/{w.live.upcoming.pk}/registration/",
            None,
            CANDIDATES,
            204,
        ),
        "session calendar": (
            "get",
            lambda w: f"/api/v1/sessions/{w.live.upcoming.pk}/calendar.ics",
            None,
            CANDIDATES | SESSION_STAFF,
            200,
        ),
        "session attendance": (
            "get",
            lambda w: f"/api/v1/sessions/{w.live.started.pk}/attendance/",
            None,
            SESSION_STAFF,
            200,
        ),
        "mark attendance": (
            "post",
            lambda w: f"/api/v1/sessions/{w.live.started.pk}/attendance/",
            lambda w: {"marks": [{"registration": w.live.seat.pk, "attended": True}]},
            SESSION_STAFF,
            200,
        ),
    }
)
API.update(
    {
        # Certificates: the holder's privacy choices; the committee's actions. (Their
        # verification by code is public: tests/security/test_idor.py PUBLIC.)
        "certificate privacy": (
            "put",
            lambda w: f"/api/v1/certificates/{w.security.certificate.code}/privacy/",
            {"show_name": False, "shown_results": ["composite"]},
            {"owner"},
            200,
        ),
        **{
            f"certificate {action}": (
                "post",
                lambda w, action=action: (
                    f"/api/v1/committee/certificates/{w.security.certificate.code}/{action}/"
                ),
                body,
                {"committee"},
                status,
            )
            for action, body, status in [
                ("revoke", {"reason": "Fraud."}, 200),
                ("suspend", {"reason": "Inquiry."}, 200),
                ("unsuspend", {"reason": "Cleared."}, 409),  # it is not suspended
                ("renew", {"reason": "CPD.", "basis": "continuing_education", "credits": 30}, 200),
                ("rename", {"reason": "Married.", "holder_name": "New Name"}, 200),
            ]
        },
        # The owner's attempt has no programming item: 404 for them too, like others.
        "programming samples": (
            "post",
            lambda w: (
                f"/api/v1/attempts/{w.attempt.public_id}/items/{w.attempt.items.first().pk}/samples/"
            ),
            None,
            {"owner"},
            404,
        ),
    }
)
MULTIPART = {"upload solution", "attach", "start project run"}


def state(w: World) -> tuple:
    return (
        sorted(Application.objects.values_list("pk", "state")),
        sorted(Attempt.objects.values_list("pk", "state", "session_token")),
        IntegrityEvent.objects.count(),
        Submission.objects.count(),
        sorted(
            Certificate.objects.values_list(
                "pk", "status", "holder_name", "valid_until", "show_name", "renewal_count"
            )
        ),
        AuditEvent.objects.count(),
        list(AnswerEvent.objects.values_list("pk", "revision")),
        Accommodation.objects.count(),
        ApplicationAttachment.objects.count(),
        EligibilityWaiver.objects.count(),
        TrainingRelation.objects.count(),
        Notification.objects.filter(read_at__isnull=True).count(),
        results_state(),
        Enrolment.objects.count(),
        list(LessonProgress.objects.values_list("pk", "seconds", "completed_at")),
        list(ReviewCard.objects.values_list("pk", "due_at")),
        PracticeResponse.objects.count(),
        list(MentorMessage.objects.values_list("pk", flat=True)),
        list(Mentorship.objects.values_list("pk", "mentor_id", "ended_at")),
        list(LiveSession.objects.order_by("pk").values_list("pk", "cancelled_at", "sequence")),
        list(
            SessionRegistration.objects.order_by("pk").values_list("pk", "cancelled_at", "attended")
        ),
        ExamSitting.objects.count(),
        list(SittingBooking.objects.order_by("pk").values_list("pk", "state")),
        list(QuestionImport.objects.order_by("pk").values_list("pk", "state", "confirmed")),
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", list(API))
def test_api_matrix(matrix_world: World, endpoint: str, role: str) -> None:
    world = matrix_world
    method, url, body, allowed, ok_status = API[endpoint]
    client = APIClient()
    if role != "anonymous":
        client.force_authenticate(world.users[role])
    before = state(world)
    if callable(body):
        body = body(world)
    response = getattr(client, method)(
        url(world), body, format="multipart" if endpoint in MULTIPART else "json"
    )
    if role in allowed:
        assert response.status_code == ok_status, response.content
    elif role == "anonymous":
        assert response.status_code in (401, 403)
        assert state(world) == before
    else:
        assert response.status_code == 404, response.content
        assert (
            response.json() == {"error": {"code": "not_found", "message": "Not found."}}
            or response.json()["error"]["code"] == "not_found"
        )
        assert state(world) == before


API.update(
    {
        # Exam sittings: the owner's booking; staff open sittings on an exam.
        "sittings": (
            "get",
            lambda w: "/api/v1/certifications/beginner-cv/sittings/",
            None,
            {"owner"},
            200,
        ),
        "sitting book": (
            "post",
            lambda w: "/api/v1/certifications/beginner-cv/sittings/booking/",
            lambda w: {"sitting": w.sitting.pk},
            {"owner"},
            201,
        ),
        "sitting cancel": (
            "delete",
            lambda w: "/api/v1/certifications/beginner-cv/sittings/booking/",
            None,
            {"owner"},
            204,
        ),
        "sitting open": (
            "post",
            lambda w: f"/api/v1/exams/{w.sitting.exam_id}/sittings/",
            lambda w: {
                "starts_at": (timezone.now() + timedelta(days=9)).isoformat(),
                "ends_at": (timezone.now() + timedelta(days=9, hours=2)).isoformat(),
                "capacity": 3,
            },
            {"instructor", "committee"},
            201,
        ),
    }
)


PAGES = {
    "dashboard": (
        "get",
        lambda w: "/dashboard/",
        {"owner", "other_candidate", "instructor", "examiner", "committee"},
    ),
    "apply": ("get", lambda w: "/certifications/beginner-cv/apply/", {"owner", "other_candidate"}),
    "attempt page": ("get", lambda w: f"/attempts/{w.attempt.public_id}/", {"owner"}),
    "take over attempt": (
        "post",
        lambda w: f"/attempts/{w.attempt.public_id}/takeover/",
        {"owner"},
        {},
    ),
    "practical page": ("get", lambda w: "/certifications/beginner-cv/practical/", {"owner"}),
    "review queue": ("get", lambda w: "/committee/applications/", {"committee"}),
    "decide": ("post", lambda w: f"/committee/applications/{w.pending.pk}/decide/", {"committee"}),
    "results": ("get", lambda w: "/committee/results/", {"committee"}),
    "issue": ("post", lambda w: f"/committee/results/{w.application.pk}/issue/", {"committee"}),
    "grading queue": ("get", lambda w: "/examiner/grading/", {"examiner"}),
    "question banks": ("get", lambda w: "/banks/", {"instructor", "committee"}),
    "bundle uploads": ("get", lambda w: "/tasks/bundles/", {"instructor", "committee"}),
    "bank export": (
        "get",
        lambda w: "/banks/beginner-cv-bank/export/gift/",
        {"instructor", "committee"},
    ),
    "bank import": (
        "get",
        lambda w: "/banks/beginner-cv-bank/import/",
        {"instructor", "committee"},
    ),
    "exam list": ("get", lambda w: "/exams/", {"instructor", "committee"}),
    "item analysis": (
        "get",
        lambda w: f"/exams/{w.attempt.exam_id}/analysis/",
        {"instructor", "committee"},
    ),
    "item analysis csv": (
        "get",
        lambda w: f"/exams/{w.attempt.exam_id}/analysis.csv",
        {"instructor", "committee"},
    ),
    "item analysis progress": (
        "get",
        lambda w: f"/exams/{w.attempt.exam_id}/analysis/progress/",
        {"instructor", "committee"},
    ),
    "practice start": (
        "post",
        lambda w: f"/exams/{w.practice.pk}/practice/",
        {"owner", "other_candidate"},
    ),
}


SIGNED_IN = set(ROLES) - {"anonymous"}
PAGES.update(
    {
        # Applications and review, conflicts, audit, notifications.
        "own application": (
            "get",
            lambda w: f"/applications/{w.pending.pk}/",
            {"other_candidate"},
        ),
        "withdraw": (
            "post",
            lambda w: f"/applications/{w.pending.pk}/withdraw/",
            {"other_candidate"},
        ),
        "attach": (
            "post",
            lambda w: f"/applications/{w.pending.pk}/attachments/",
            {"other_candidate"},
        ),
        "attachment": (
            "get",
            lambda w: f"/applications/{w.pending.pk}/attachments/{w.pending.attachments.get().pk}/",
            {"other_candidate", "committee"},
        ),
        "review application": (
            "get",
            lambda w: f"/committee/applications/{w.pending.pk}/",
            {"committee"},
        ),
        "bulk decide": ("post", lambda w: "/committee/applications/bulk/", {"committee"}),
        "waiver": (
            "post",
            lambda w: f"/committee/applications/{w.pending.pk}/waiver/",
            {"committee"},
        ),
        "conflicts": ("get", lambda w: "/committee/conflicts/", {"committee"}),
        "audit log": ("get", lambda w: "/committee/audit/", {"committee"}),
        "audit csv": ("get", lambda w: "/committee/audit.csv", {"committee"}),
        "notifications": ("get", lambda w: "/notifications/", SIGNED_IN),
        "mark read": ("post", lambda w: "/notifications/read/", SIGNED_IN),
    }
)


PAGES.update(
    {
        # Results, decisions, appeals, blueprints, Angoff, interviews.
        "candidate result": (
            "get",
            lambda w: f"/applications/{w.application.pk}/result/",
            {"owner"},
        ),
        "candidate interview": (
            "get",
            lambda w: f"/applications/{w.results.advanced.pk}/interview/",
            {"owner"},
        ),
        "book interview": (
            "post",
            lambda w: f"/applications/{w.results.advanced.pk}/interview/book/",
            {"owner"},
        ),
        "committee result": (
            "get",
            lambda w: f"/committee/results/{w.application.pk}/",
            {"committee"},
        ),
        "decide result": (
            "post",
            lambda w: f"/committee/results/{w.application.pk}/decision/",
            {"committee"},
        ),
        "adjudication check": (
            "post",
            lambda w: f"/committee/results/{w.results.advanced.pk}/adjudication/",
            {"committee"},
        ),
        "appeals": ("get", lambda w: "/committee/appeals/", {"committee"}),
        "decide appeal": (
            "post",
            lambda w: f"/committee/appeals/{w.results.appeal.pk}/decide/",
            {"committee"},
        ),
        "blueprints": ("get", lambda w: "/committee/blueprints/", {"committee"}),
        "publish blueprint": (
            "post",
            lambda w: f"/committee/blueprints/{w.results.draft.pk}/publish/",
            {"committee"},
        ),
        "angoff studies": ("get", lambda w: "/committee/angoff/", {"committee"}),
        "angoff study": (
            "get",
            lambda w: f"/committee/angoff/{w.results.study.pk}/",
            {"committee"},
        ),
        "angoff judge": ("get", lambda w: f"/examiner/angoff/{w.results.study.pk}/", {"examiner"}),
        "interview slots": ("get", lambda w: "/committee/interviews/", {"committee"}),
        "rater agreement": ("get", lambda w: "/committee/interviews/agreement/", {"committee"}),
        "examiner interviews": ("get", lambda w: "/examiner/interviews/", {"examiner"}),
        "rate interview": (
            "get",
            lambda w: f"/examiner/interviews/{w.results.interview.pk}/",
            {"examiner"},
        ),
    }
)


PAGES.update(
    {
        # The item editor (training/views_items.py): the same authors as the import page.
        "bank items": (
            "get",
            lambda w: "/banks/beginner-cv-bank/items/",
            {"instructor", "committee"},
        ),
        "new item": (
            "get",
            lambda w: "/banks/beginner-cv-bank/items/new/?kind=true_false",
            {"instructor", "committee"},
        ),
        "item history": (
            "get",
            lambda w: f"/banks/test-bank/items/{w.attempt.items.first().version.question_id}/",
            {"instructor", "committee"},
        ),
        "edit item": (
            "get",
            lambda w: f"/banks/test-bank/items/{w.attempt.items.first().version.question_id}/edit/",
            {"instructor", "committee"},
        ),
    }
)


def _lesson_id(w: World) -> int:
    lesson = Lesson.objects.filter(curriculum__slug="beginner-cv").order_by("position").first()
    assert lesson is not None
    return lesson.pk


AUTHORS = {"instructor", "committee"}
PAGES.update(
    {
        # The authoring studio (certification/studio/): the same authors.
        "studio": ("get", lambda w: "/studio/", AUTHORS),
        "studio lessons": ("get", lambda w: "/studio/curricula/beginner-cv/", AUTHORS),
        "studio new lesson": ("get", lambda w: "/studio/curricula/beginner-cv/new/", AUTHORS),
        "studio lesson": ("get", lambda w: f"/studio/lessons/{_lesson_id(w)}/", AUTHORS),
        "studio edit lesson": ("get", lambda w: f"/studio/lessons/{_lesson_id(w)}/edit/", AUTHORS),
        "studio new exam": ("get", lambda w: "/studio/exams/new/", AUTHORS),
        "studio blueprint": ("get", lambda w: f"/studio/exams/{w.attempt.exam_id}/", AUTHORS),
        "studio task runs": (
            "get",
            lambda w: f"/studio/tasks/{w.submission.task.slug}/",
            AUTHORS,
        ),
        "studio approve": ("post", lambda w: "/studio/review/approve/", AUTHORS),
    }
)


PAGES.update(
    {
        # The learning journey: every candidate, for themselves.
        "my learning": ("get", lambda w: "/learn/", CANDIDATES),
        "study view": ("get", lambda w: "/learn/beginner-cv/", CANDIDATES),
        "enrol page": ("post", lambda w: "/learn/beginner-cv/enrol/", CANDIDATES),
        "lesson": ("get", lambda w: "/learn/beginner-cv/lessons/1/", CANDIDATES),
        "complete lesson page": (
            "post",
            lambda w: "/learn/beginner-cv/lessons/1/complete/",
            CANDIDATES,
        ),
        "study plan page": ("get", lambda w: "/learn/beginner-cv/plan/", CANDIDATES),
        "practise plan": ("post", lambda w: "/learn/beginner-cv/plan/practise/", CANDIDATES),
        "reviews page": ("get", lambda w: "/learn/reviews/", CANDIDATES),
        "projects page": ("get", lambda w: "/learn/projects/", CANDIDATES),
        "project page": ("get", lambda w: "/learn/projects/digits-pytorch/", {"owner"}),
        "run project page": ("post", lambda w: "/learn/projects/digits-pytorch/", {"owner"}),
        # One's own settings, for everyone signed in.
        "account settings": ("get", lambda w: "/accounts/settings/", SIGNED_IN),
        "save account settings": ("post", lambda w: "/accounts/settings/", SIGNED_IN),
        # Account security: the second factor (candidates are sent back to settings), signing out
        # everywhere (the matrix posts no password, so nobody is signed out).
        "two-factor setup": ("get", lambda w: "/accounts/two-factor/setup/", SIGNED_IN),
        "two-factor verify": ("get", lambda w: "/accounts/two-factor/", SIGNED_IN),
        "new recovery codes": (
            "post",
            lambda w: "/accounts/two-factor/recovery-codes/",
            SIGNED_IN,
        ),
        "sign out everywhere": ("get", lambda w: "/accounts/sign-out-everywhere/", SIGNED_IN),
        "sign out everywhere post": (
            "post",
            lambda w: "/accounts/sign-out-everywhere/",
            SIGNED_IN,
        ),
        # Mentoring.
        "my mentor": ("get", lambda w: "/mentoring/", CANDIDATES),
        "mentees page": ("get", lambda w: "/mentor/", {"instructor"}),
        "mentee page": ("get", lambda w: f"/mentor/mentees/{w.users['owner'].pk}/", {"instructor"}),
        "thread page": (
            "get",
            lambda w: f"/mentor/threads/{MentorThread.objects.get().pk}/",
            {"owner", "instructor"},
        ),
        "mentor assignments": ("get", lambda w: "/committee/mentors/", {"committee"}),
        "assign mentor page": ("post", lambda w: "/committee/mentors/assign/", {"committee"}),
    }
)


PAGES.update(
    {
        # Live sessions: candidates for themselves; the session's instructor and the
        # committee for the studio pages and the attendance sheet.
        "my sessions": ("get", lambda w: "/learn/sessions/", CANDIDATES),
        "register for session": (
            "post",
            lambda w: f"/learn/sessions/{w.live.upcoming.pk}/register/",
            CANDIDATES,
        ),
        "unregister from session": (
            "post",
            lambda w: f"/learn/sessions/{w.live.upcoming.pk}/unregister/",
            CANDIDATES,
        ),
        "session calendar": (
            "get",
            lambda w: f"/learn/sessions/{w.live.upcoming.pk}/calendar.ics",
            CANDIDATES | AUTHORS,
        ),
        "studio sessions": ("get", lambda w: "/studio/sessions/", AUTHORS),
        "studio new session": ("get", lambda w: "/studio/sessions/new/", AUTHORS),
        "studio schedule session": ("post", lambda w: "/studio/sessions/new/", AUTHORS),
        "studio edit session": (
            "get",
            lambda w: f"/studio/sessions/{w.live.upcoming.pk}/edit/",
            AUTHORS,
        ),
        "studio session": ("get", lambda w: f"/studio/sessions/{w.live.started.pk}/", AUTHORS),
        "studio attendance": (
            "post",
            lambda w: f"/studio/sessions/{w.live.started.pk}/",
            AUTHORS,
        ),
        "studio cancel session": (
            "post",
            lambda w: f"/studio/sessions/{w.live.upcoming.pk}/cancel/",
            AUTHORS,
        ),
    }
)


PAGES.update(
    {
        # Certificates: the holder's pages; the committee's actions.
        "certificate": (
            "get",
            lambda w: f"/certificates/{w.security.certificate.code}/",
            {"owner"},
        ),
        "certificate pdf": (
            "get",
            lambda w: f"/certificates/{w.security.certificate.code}/pdf/",
            {"owner", "committee"},
        ),
        "certificate action": (
            "post",
            lambda w: f"/committee/certificates/{w.security.certificate.code}/suspend/",
            {"committee"},
            {"reason": "Inquiry."},
        ),
        # The owner holds an approved application for the written exam.
        "exam start": ("post", lambda w: "/certifications/beginner-cv/exam/", {"owner"}),
        # The owner's case answer: judge may grade it (judge3, the second examiner,
        # trained the owner: tests/security/test_idor.py).
        "grading item": (
            "get",
            lambda w: f"/examiner/grading/{w.security.manual_item.pk}/",
            {"examiner"},
        ),
        "studio lesson move": (
            "post",
            lambda w: f"/studio/lessons/{_lesson_id(w)}/move/",
            AUTHORS,
            {"direction": "down"},
        ),
        "studio review": (
            "post",
            lambda w: f"/studio/review/item/{w.attempt.items.first().version_id}/",
            AUTHORS,
            {"action": "return", "note": "Again."},
        ),
        "studio task trial": (
            "post",
            lambda w: f"/studio/tasks/{w.submission.task.slug}/trial/",
            AUTHORS,
        ),
        "bundle upload status": (
            "get",
            lambda w: f"/tasks/bundles/{w.security.upload.pk}/status/",
            AUTHORS,
        ),
        # A question import and its progress are its requester's, not every author's.
        "question import": (
            "get",
            lambda w: f"/banks/test-bank/imports/{w.security.question_import.pk}/",
            {"instructor"},
        ),
        "question import confirm": (
            "post",
            lambda w: f"/banks/test-bank/imports/{w.security.question_import.pk}/",
            {"instructor"},
            {"action": "confirm"},
        ),
        "question import progress": (
            "get",
            lambda w: f"/banks/test-bank/imports/{w.security.question_import.pk}/progress/",
            {"instructor"},
        ),
        # Operations (ops/): the page and the metrics are the committee's.
        "operations": ("get", lambda w: "/committee/operations/", {"committee"}),
        "metrics": ("get", lambda w: "/metrics", {"committee"}),
        # Staff declare the candidates they trained on a page of their own.
        "own conflicts": ("get", lambda w: "/conflicts/", {"instructor", "examiner", "committee"}),
    }
)


PAGES.update(
    {
        # Exam sittings: the owner books; staff open sittings on an exam.
        "sittings": ("get", lambda w: "/certifications/beginner-cv/sittings/", {"owner"}),
        "sitting book": (
            "post",
            lambda w: "/certifications/beginner-cv/sittings/book/",
            {"owner"},
            {"sitting": ""},
        ),
        "sitting cancel": (
            "post",
            lambda w: "/certifications/beginner-cv/sittings/cancel/",
            {"owner"},
            {},
        ),
        "sitting calendar": (
            "get",
            lambda w: "/certifications/beginner-cv/sittings/booking.ics",
            {"owner"},
        ),
        "staff sittings": (
            "get",
            lambda w: f"/exams/{w.sitting.exam_id}/sittings/",
            {"instructor", "committee"},
        ),
    }
)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", list(PAGES))
def test_page_matrix(matrix_world: World, page: str, role: str) -> None:
    world = matrix_world
    method, url, allowed, *data = PAGES[page]
    client = Client()
    if role != "anonymous":
        client.force_login(world.users[role])
    before = state(world)
    form = data[0] if data else {"decision": "approve"}
    response = getattr(client, method)(url(world), form if method == "post" else None)
    if role in allowed:
        assert response.status_code in (200, 302)
        if response.status_code == 302:
            assert "/accounts/login/" not in response["Location"]
    elif role == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        assert state(world) == before
    else:
        assert response.status_code == 404
        assert state(world) == before


def test_public_pages_need_no_login(matrix_world: World) -> None:
    client = Client()
    assert client.get("/").status_code == 200
    assert client.get("/curricula/beginner-cv/").status_code == 200
    assert client.get("/verify/unknown-code/").status_code == 404
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200
    # Health probes: public, and they say nothing about who uses the site.
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and set(ready.json()) == {
        "status",
        "failed",
        "checks",
        "workers",
    }
    assert "chair" not in ready.content.decode() and "owner" not in ready.content.decode()
    assert client.get("/accounts/password-reset/").status_code == 200
    bad = client.post("/api/v1/auth/token/", {"username": "nobody", "password": "x"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_credentials"
