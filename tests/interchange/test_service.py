"""questions_import / questions_export against the database."""

from dataclasses import replace
from decimal import Decimal

import pytest

from tests.conftest import make_user
from training.interchange import ImportProblems, Problem, gift, moodle_xml
from training.interchange import types as t
from training.models import Category, Question, QuestionBank, QuestionVersion, Tag
from training.services.interchange import bank_drafts, questions_export, questions_import

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, int, int, int]:
    """Rows of every table an import writes (the demo data is there too)."""
    return (
        Question.objects.count(),
        QuestionVersion.objects.count(),
        Category.objects.count(),
        Tag.objects.count(),
    )


def _tags_not_yet_there(*names: str) -> set[str]:
    return set(names) - set(Tag.objects.filter(name__in=names).values_list("name", flat=True))


def _path(category: Category | None) -> tuple[str, ...]:
    names = []
    while category is not None:
        names.append(category.name)
        category = category.parent
    return tuple(reversed(names))


def test_import_creates_categories_by_path_tags_questions_and_version_one(
    bank: QuestionBank, sample_xml: bytes
) -> None:
    author = make_user("ines", None)
    result = moodle_xml.parse(sample_xml)
    new_tags = _tags_not_yet_there("level:beginner", "topic:cnn")

    report = questions_import(
        bank=bank, drafts=result.drafts, created_by=author, categories=result.categories
    )

    assert report.created == 9 and not report.dry_run
    assert report.new_categories == (
        ("AI basics",),
        ("AI basics", "Vision"),
        ("AI basics", "Numbers"),
    )
    assert set(report.new_tags) == new_tags
    assert Category.objects.filter(bank=bank).count() == 3
    conv = Question.objects.get(bank=bank, name="Convolution output")
    assert _path(conv.category) == ("AI basics", "Vision")
    assert sorted(tag.name for tag in conv.tags.all()) == ["level:beginner", "topic:cnn"]
    assert conv.created_by == author
    (version,) = conv.versions.all()
    draft = result.drafts[0]
    assert (version.number, version.kind, version.stem) == (1, t.SINGLE_CHOICE, draft.stem)
    assert (version.data, version.key, version.feedback) == (draft.data, draft.key, draft.feedback)
    assert version.points == Decimal("2.00") and version.created_by == author
    assert [i.question_id for i in report.items] == list(
        Question.objects.filter(bank=bank).values_list("pk", flat=True)
    )


def test_dry_run_reports_what_would_be_created_and_creates_nothing(
    bank: QuestionBank, sample_xml: bytes
) -> None:
    result = moodle_xml.parse(sample_xml)
    new_tags = _tags_not_yet_there("level:beginner", "topic:cnn")
    before = _counts()

    report = questions_import(
        bank=bank, drafts=result.drafts, created_by=None, dry_run=True, categories=result.categories
    )

    assert report.dry_run and report.created == 9
    assert len(report.new_categories) == 3 and set(report.new_tags) == new_tags
    assert all(item.question_id is None for item in report.items)
    assert _counts() == before
    assert not Question.objects.filter(bank=bank).exists()


def test_second_import_reuses_categories_and_tags(bank: QuestionBank, sample_xml: bytes) -> None:
    result = moodle_xml.parse(sample_xml)
    questions_import(bank=bank, drafts=result.drafts, created_by=None, categories=result.categories)

    report = questions_import(
        bank=bank, drafts=result.drafts, created_by=None, categories=result.categories
    )

    assert report.new_categories == () and report.new_tags == ()
    assert Question.objects.filter(bank=bank).count() == 18
    assert Category.objects.filter(bank=bank).count() == 3


def test_a_draft_the_database_would_refuse_stops_the_whole_import(bank: QuestionBank) -> None:
    drafts = gift.parse("::a::One?{T}\n\n// [tag:" + "x" * 101 + "]\n::b::Two?{F}\n").drafts
    before = _counts()

    with pytest.raises(ImportProblems) as raised:
        questions_import(bank=bank, drafts=drafts, created_by=None)

    assert raised.value.problems == (Problem(4, "a tag must be 1 to 100 characters"),)
    assert _counts() == before


def test_export_round_trips_the_bank_through_moodle_xml(
    bank: QuestionBank, sample_xml: bytes
) -> None:
    result = moodle_xml.parse(sample_xml)
    questions_import(bank=bank, drafts=result.drafts, created_by=None, categories=result.categories)

    exported = moodle_xml.parse(questions_export(bank=bank, format="moodle-xml")).drafts

    # The database keeps stems as Markdown (HTML passes through it), so the export
    # says markdown; everything else comes back as imported.
    expected = [replace(d, stem_format="markdown") for d in result.drafts]
    assert sorted(exported, key=lambda d: d.name) == sorted(expected, key=lambda d: d.name)


def test_gift_export_groups_by_category_and_names_what_it_cannot_hold(
    bank: QuestionBank, sample_xml: bytes
) -> None:
    result = moodle_xml.parse(sample_xml)
    questions_import(bank=bank, drafts=result.drafts, created_by=None, categories=result.categories)

    text = questions_export(bank=bank, format="gift")

    assert text.index("$CATEGORY: $course$/top/AI basics/Numbers") < text.index(
        "$CATEGORY: $course$/top/AI basics/Vision"
    )
    assert "// not exported: Training loop (ordering has no GIFT form)" in text
    assert len(gift.parse(text).drafts) == 8


def test_export_uses_each_items_latest_version(bank: QuestionBank) -> None:
    questions_import(bank=bank, drafts=gift.parse("::q::Old text?{T}").drafts, created_by=None)
    question = Question.objects.get(bank=bank)
    QuestionVersion.objects.create(
        question=question,
        number=2,
        kind=t.TRUE_FALSE,
        stem="New text?",
        key={"correct": False},
        feedback={"general": ""},
    )

    (draft,) = bank_drafts(bank=bank)

    assert (draft.stem, draft.key) == ("New text?", {"correct": False})


def test_export_refuses_an_unknown_format(bank: QuestionBank) -> None:
    with pytest.raises(ValueError, match="unknown export format"):
        questions_export(bank=bank, format="qti")


SINGLE_WITHOUT_FULL_CREDIT = b"""<?xml version="1.0" encoding="UTF-8"?>
<quiz>
<question type="truefalse"><name><text>fine</text></name>
<questiontext format="html"><text>Fine?</text></questiontext>
<answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer>
</question>
<question type="multichoice"><name><text>half</text></name>
<questiontext format="html"><text>Which?</text></questiontext>
<single>true</single>
<answer fraction="50"><text>a</text></answer>
<answer fraction="0"><text>b</text></answer>
</question>
</quiz>
"""


def test_imports_keep_the_item_editors_rules(bank: QuestionBank) -> None:
    """An item the editor would refuse (item_rules) is refused on import too, with
    its line; an essay imports without a rubric, which no file can name."""
    result = moodle_xml.parse(SINGLE_WITHOUT_FULL_CREDIT)
    before = _counts()

    with pytest.raises(ImportProblems) as raised:
        questions_import(bank=bank, drafts=result.drafts, created_by=None)

    (problem,) = raised.value.problems
    assert problem.line == result.drafts[1].source_line
    assert "a single choice needs a choice worth 1" in problem.reason
    assert _counts() == before
    essay = gift.parse("::e::Discuss overfitting.{}").drafts
    report = questions_import(bank=bank, drafts=essay, created_by=None)
    assert report.created == 1
