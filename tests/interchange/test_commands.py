"""import_questions / export_questions, through call_command."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.interchange.test_malformed import BAD_GIFT
from training.interchange import gift, moodle_xml
from training.models import Question, QuestionBank

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"


def _run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_gift_file_into_a_bank(bank: QuestionBank) -> None:
    path = DATA / "gift-peg" / "options1.gift"

    out, _ = _run("import_questions", str(path), "--format", "gift", "--bank", bank.slug)

    assert "imported 14 question(s) into ai-basics" in out
    assert f"{path}:6: fill_in" in out
    assert Question.objects.filter(bank=bank).count() == 14


def test_import_dry_run_changes_nothing(bank: QuestionBank) -> None:
    out, _ = _run(
        "import_questions",
        str(DATA / "moodle" / "sample.xml"),
        "--format",
        "moodle-xml",
        "--bank",
        bank.slug,
        "--dry-run",
    )

    assert "would import 9 question(s)" in out and "3 new categories" in out
    assert not Question.objects.filter(bank=bank).exists()
    assert not bank.categories.exists()


def test_import_of_a_bad_file_prints_each_problem_with_its_line_and_fails(
    bank: QuestionBank, tmp_path: Path
) -> None:
    path = tmp_path / "bad.gift"
    path.write_text(BAD_GIFT, encoding="utf-8")
    err = StringIO()

    with pytest.raises(CommandError, match="7 problem"):
        call_command(
            "import_questions", str(path), "--format", "gift", "--bank", bank.slug, stderr=err
        )

    lines = err.getvalue().splitlines()
    assert lines[0] == f"{path}:4: the answer block '{{' is not closed with '}}'"
    assert len(lines) == 7
    assert not Question.objects.filter(bank=bank).exists()


def test_import_skip_bad_imports_the_good_items_and_lists_the_bad(
    bank: QuestionBank, tmp_path: Path
) -> None:
    path = tmp_path / "bad.gift"
    path.write_text(BAD_GIFT, encoding="utf-8")

    out, err = _run(
        "import_questions", str(path), "--format", "gift", "--bank", bank.slug, "--skip-bad"
    )

    assert "imported 3 question(s)" in out and "skipped 7" in out
    assert f"{path}:19: skipped: 'twelve' is not a number" in err
    assert sorted(Question.objects.filter(bank=bank).values_list("name", flat=True)) == [
        "good 1",
        "good 2",
        "good 3",
    ]


def test_import_unsupported_qti_interaction_fails(bank: QuestionBank) -> None:
    err = StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_questions",
            str(DATA / "qti21" / "upload.xml"),
            "--format",
            "qti",
            "--bank",
            bank.slug,
            stderr=err,
        )
    assert ":11: unsupported interaction <uploadInteraction>" in err.getvalue()
    assert not Question.objects.filter(bank=bank).exists()


def test_import_qti_item(bank: QuestionBank) -> None:
    _run(
        "import_questions",
        str(DATA / "qti21" / "match.xml"),
        "--format",
        "qti",
        "--bank",
        bank.slug,
    )

    assert Question.objects.get(bank=bank).latest_version().kind == "matching"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--bank", "nope"], "no question bank with slug 'nope'"),
        (["--bank", "ai-basics", "--user", "nobody-here"], "no user 'nobody-here'"),
    ],
)
def test_import_refuses_unknown_bank_or_user(
    bank: QuestionBank, args: list[str], message: str
) -> None:
    with pytest.raises(CommandError, match=message):
        call_command(
            "import_questions", str(DATA / "gift-peg" / "mc1.gift"), "--format", "gift", *args
        )


def test_export_to_a_file_and_to_stdout(bank: QuestionBank, tmp_path: Path) -> None:
    _run(
        "import_questions",
        str(DATA / "moodle" / "sample.xml"),
        "--format",
        "moodle-xml",
        "--bank",
        bank.slug,
    )
    target = tmp_path / "bank.xml"

    _run("export_questions", "--bank", bank.slug, "--format", "moodle-xml", "--output", str(target))
    out, _ = _run("export_questions", "--bank", bank.slug, "--format", "gift")

    assert len(moodle_xml.parse(target.read_bytes()).drafts) == 9
    assert len(gift.parse(out).drafts) == 8


def test_export_refuses_unknown_bank(db: None) -> None:
    with pytest.raises(CommandError, match="no question bank"):
        call_command("export_questions", "--bank", "nope", "--format", "gift")


def test_export_qti_package_needs_an_output_file(bank: QuestionBank, tmp_path: Path) -> None:
    _run(
        "import_questions",
        str(DATA / "moodle" / "sample.xml"),
        "--format",
        "moodle-xml",
        "--bank",
        bank.slug,
    )
    target = tmp_path / "bank.zip"

    with pytest.raises(CommandError, match="give --output"):
        call_command("export_questions", "--bank", bank.slug, "--format", "qti")
    _run("export_questions", "--bank", bank.slug, "--format", "qti", "--output", str(target))
    out, _ = _run(
        "import_questions", str(target), "--format", "qti", "--bank", bank.slug, "--dry-run"
    )

    assert "would import 6 question(s)" in out
