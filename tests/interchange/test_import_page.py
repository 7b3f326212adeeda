"""The upload page: roles, preview (a dry run) then confirm, size limit, problems with
their lines. A refused request imports nothing. The worker's part
(``question_import_run``) is called here as the worker would
(tests/interchange/test_import_progress.py runs a real one)."""

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from core.roles import Role
from tests.conftest import make_user
from tests.interchange.test_malformed import BAD_GIFT
from training.models import Question, QuestionBank, QuestionImport
from training.services.imports import question_import_run
from training.services.interchange import QUESTION_IMPORT_MAX_BYTES

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"
GOOD = (DATA / "gift-peg" / "giftFormatPhpExamples.gift").read_bytes()


def _url(bank: QuestionBank) -> str:
    return reverse("question-import", args=[bank.slug])


def _job_url(job: QuestionImport) -> str:
    return reverse("question-import-job", args=[job.bank.slug, job.pk])


def _upload(
    client: Client, bank: QuestionBank, content: bytes, fmt: str = "gift", **extra: Any
) -> Any:
    upload = SimpleUploadedFile("questions.txt", content, content_type="text/plain")
    return client.post(_url(bank), {"file": upload, "format": fmt, **extra})


def _previewed(client: Client, bank: QuestionBank, content: bytes, **extra: Any) -> Any:
    """Uploads, lets the worker preview, and returns the import's page."""
    response = _upload(client, bank, content, **extra)
    assert response.status_code == 302, response.content.decode()[:500]
    job = QuestionImport.objects.get(bank=bank)
    assert response["Location"] == _job_url(job)
    question_import_run(import_id=job.pk)
    return client.get(_job_url(job))


def _confirm(client: Client, job: QuestionImport) -> Any:
    response = client.post(_job_url(job), {"action": "confirm"})
    question_import_run(import_id=job.pk)
    return response


def _client_for(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def instructor(db: None) -> Any:
    return make_user("ivan", Role.INSTRUCTOR)


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("anonymous", False),
        ("candidate", False),
        ("examiner", False),
        ("instructor", True),
        ("committee", True),
    ],
)
def test_only_instructors_and_committee_may_import(
    who: str, allowed: bool, bank: QuestionBank, request: Any
) -> None:
    user = {
        "anonymous": None,
        "candidate": lambda: request.getfixturevalue("candidate"),
        "examiner": lambda: make_user("erin", Role.EXAMINER),
        "instructor": lambda: make_user("ivan", Role.INSTRUCTOR),
        "committee": lambda: request.getfixturevalue("committee"),
    }[who]
    client = _client_for(user() if user else None)

    page = client.get(_url(bank))
    upload = _upload(client, bank, GOOD)

    if allowed:
        assert page.status_code == 200 and upload.status_code == 302
        assert QuestionImport.objects.filter(bank=bank).count() == 1
    elif who == "anonymous":
        assert page.status_code == upload.status_code == 302
        assert page["Location"].startswith(reverse("login"))
        assert not QuestionImport.objects.exists()
    else:
        assert page.status_code == upload.status_code == 404
        assert not QuestionImport.objects.exists()
    assert not Question.objects.filter(bank=bank).exists()


def test_a_missing_bank_looks_like_a_forbidden_one(instructor: Any, candidate: Any) -> None:
    assert (
        _client_for(instructor).get(reverse("question-import", args=["no-such-bank"])).status_code
        == 404
    )


def test_preview_shows_what_would_be_imported_then_confirm_imports_it(
    instructor: Any, bank: QuestionBank
) -> None:
    client = _client_for(instructor)

    preview = _previewed(client, bank, GOOD)

    assert preview.status_code == 200
    job = preview.context["job"]
    assert job.state == "previewed" and job.report["created"] == 10
    html = preview.content.decode()
    assert "Grant&#x27;s Tomb" in html and "确认导入" in html
    assert not Question.objects.filter(bank=bank).exists()

    done = _confirm(client, job)

    assert done.status_code == 302
    assert Question.objects.filter(bank=bank).count() == 10
    assert Question.objects.filter(bank=bank, created_by=instructor).count() == 10
    result = client.get(_job_url(job)).content.decode()
    assert 'id="result"' in result and "已导入 10 道题" in result


def test_a_second_confirm_imports_nothing_more(instructor: Any, bank: QuestionBank) -> None:
    client = _client_for(instructor)
    job = _previewed(client, bank, GOOD).context["job"]
    _confirm(client, job)

    again = client.post(_job_url(job), {"action": "confirm"}, follow=True)
    question_import_run(import_id=job.pk)

    assert "这个文件已确认导入，不会重复导入" in again.content.decode()
    assert QuestionImport.objects.filter(bank=bank).count() == 1
    assert Question.objects.filter(bank=bank).count() == 10


def test_a_repeated_upload_while_the_import_is_pending_lands_on_the_same_import(
    instructor: Any, bank: QuestionBank
) -> None:
    client = _client_for(instructor)

    first = _upload(client, bank, GOOD)  # queued, not yet run
    second = _upload(client, bank, GOOD)  # a double click
    job = QuestionImport.objects.get(bank=bank)
    question_import_run(import_id=job.pk)
    third = _upload(client, bank, GOOD)  # previewed: previewed again, the same row
    question_import_run(import_id=job.pk)
    _confirm(client, QuestionImport.objects.get(pk=job.pk))

    assert first["Location"] == second["Location"] == third["Location"] == _job_url(job)
    assert QuestionImport.objects.filter(bank=bank).count() == 1
    assert Question.objects.filter(bank=bank).count() == 10


def test_a_file_already_imported_says_when_and_offers_to_import_it_again(
    instructor: Any, bank: QuestionBank
) -> None:
    client = _client_for(instructor)
    job = _previewed(client, bank, GOOD).context["job"]
    _confirm(client, job)
    job.refresh_from_db()

    upload = _upload(client, bank, GOOD, skip_bad="on")

    assert upload.status_code == 409  # the upload script shows the answer in place
    html = upload.content.decode()
    assert 'id="already-imported"' in html and 'role="alert"' in html
    when = date_format(timezone.localtime(job.finished_at), "SHORT_DATETIME_FORMAT")
    assert f"已于 {when} 导入此题库，共 10 道题" in html
    assert _job_url(job) in html  # the earlier import, to look at
    assert 'name="action" value="again"' in html and f'value="{job.digest}"' in html
    assert QuestionImport.objects.filter(bank=bank).count() == 1  # nothing started
    assert Question.objects.filter(bank=bank).count() == 10

    again = {"action": "again", "digest": job.digest, "format": "gift", "skip_bad": "on"}
    first = client.post(_url(bank), again)
    second = client.post(_url(bank), again)  # a double click
    fresh = QuestionImport.objects.exclude(pk=job.pk).get(bank=bank)
    assert first["Location"] == second["Location"] == _job_url(fresh)
    assert (fresh.stored_as, fresh.skip_bad, fresh.confirmed) == (job.stored_as, True, False)
    question_import_run(import_id=fresh.pk)
    _confirm(client, fresh)

    assert QuestionImport.objects.get(pk=fresh.pk).state == "done"
    assert Question.objects.filter(bank=bank).count() == 20  # imported again, as asked


def test_import_again_needs_a_finished_import_of_that_file(
    instructor: Any, bank: QuestionBank
) -> None:
    client = _client_for(instructor)
    _upload(client, bank, GOOD)
    job = QuestionImport.objects.get(bank=bank)  # queued: not done

    unknown = {"action": "again", "digest": "0" * 64, "format": "gift"}
    malformed = {"action": "again", "digest": "../x", "format": "gift"}
    pending = {"action": "again", "digest": job.digest, "format": "gift"}

    assert client.post(_url(bank), unknown).status_code == 404
    assert client.post(_url(bank), malformed).status_code == 404
    assert client.post(_url(bank), pending)["Location"] == _job_url(job)  # the open one
    assert QuestionImport.objects.filter(bank=bank).count() == 1


def test_a_bad_file_shows_each_problem_with_its_line_and_imports_nothing(
    instructor: Any, bank: QuestionBank
) -> None:
    client = _client_for(instructor)

    page = _previewed(client, bank, BAD_GIFT.encode())

    job = page.context["job"]
    assert job.state == "failed"
    assert [p["line"] for p in job.report["problems"]] == [4, 8, 12, 16, 19, 21, 23]
    html = page.content.decode()
    assert "<td>19</td><td>&#x27;twelve&#x27; is not a number" in html
    assert "确认导入" not in html
    _confirm(client, job)
    assert not Question.objects.filter(bank=bank).exists()


def test_skip_bad_previews_the_good_items_and_lists_the_skipped(
    instructor: Any, bank: QuestionBank
) -> None:
    client = _client_for(instructor)

    page = _previewed(client, bank, BAD_GIFT.encode(), skip_bad="on")
    _confirm(client, page.context["job"])

    assert page.status_code == 200
    assert [p["line"] for p in page.context["report"]["skipped"]] == [4, 8, 12, 16, 19, 21, 23]
    assert 'id="skipped"' in page.content.decode()
    assert sorted(Question.objects.filter(bank=bank).values_list("name", flat=True)) == [
        "good 1",
        "good 2",
        "good 3",
    ]


def test_uploading_a_failed_file_again_previews_it_with_the_new_options(
    instructor: Any, bank: QuestionBank
) -> None:
    client = _client_for(instructor)
    failed = _previewed(client, bank, BAD_GIFT.encode()).context["job"]

    page = _previewed(client, bank, BAD_GIFT.encode(), skip_bad="on")

    assert page.context["job"].pk == failed.pk
    assert page.context["job"].state == "previewed" and page.context["report"]["created"] == 3


def test_another_authors_upload_of_the_same_file_is_refused_and_kept_apart(
    instructor: Any, committee: Any, bank: QuestionBank
) -> None:
    job = _previewed(_client_for(instructor), bank, GOOD).context["job"]
    other = _client_for(committee)

    upload = _upload(other, bank, GOOD)
    page = other.get(_job_url(job))
    confirm = other.post(_job_url(job), {"action": "confirm"})
    question_import_run(import_id=job.pk)

    assert upload.status_code == 400
    assert "另一位作者已将这个文件上传到此题库" in upload.content.decode()
    assert page.status_code == confirm.status_code == 404
    assert not Question.objects.filter(bank=bank).exists()


def test_an_oversized_upload_gets_a_clear_message_and_imports_nothing(
    instructor: Any, bank: QuestionBank
) -> None:
    client = _client_for(instructor)

    page = _upload(client, bank, b"x" * (QUESTION_IMPORT_MAX_BYTES + 1))

    assert page.status_code == 400
    assert "文件过大：上限为 2048 KiB" in page.content.decode()
    assert not Question.objects.filter(bank=bank).exists()
    assert not QuestionImport.objects.exists()


def test_a_huge_body_is_refused_before_it_is_read(instructor: Any, bank: QuestionBank) -> None:
    client = _client_for(instructor)

    page = _upload(client, bank, b"x" * (QUESTION_IMPORT_MAX_BYTES + 128 * 1024))

    assert page.status_code == 413
    assert 'id="too-large"' in page.content.decode()
    assert not Question.objects.filter(bank=bank).exists()


def test_unsupported_qti_interaction_is_shown_as_a_problem(
    instructor: Any, bank: QuestionBank
) -> None:
    page = _previewed(
        _client_for(instructor), bank, (DATA / "qti21" / "gap_match.xml").read_bytes(), fmt="qti"
    )

    assert page.context["job"].state == "failed"
    assert "unsupported interaction &lt;gapMatchInteraction&gt;" in page.content.decode()


def test_a_run_broken_by_the_server_keeps_the_file_and_a_retry_imports_it(
    instructor: Any, bank: QuestionBank, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = _client_for(instructor)
    job = _previewed(client, bank, GOOD).context["job"]
    client.post(_job_url(job), {"action": "confirm"})

    def broken(**_: Any) -> None:
        raise RuntimeError("the database went away")

    with monkeypatch.context() as patch:
        patch.setattr("training.services.imports.questions_import", broken)
        question_import_run(import_id=job.pk)
    page = client.get(_job_url(job)).content.decode()

    job.refresh_from_db()
    assert job.state == "failed" and job.confirmed
    assert "导入因服务器错误中断，未导入任何题目。文件已保存，可以重试。" in page
    assert not Question.objects.filter(bank=bank).exists()

    client.post(_job_url(job), {"action": "retry"})
    question_import_run(import_id=job.pk)

    job.refresh_from_db()
    assert job.state == "done"
    assert Question.objects.filter(bank=bank).count() == 10


def test_a_run_whose_worker_died_can_be_retried_once_it_is_stale(
    instructor: Any, bank: QuestionBank
) -> None:
    client = _client_for(instructor)
    _upload(client, bank, GOOD)
    job = QuestionImport.objects.get(bank=bank)
    QuestionImport.objects.filter(pk=job.pk).update(state="running", started_at=timezone.now())

    question_import_run(import_id=job.pk)  # the same message again, while it runs
    fresh = client.get(_job_url(job)).content.decode()
    client.post(_job_url(job), {"action": "retry"})

    job.refresh_from_db()
    assert job.state == "running" and "重试" not in fresh

    QuestionImport.objects.filter(pk=job.pk).update(
        started_at=timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 1)
    )
    stale = client.get(_job_url(job)).content.decode()
    client.post(_job_url(job), {"action": "retry"})
    question_import_run(import_id=job.pk)

    job.refresh_from_db()
    assert "处理这个文件的服务器进程已中断" in stale
    assert job.state == "previewed" and job.report["created"] == 10
