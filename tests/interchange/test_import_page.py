"""The upload page: roles, preview (dry run) then confirm, size limit, problems with
their lines. A refused request imports nothing."""

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from core.roles import Role
from tests.conftest import make_user
from tests.interchange.test_malformed import BAD_GIFT
from training.models import Question, QuestionBank
from training.services.interchange import QUESTION_IMPORT_MAX_BYTES

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"
GOOD = (DATA / "gift-peg" / "giftFormatPhpExamples.gift").read_bytes()


def _url(bank: QuestionBank) -> str:
    return reverse("question-import", args=[bank.slug])


def _upload(
    client: Client, bank: QuestionBank, content: bytes, fmt: str = "gift", **extra: Any
) -> Any:
    upload = SimpleUploadedFile("questions.txt", content, content_type="text/plain")
    return client.post(_url(bank), {"action": "preview", "file": upload, "format": fmt, **extra})


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
    preview = _upload(client, bank, GOOD)
    confirm = client.post(_url(bank), {"action": "confirm", "digest": "x"})

    if allowed:
        assert page.status_code == 200 and preview.status_code == 200
    elif who == "anonymous":
        assert page.status_code == preview.status_code == confirm.status_code == 302
        assert page["Location"].startswith(reverse("login"))
    else:
        assert page.status_code == preview.status_code == confirm.status_code == 404
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

    preview = _upload(client, bank, GOOD)

    assert preview.status_code == 200
    report = preview.context["report"]
    assert report.dry_run and report.created == 10
    html = preview.content.decode()
    assert "Grant&#x27;s Tomb" in html and "确认导入" in html
    assert not Question.objects.filter(bank=bank).exists()

    done = client.post(_url(bank), {"action": "confirm", "digest": preview.context["digest"]})

    assert done.status_code == 302
    assert Question.objects.filter(bank=bank).count() == 10
    assert Question.objects.filter(bank=bank, created_by=instructor).count() == 10
    again = client.post(
        _url(bank), {"action": "confirm", "digest": preview.context["digest"]}, follow=True
    )
    assert "请先上传并预览文件" in again.content.decode()
    assert Question.objects.filter(bank=bank).count() == 10


def test_confirm_with_another_digest_imports_nothing(instructor: Any, bank: QuestionBank) -> None:
    client = _client_for(instructor)
    _upload(client, bank, GOOD)

    client.post(_url(bank), {"action": "confirm", "digest": "0" * 64})

    assert not Question.objects.filter(bank=bank).exists()


def test_a_bad_file_shows_each_problem_with_its_line_and_imports_nothing(
    instructor: Any, bank: QuestionBank
) -> None:
    client = _client_for(instructor)

    page = _upload(client, bank, BAD_GIFT.encode())

    assert page.status_code == 400
    problems = page.context["problems"]
    assert [p.line for p in problems] == [4, 8, 12, 16, 19, 21, 23]
    html = page.content.decode()
    assert "<td>19</td><td>&#x27;twelve&#x27; is not a number" in html
    assert "确认导入" not in html
    client.post(_url(bank), {"action": "confirm", "digest": "x"})
    assert not Question.objects.filter(bank=bank).exists()


def test_skip_bad_previews_the_good_items_and_lists_the_skipped(
    instructor: Any, bank: QuestionBank
) -> None:
    client = _client_for(instructor)

    page = _upload(client, bank, BAD_GIFT.encode(), skip_bad="on")
    client.post(_url(bank), {"action": "confirm", "digest": page.context["digest"]})

    assert page.status_code == 200
    assert [p.line for p in page.context["report"].skipped] == [4, 8, 12, 16, 19, 21, 23]
    assert 'id="skipped"' in page.content.decode()
    assert sorted(Question.objects.filter(bank=bank).values_list("name", flat=True)) == [
        "good 1",
        "good 2",
        "good 3",
    ]


def test_an_oversized_upload_gets_a_clear_message_and_imports_nothing(
    instructor: Any, bank: QuestionBank
) -> None:
    client = _client_for(instructor)

    page = _upload(client, bank, b"x" * (QUESTION_IMPORT_MAX_BYTES + 1))

    assert page.status_code == 400
    assert "文件过大：上限为 2048 KiB" in page.content.decode()
    assert not Question.objects.filter(bank=bank).exists()


def test_a_huge_body_is_refused_before_it_is_read(instructor: Any, bank: QuestionBank) -> None:
    client = _client_for(instructor)

    page = _upload(client, bank, b"x" * (QUESTION_IMPORT_MAX_BYTES + 128 * 1024))

    assert page.status_code == 413
    assert 'id="too-large"' in page.content.decode()
    assert not Question.objects.filter(bank=bank).exists()


def test_unsupported_qti_interaction_is_shown_as_a_problem(
    instructor: Any, bank: QuestionBank
) -> None:
    page = _upload(
        _client_for(instructor), bank, (DATA / "qti21" / "gap_match.xml").read_bytes(), fmt="qti"
    )

    assert page.status_code == 400
    assert "unsupported interaction &lt;gapMatchInteraction&gt;" in page.content.decode()
