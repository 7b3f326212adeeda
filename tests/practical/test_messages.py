"""The grading worker's messages: stored as a code and parameters, shown in the
reader's language on the practical page, the project page, the API and the admin; a
row graded before codes existed shows its old text as it is. The registry is checked
against its catalogue and against every call the worker makes, so that a missing
translation or a misspelt parameter fails here, not on a candidate's page."""

import ast
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

import sandbox
from certification.learning import services as learning
from core.roles import Role
from grading import evaluation
from grading.messages import MESSAGES, message, message_placeholders, message_render
from grading.metrics import METRICS
from grading.models import GradingRun, Submission
from tests.conftest import make_user
from tests.factories import approved_application
from training.models import Curriculum, PracticalTask

HAN = re.compile(r"[\u4e00-\u9fff]")

# code, parameters, shown on a zh-hans page, shown on an en page
SHOWN = [
    (
        "stage_timeout",
        {"stage": "train", "seconds": 180},
        "训练阶段超时（180 秒）",
        "The training stage ran out of time (180 s)",
    ),
    (
        "stage_out_of_memory",
        {"stage": "predict", "memory_mb": 2048},
        "预测阶段内存超限（上限 2048 MB）",
        "The prediction stage ran out of memory (limit 2048 MB)",
    ),
    (
        "invalid_predictions",
        {"detail": "expected 360 predictions, got 359"},
        "预测结果无效：expected 360 predictions, got 359",
        "Invalid predictions: expected 360 predictions, got 359",
    ),
    (
        "infra_retry",
        {"detail": "image not found"},
        "评测系统暂时不可用，将自动重试",
        "grading will be retried automatically and is not counted against your quota "
        "(image not found)",
    ),
    (
        "graded_below_threshold",
        {},
        "评测完成：未达合格线",
        "Graded: below the pass threshold.",
    ),
]


def stored(task: PracticalTask, candidate: Any, **fields: Any) -> Submission:
    return Submission.objects.create(
        task=task,
        candidate=candidate,
        file_name="solution.py",
        sha256="0" * 64,
        size_bytes=1,
        **{"state": "done", "verdict": "ok", **fields},
    )


def reader(user: Any, language: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


@pytest.fixture
def exam_page(demo, candidate, committee) -> tuple[str, PracticalTask]:
    certification = demo["certification"]
    approved_application(candidate=candidate, certification=certification, committee=committee)
    return f"/certifications/{certification.slug}/practical/", certification.practical_task


# --- the registry -----------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_every_code_reads_in_chinese_and_in_english_with_its_placeholders(code) -> None:
    params = {name: f"<{name}>" for name in message_placeholders(code)}
    with translation.override("zh-hans"):
        chinese = message_render(code=code, params=params)
    with translation.override("en"):
        english = message_render(code=code, params=params)
    assert HAN.search(chinese) and not HAN.search(english), (chinese, english)
    for value in params.values():  # every parameter appears in both languages
        assert value in chinese and value in english, (code, value)


def test_the_worker_passes_exactly_each_message_s_placeholders() -> None:
    """Every ``message(...)`` call in the grading app names a known code (a literal,
    or one of a conditional's two) with keyword arguments that are exactly the
    placeholders of the code's text."""
    calls = []
    for path in sorted((Path(settings.BASE_DIR) / "grading").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "message":
                first = node.args[0]
                codes = [first.body, first.orelse] if isinstance(first, ast.IfExp) else [first]
                for code in codes:
                    assert isinstance(code, ast.Constant), f"{path}:{node.lineno}"
                    assert isinstance(code.value, str), f"{path}:{node.lineno}"
                    given = {keyword.arg for keyword in node.keywords}
                    assert code.value in MESSAGES, f"{path}:{node.lineno}: {code.value}"
                    assert given == message_placeholders(code.value), f"{path}:{node.lineno}"
                    calls.append(code.value)
    assert set(calls) == set(MESSAGES)  # and no code is left unused


def test_a_misspelt_parameter_or_code_is_refused_before_anything_is_stored() -> None:
    with pytest.raises(ValueError):
        message("stage_timeout", stage="train", second=60)
    with pytest.raises(KeyError):
        message("stage_time_out", stage="train", seconds=60)
    assert message("stage_timeout", stage="train", seconds=60) == {
        "code": "stage_timeout",
        "params": {"stage": "train", "seconds": 60},
    }


def test_rendering_never_fails_a_page() -> None:
    """A code this version no longer knows shows as the code; parameters that do not
    fit show the text without them."""
    assert message_render(code="gone_code", params={}) == "gone_code"
    with translation.override("en"):
        assert message_render(code="scored_dev", params={}) == "Scored on the dev set: %(score)s."
    assert message_render(code="", params={}, legacy="old text") == "old text"


@pytest.mark.parametrize(
    "verdict,code",
    [
        (sandbox.Verdict.TIME_LIMIT, "stage_timeout"),
        (sandbox.Verdict.MEMORY_LIMIT, "stage_out_of_memory"),
        (sandbox.Verdict.OUTPUT_LIMIT, "stage_output_limit"),
        (sandbox.Verdict.RUNTIME_ERROR, "predict_crashed"),
        (sandbox.Verdict.SANDBOX_ERROR, "infra_retry"),
    ],
)
def test_a_failed_stage_leaves_its_code_and_the_technical_detail_as_data(verdict, code) -> None:
    result = sandbox.RunResult(
        verdict=verdict,
        exit_code=137,
        wall_seconds=120.4,
        cpu_seconds=1,
        peak_memory_mb=None,
        stdout="",
        stderr="",
        detail="docker: no such image",
    )
    report = evaluation._report_new(evaluation.GradingSpec(metric=METRICS["accuracy"]))
    report["stages"]["predict"] = evaluation._stage_report(result)
    stored_message = evaluation._failed(report, result, stage="predict", memory_mb=1024)["message"]
    assert stored_message["code"] == code
    assert set(stored_message["params"]) == message_placeholders(code)
    expected: dict[str, Any] = {"seconds": 120, "memory_mb": 1024, "exit_code": 137}
    expected |= {"stage": "predict", "detail": "docker: no such image"}
    assert all(expected[name] == value for name, value in stored_message["params"].items())


# --- where the messages are shown ---------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("code,params,chinese,english", SHOWN)
def test_the_same_row_reads_in_each_reader_s_language(
    exam_page, candidate, code, params, chinese, english
) -> None:
    url, task = exam_page
    submission = stored(task, candidate, message_code=code, message_params=params)
    api = reverse("api-submission", args=[submission.public_id])
    zh, en = reader(candidate, "zh-hans"), reader(candidate, "en")

    assert chinese in zh.get(url).content.decode()
    assert english in en.get(url).content.decode()
    assert chinese not in en.get(url).content.decode()
    for client, text in ((zh, chinese), (en, english)):
        answer = client.get(api).json()
        assert answer["message_code"] == code and text in answer["message"]


@pytest.mark.django_db
def test_a_row_graded_before_codes_shows_its_old_text_as_it_is(exam_page, candidate) -> None:
    url, task = exam_page
    legacy = "评测完成：通过 / Graded: passed."
    submission = stored(task, candidate, passed=True, message=legacy)
    api = reverse("api-submission", args=[submission.public_id])
    for language in ("zh-hans", "en"):
        client = reader(candidate, language)
        assert legacy in client.get(url).content.decode()
        answer = client.get(api).json()
        assert (answer["message"], answer["message_code"]) == (legacy, "")


@pytest.mark.django_db
def test_a_project_run_reads_in_the_reader_s_language(demo) -> None:
    learner = make_user("lin", Role.CANDIDATE)
    learning.enrolment_ensure(
        candidate=learner, curriculum=Curriculum.objects.get(slug="beginner-cv")
    )
    task = PracticalTask.objects.get(slug="digits-pytorch")
    run = stored(
        task,
        learner,
        purpose="project",
        dev_score=0.5,
        message_code="scored_dev",
        message_params={"score": 0.5},
    )
    page = f"/learn/projects/{task.slug}/"
    api = reverse("api-learning-project-run", args=[run.public_id])
    assert "开发集评测完成：0.5" in reader(learner, "zh-hans").get(page).content.decode()
    assert "Scored on the dev set: 0.5." in reader(learner, "en").get(page).content.decode()
    answer = reader(learner, "en").get(api).json()
    assert (answer["message_code"], answer["message"]) == (
        "scored_dev",
        "Scored on the dev set: 0.5.",
    )


@pytest.mark.django_db
def test_the_committee_reads_a_run_s_message_in_its_language(demo, candidate) -> None:
    task = demo["certification"].practical_task
    submission = stored(
        task, candidate, message_code="infra_gave_up", message_params={"detail": "engine down"}
    )
    GradingRun.objects.create(
        submission=submission,
        number=1,
        trigger="submission",
        state="done",
        started_at=submission.created_at,
        message_code="stage_timeout",
        message_params={"stage": "train", "seconds": 300},
    )
    change = f"/admin/grading/submission/{submission.pk}/change/"
    english = reader(demo["committee"], "en").get(change).content.decode()
    assert "The grading system kept failing" in english and "(engine down)" in english
    assert "The training stage ran out of time (300 s)" in english
    chinese = reader(demo["committee"], "zh-hans").get(change).content.decode()
    assert "评测系统多次失败" in chinese and "训练阶段超时（300 秒）" in chinese
