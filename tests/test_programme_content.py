"""The programme's question banks (training/demo/programme/items): every item loads,
its key earns full credit and each distractor or listed wrong answer earns none;
programming items' reference solutions pass their hidden tests in the real sandbox."""

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from certification.demo.cohort import full_marks_response
from core.roles import Role
from grading.objective import response_fraction
from grading.programming import programming_grade
from tests.conftest import make_user
from training.demo.content import bank_document, bank_files, bank_load, responses_wrong
from training.models import Question, QuestionVersion, Rubric

Kind = QuestionVersion.Kind
OBJECTIVE = {
    Kind.SINGLE_CHOICE,
    Kind.MULTIPLE_CHOICE,
    Kind.TRUE_FALSE,
    Kind.FILL_IN,
    Kind.MATCHING,
    Kind.ORDERING,
}
PARTIAL_CREDIT = {Kind.MATCHING, Kind.ORDERING}  # a wrong order still earns some places
FILES = bank_files()


@pytest.fixture
def author(db: None) -> Any:
    return make_user("content-author", Role.INSTRUCTOR)


def test_there_is_a_bank_for_each_of_the_nine_certifications() -> None:
    names = {path.stem for path in FILES}
    assert names == {
        f"{domain}-{level}"
        for domain in ("nlp", "cv", "speech")
        for level in ("beginner", "intermediate", "advanced")
    }


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_item_scores_its_key_fully_and_its_distractors_not_at_all(
    path: Path, author: Any
) -> None:
    loaded = bank_load(path=path, author=author)
    assert loaded.items >= 60
    specs = {spec["name"]: spec for spec in bank_document(path)["items"]}
    wrong_credit = []
    for question in Question.objects.filter(bank=loaded.bank):
        version = question.latest_version()
        assert version is not None
        if version.kind not in OBJECTIVE:
            continue
        full = response_fraction(version=version, response=full_marks_response(version))
        assert full == pytest.approx(1.0), question.name
        for response in responses_wrong(specs[question.name]):
            fraction = response_fraction(version=version, response=response)
            too_much = fraction >= 1 if version.kind in PARTIAL_CREDIT else fraction > 0
            if too_much:
                wrong_credit.append((question.name, response, fraction))
        if version.kind == Kind.MULTIPLE_CHOICE:
            everything = {"choices": [c["id"] for c in version.data["choices"]]}
            assert response_fraction(version=version, response=everything) < 1, question.name
    assert not wrong_credit


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_a_bank_covers_every_kind_and_has_two_exam_forms_per_category(path: Path) -> None:
    document = bank_document(path)
    kinds = {item["kind"] for item in document["items"]}
    expected = OBJECTIVE | {Kind.SHORT_ANSWER, Kind.PROGRAMMING}
    if path.stem.endswith("advanced"):
        expected |= {Kind.CASE_ANALYSIS}
    assert expected <= kinds
    exam_pool: dict[str, int] = {}
    for item in document["items"]:
        assert any(tag.startswith("difficulty:") for tag in item["tags"]), item["name"]
        if "pool:exam" in item["tags"]:
            exam_pool[item["category"]] = exam_pool.get(item["category"], 0) + 1
    assert len(exam_pool) >= 5
    assert min(exam_pool.values()) >= 6  # three per form, two forms without a repeat


def test_loading_twice_makes_no_new_versions_and_rubrics_resolve(author: Any) -> None:
    path = next(p for p in FILES if p.stem == "nlp-advanced")
    first = bank_load(path=path, author=author)
    again = bank_load(path=path, author=author)
    assert first.new_versions == first.items and again.new_versions == 0
    rubric_ids = {
        v.key["rubric"]
        for v in QuestionVersion.objects.filter(
            question__bank=first.bank, kind__in=[Kind.SHORT_ANSWER, Kind.CASE_ANALYSIS]
        )
    }
    assert rubric_ids and Rubric.objects.filter(pk__in=rubric_ids).count() == len(rubric_ids)
    # Each bank keeps its own rubrics, though the banks' rubric titles repeat.
    other = next(p for p in FILES if p.stem == "speech-advanced")
    bank_load(path=other, author=author)
    for rubric in Rubric.objects.filter(pk__in=rubric_ids):
        assert rubric.title.endswith("· nlp-advanced")
        spec = next(
            r for r in bank_document(path)["rubrics"] if rubric.title.startswith(r["title"])
        )
        assert [c["name"] for c in rubric.criteria] == [c["name"] for c in spec["criteria"]]


def test_names_are_unique_across_the_programme() -> None:
    names = [item["name"] for path in FILES for item in bank_document(path)["items"]]
    assert len(names) == len(set(names))


PROGRAMMING = [
    pytest.param(item, id=item["name"])
    for path in FILES
    for item in bank_document(path)["items"]
    if item["kind"] == Kind.PROGRAMMING
]


@pytest.mark.docker
@pytest.mark.parametrize("item", PROGRAMMING)
def test_each_programming_reference_passes_its_hidden_tests(item: dict[str, Any]) -> None:
    version = QuestionVersion(
        kind=item["kind"], data=item["data"], key=item["key"], points=Decimal(item["points"])
    )
    result = programming_grade(version=version, code=item["key"]["reference"])
    assert result.fraction == 1.0, (result.verdict, result.tests, result.stderr)
    starter = programming_grade(version=version, code=item["data"]["starter"])
    assert starter.fraction < 1.0
