"""The item editor: validation of each kind's JSON, edits as new versions (attempts
keep theirs), concurrent and repeated edits, and the instructors' pages."""

import threading
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client

from certification.exams import answers
from certification.exams import services as exams
from certification.exams.presentation import item_view
from certification.models import Exam
from core.roles import Role
from tests.conftest import make_user
from tests.factories import objective_exam, question
from training.models import Category, Question, QuestionBank, QuestionVersion, Rubric, Tag
from training.selectors import bank_items
from training.services.item_examples import version_example
from training.services.item_rules import ItemInvalid, version_validate
from training.services.items import question_create, question_edit
from training.services.review import review_approve, review_submit

Kind = QuestionVersion.Kind
CHOICES = [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}, {"id": "c", "text": "C"}]


@pytest.fixture
def rubric(db: None) -> Rubric:
    return Rubric.objects.create(
        title="Item editor rubric",
        criteria=[{"id": "c1", "name": "c", "levels": [{"id": "l1", "label": "x", "points": 1}]}],
    )


@pytest.fixture
def bank(db: None) -> QuestionBank:
    return QuestionBank.objects.create(slug="editor-bank", title="Editor bank")


@pytest.fixture
def instructor(db: None) -> Any:
    return make_user("author", Role.INSTRUCTOR)


def fields(problems: list[Any]) -> set[str]:
    return {p.field for p in problems}


# --- Validation -----------------------------------------------------------------

GOOD: list[tuple[str, dict[str, Any], dict[str, Any], dict[str, Any], str]] = [
    (
        Kind.SINGLE_CHOICE,
        {"choices": CHOICES, "shuffle": False},
        {"fractions": {"a": 1, "b": 0.5, "c": -0.5}},
        {"general": "g", "choices": {"a": "right"}},
        "1",
    ),
    (
        Kind.MULTIPLE_CHOICE,
        {"choices": CHOICES},
        {"fractions": {"a": 0.34, "b": 0.33, "c": 0.33}},
        {},
        "2.5",
    ),
    (Kind.TRUE_FALSE, {}, {"correct": False}, {"choices": {"true": "no"}}, "1"),
    (
        Kind.FILL_IN,
        {"blanks": ["1", "2"]},
        {
            "blanks": {
                "1": [
                    {"match": "exact", "value": "CNN"},
                    {"match": "regex", "value": "(?i)c.n", "fraction": 0.5},
                ],
                "2": [
                    {"match": "numeric", "value": "64", "tolerance": 0.5, "fraction": 1},
                    {"match": "numeric", "min": 60, "max": 70, "fraction": 0.5},
                ],
            }
        },
        {},
        "2",
    ),
    (
        Kind.MATCHING,
        {"prompts": [{"id": "p1", "text": "x"}], "options": CHOICES[:2]},
        {"pairs": {"p1": "b"}},
        {},
        "3",
    ),
    (Kind.ORDERING, {"items": CHOICES}, {"order": ["c", "a", "b"]}, {}, "1"),
    (
        Kind.PROGRAMMING,
        {
            "language": "python",
            "starter": "def f(x):\n    ...\n",
            "sample_tests": [{"name": "s", "call": "f(1)", "expected": "2"}],
        },
        {
            "tests": [
                {"name": "t1", "call": "f(1)", "expected": "2", "weight": 1},
                {"name": "t2", "call": "f(2)", "expected": "3", "weight": 2.5},
            ],
            "time_limit": 5,
        },
        {},
        "3",
    ),
    (Kind.DESCRIPTION, {}, {}, {"general": ""}, "0"),
]


@pytest.mark.parametrize("kind,data,key,feedback,points", GOOD, ids=[g[0] for g in GOOD])
def test_good_shapes_have_no_problems(
    db: None, kind: str, data: Any, key: Any, feedback: Any, points: str
) -> None:
    stem = "[[1]] and [[2]]" if kind == Kind.FILL_IN else "stem"
    problems = version_validate(
        kind=kind, data=data, key=key, feedback=feedback, points=points, stem=stem
    )
    assert problems == []


@pytest.mark.parametrize("kind", [Kind.SHORT_ANSWER, Kind.CASE_ANALYSIS])
def test_manual_kinds_need_an_existing_rubric(rubric: Rubric, kind: str) -> None:
    def check(key: Any) -> set[str]:
        return fields(version_validate(kind=kind, data={}, key=key, feedback={}, points="4"))

    assert check({"model_answer": "m", "rubric": rubric.pk}) == set()
    assert check({"model_answer": "m", "rubric": None}) == {"key"}
    assert check({"model_answer": "m", "rubric": rubric.pk + 10_000}) == {"key"}
    assert check({"model_answer": 3, "rubric": rubric.pk}) == {"key"}


@pytest.mark.parametrize("kind", Kind.values)
def test_every_example_skeleton_is_valid(rubric: Rubric, kind: str) -> None:
    example = version_example(kind=kind)
    assert version_validate(kind=kind, **example) == []


BAD: list[tuple[str, str, Any, Any, Any, str, str]] = [
    # (case, kind, data, key, feedback, points, the field that is wrong)
    ("choices not a list", Kind.SINGLE_CHOICE, {"choices": "a"}, {"fractions": {}}, {}, "1", "data"),
    ("empty id", Kind.SINGLE_CHOICE, {"choices": [{"id": "", "text": "x"}, *CHOICES[:1]]},
     {"fractions": {"a": 1}}, {}, "1", "data"),
    ("repeated id", Kind.SINGLE_CHOICE, {"choices": [CHOICES[0], CHOICES[0]]},
     {"fractions": {"a": 1}}, {}, "1", "data"),
    ("one choice", Kind.SINGLE_CHOICE, {"choices": CHOICES[:1]}, {"fractions": {"a": 1}}, {},
     "1", "data"),
    ("fraction for unknown id", Kind.SINGLE_CHOICE, {"choices": CHOICES},
     {"fractions": {"a": 1, "z": 0.5}}, {}, "1", "key"),
    ("no full credit", Kind.SINGLE_CHOICE, {"choices": CHOICES}, {"fractions": {"a": 0.5}}, {},
     "1", "key"),
    ("fraction out of range", Kind.MULTIPLE_CHOICE, {"choices": CHOICES},
     {"fractions": {"a": 2}}, {}, "1", "key"),
    ("fraction is text", Kind.MULTIPLE_CHOICE, {"choices": CHOICES},
     {"fractions": {"a": "1"}}, {}, "1", "key"),
    ("full marks unreachable", Kind.MULTIPLE_CHOICE, {"choices": CHOICES},
     {"fractions": {"a": 0.5, "b": 0.3}}, {}, "1", "key"),
    ("feedback for unknown choice", Kind.SINGLE_CHOICE, {"choices": CHOICES},
     {"fractions": {"a": 1}}, {"choices": {"z": "?"}}, "1", "feedback"),
    ("true/false key not bool", Kind.TRUE_FALSE, {}, {"correct": "true"}, {}, "1", "key"),
    ("blank without rules", Kind.FILL_IN, {"blanks": ["1"]}, {"blanks": {"1": []}}, {}, "1",
     "key"),
    ("unknown rule type", Kind.FILL_IN, {"blanks": ["1"]},
     {"blanks": {"1": [{"match": "fuzzy", "value": "x"}]}}, {}, "1", "key"),
    ("regex does not compile", Kind.FILL_IN, {"blanks": ["1"]},
     {"blanks": {"1": [{"match": "regex", "value": "(unclosed"}]}}, {}, "1", "key"),
    ("numeric value not a number", Kind.FILL_IN, {"blanks": ["1"]},
     {"blanks": {"1": [{"match": "numeric", "value": "many"}]}}, {}, "1", "key"),
    ("negative tolerance", Kind.FILL_IN, {"blanks": ["1"]},
     {"blanks": {"1": [{"match": "numeric", "value": "1", "tolerance": -1}]}}, {}, "1", "key"),
    ("range upside down", Kind.FILL_IN, {"blanks": ["1"]},
     {"blanks": {"1": [{"match": "numeric", "min": 5, "max": 1}]}}, {}, "1", "key"),
    ("no rule earns credit", Kind.FILL_IN, {"blanks": ["1"]},
     {"blanks": {"1": [{"match": "ci", "value": "x", "fraction": 0}]}}, {}, "1", "key"),
    ("key blanks differ from data", Kind.FILL_IN, {"blanks": ["1"]},
     {"blanks": {"2": [{"match": "ci", "value": "x"}]}}, {}, "1", "key"),
    ("blank not in stem", Kind.FILL_IN, {"blanks": ["1", "2"]},
     {"blanks": {"1": [{"match": "ci", "value": "x"}], "2": [{"match": "ci", "value": "y"}]}},
     {}, "1", "stem"),
    ("pair for unknown prompt", Kind.MATCHING,
     {"prompts": [{"id": "p1", "text": "x"}], "options": CHOICES},
     {"pairs": {"p1": "a", "p9": "b"}}, {}, "1", "key"),
    ("pair to unknown option", Kind.MATCHING,
     {"prompts": [{"id": "p1", "text": "x"}], "options": CHOICES}, {"pairs": {"p1": "z"}}, {},
     "1", "key"),
    ("prompt without answer", Kind.MATCHING,
     {"prompts": [{"id": "p1", "text": "x"}, {"id": "p2", "text": "y"}], "options": CHOICES},
     {"pairs": {"p1": "a"}}, {}, "1", "key"),
    ("order misses an item", Kind.ORDERING, {"items": CHOICES}, {"order": ["a", "b"]}, {}, "1",
     "key"),
    ("order repeats an item", Kind.ORDERING, {"items": CHOICES[:2]}, {"order": ["a", "a"]}, {},
     "1", "key"),
    ("ordering item without text", Kind.ORDERING, {"items": [{"id": "a"}, {"id": "b"}]},
     {"order": ["a", "b"]}, {}, "1", "data"),
    ("not python", Kind.PROGRAMMING, {"language": "ruby", "sample_tests": []},
     {"tests": [{"name": "t", "call": "f()", "expected": "1"}]}, {}, "1", "data"),
    ("no hidden tests", Kind.PROGRAMMING, {"language": "python"}, {"tests": []}, {}, "1", "key"),
    ("test without expected", Kind.PROGRAMMING, {"language": "python"},
     {"tests": [{"name": "t", "call": "f()"}]}, {}, "1", "key"),
    ("test weight zero", Kind.PROGRAMMING, {"language": "python"},
     {"tests": [{"name": "t", "call": "f()", "expected": "1", "weight": 0}]}, {}, "1", "key"),
    ("time limit too long", Kind.PROGRAMMING, {"language": "python"},
     {"tests": [{"name": "t", "call": "f()", "expected": "1"}], "time_limit": 3600}, {}, "1",
     "key"),
    ("description with a key", Kind.DESCRIPTION, {}, {"correct": True}, {}, "0", "key"),
    ("description with points", Kind.DESCRIPTION, {}, {}, {}, "2", "points"),
    ("negative points", Kind.TRUE_FALSE, {}, {"correct": True}, {}, "-1", "points"),
    ("too many points", Kind.TRUE_FALSE, {}, {"correct": True}, {}, "10000", "points"),
    ("three decimals", Kind.TRUE_FALSE, {}, {"correct": True}, {}, "1.005", "points"),
    ("points not a number", Kind.TRUE_FALSE, {}, {"correct": True}, {}, "lots", "points"),
    ("data not an object", Kind.TRUE_FALSE, [], {"correct": True}, {}, "1", "data"),
    ("feedback not an object", Kind.TRUE_FALSE, {}, {"correct": True}, "nice", "1", "feedback"),
    ("unknown kind", "essay", {}, {}, {}, "1", "kind"),
]  # fmt: skip


@pytest.mark.parametrize(
    "kind,data,key,feedback,points,field", [b[1:] for b in BAD], ids=[b[0] for b in BAD]
)
def test_bad_shapes_name_the_field(
    db: None, kind: str, data: Any, key: Any, feedback: Any, points: str, field: str
) -> None:
    problems = version_validate(
        kind=kind, data=data, key=key, feedback=feedback, points=points, stem="[[1]]"
    )
    assert field in fields(problems), problems
    assert all(" / " in p.reason for p in problems)  # "中文 / English"


# --- Creating and editing -------------------------------------------------------


def content(**changes: Any) -> dict[str, Any]:
    base = {
        "kind": Kind.SINGLE_CHOICE,
        "stem": "Which one?",
        "data": {"choices": CHOICES},
        "key": {"fractions": {"b": 1}},
        "feedback": {"general": "b it is"},
        "points": "1",
    }
    return {**base, **changes}


def create(bank: QuestionBank, actor: Any, **changes: Any) -> Question:
    saved = question_create(
        bank=bank, category=None, name="Q", tags=["topic:x"], actor=actor, **content(**changes)
    )
    return saved.question


def edit(q: Question, actor: Any, **changes: Any) -> Any:
    identity: dict[str, Any] = {"name": q.name, "category": q.category, "tags": ["topic:x"]}
    identity.update({k: changes.pop(k) for k in list(changes) if k in identity})
    return question_edit(question=q, actor=actor, **identity, **content(**changes))


def test_create_makes_version_one_with_its_author(bank: QuestionBank, instructor: Any) -> None:
    root = Category.objects.create(bank=bank, name="Root")
    saved = question_create(
        bank=bank,
        category=root,
        name="  First  ",
        tags=["topic:x", " topic:y ", "topic:x"],
        actor=instructor,
        **content(stem="line 1\r\nline 2"),
    )
    q = saved.question
    assert saved.created and saved.version.number == 1
    assert (q.name, q.category, q.created_by) == ("First", root, instructor)
    assert sorted(q.tags.values_list("name", flat=True)) == ["topic:x", "topic:y"]
    v = q.versions.get()
    assert (v.created_by, v.stem, v.points) == (instructor, "line 1\nline 2", Decimal("1.00"))


def test_invalid_create_writes_nothing(bank: QuestionBank, instructor: Any) -> None:
    other = QuestionBank.objects.create(slug="other", title="Other")
    foreign = Category.objects.create(bank=other, name="Theirs")
    tags_before = Tag.objects.count()
    with pytest.raises(ItemInvalid) as raised:
        question_create(
            bank=bank,
            category=foreign,
            name="x" * 201,
            tags=["new-tag", "t" * 101],
            actor=instructor,
            **content(key={"fractions": {"z": 1}}, points="-3"),
        )
    assert {"name", "category", "tags", "key", "points"} <= fields(list(raised.value.problems))
    assert raised.value.message == "题目有误，未保存"
    assert not Question.objects.filter(bank=bank).exists()
    assert Tag.objects.count() == tags_before


def test_edit_makes_the_next_version_and_keeps_the_earlier(
    bank: QuestionBank, instructor: Any
) -> None:
    other = make_user("second-author", Role.INSTRUCTOR)
    q = create(bank, instructor)
    saved = edit(q, other, key={"fractions": {"c": 1}}, stem="Which one now?")
    assert saved.created and saved.version.number == 2 and saved.version.created_by == other
    first, second = q.versions.order_by("number")
    assert (first.stem, first.key, first.created_by) == (
        "Which one?",
        {"fractions": {"b": 1}},
        instructor,
    )
    assert (second.stem, second.key) == ("Which one now?", {"fractions": {"c": 1}})
    assert edit(q, other, points="3").version.number == 3


def test_identical_edit_creates_nothing(bank: QuestionBank, instructor: Any) -> None:
    q = create(bank, instructor)
    saved = edit(q, instructor, stem="Which one?\r\n".strip(), points="1.00")
    assert not saved.created and saved.version.number == 1
    assert q.versions.count() == 1


def test_name_category_and_tags_change_the_item_not_its_versions(
    bank: QuestionBank, instructor: Any
) -> None:
    q = create(bank, instructor)
    child = Category.objects.create(bank=bank, name="Child")
    saved = edit(q, instructor, name="Renamed", category=child, tags=["topic:z"])
    assert not saved.created and q.versions.count() == 1
    q.refresh_from_db()
    assert (q.name, q.category) == ("Renamed", child)
    assert list(q.tags.values_list("name", flat=True)) == ["topic:z"]


def test_invalid_edit_changes_nothing(bank: QuestionBank, instructor: Any) -> None:
    q = create(bank, instructor)
    with pytest.raises(ItemInvalid):
        edit(q, instructor, name="Renamed", tags=["topic:new"], key={"fractions": {"a": 0.2}})
    q.refresh_from_db()
    assert q.name == "Q" and q.versions.count() == 1
    assert list(q.tags.values_list("name", flat=True)) == ["topic:x"]
    assert not Tag.objects.filter(name="topic:new").exists()


def test_an_attempt_keeps_showing_and_scoring_its_version(db: None, instructor: Any) -> None:
    """Given an attempt started on version 1, when the item is edited so that another
    choice is right, then the attempt still shows and scores version 1; the next
    attempt still gets version 1 while version 2 is a draft, and version 2 once a
    second instructor has published it."""
    exam = objective_exam(mode=Exam.Mode.PRACTICE, attempts_allowed=5)
    alice, bob = make_user("alice", Role.CANDIDATE), make_user("bob", Role.CANDIDATE)
    attempt = exams.attempt_start(candidate=alice, exam=exam)
    item = attempt.items.select_related("version").get(version__kind=Kind.SINGLE_CHOICE)
    q = item.version.question

    saved = question_edit(
        question=q,
        name=q.name,
        category=None,
        tags=[],
        actor=instructor,
        **content(stem="Edited stem", data={"choices": CHOICES}, key={"fractions": {"c": 1}}),
    )

    assert saved.version.number == 2
    item.refresh_from_db()
    assert item.version.number == 1
    assert item_view(item)["stem"] == "single_choice?"
    answers.answer_save(attempt=attempt, item_id=item.pk, response={"choice": "b"}, revision=1)
    exams.attempt_submit(attempt=attempt)
    item.refresh_from_db()
    assert item.points == Decimal("1.00")  # version 1's key: b was right
    meanwhile = exams.attempt_start(candidate=bob, exam=exam)
    assert meanwhile.items.get(version__question=q).version.number == 1  # v2 is a draft
    exams.attempt_submit(attempt=meanwhile)
    review_submit(version=saved.version, actor=instructor)
    review_approve(version=saved.version, actor=make_user("reviewer", Role.INSTRUCTOR))
    later = exams.attempt_start(candidate=bob, exam=exam)
    later_item = later.items.get(version__question=q)
    assert later_item.version == saved.version
    assert bank_items(bank=q.bank, kind=Kind.SINGLE_CHOICE)[0].attempts == 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_edits_get_distinct_numbers() -> None:
    """Two edits that arrive while the item is locked both wait, then take 2 and 3:
    neither reads the same latest version, neither fails on the unique number."""
    bank = QuestionBank.objects.create(slug="race-bank", title="Race")
    author = make_user("racer", Role.INSTRUCTOR)
    q = create(bank, author)
    errors: list[BaseException] = []
    results: list[int] = []

    def run(points: str) -> None:
        try:
            results.append(edit(q, author, points=points).version.number)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(p,)) for p in ("2", "3")]
    with transaction.atomic():
        Question.objects.select_for_update().get(pk=q.pk)  # both edits must wait here
        for t in threads:
            t.start()
        threads[0].join(0.5)
        assert all(t.is_alive() for t in threads)  # blocked on the lock
    for t in threads:
        t.join(10)
    assert errors == []
    assert sorted(results) == [2, 3]
    assert sorted(q.versions.values_list("number", flat=True)) == [1, 2, 3]


@pytest.mark.django_db(transaction=True)
def test_the_same_new_item_form_sent_twice_at_once_makes_one_item() -> None:
    """Both submissions of one form race on the unique token: the one that loses
    waits for the winner's commit, then answers with the winner's item."""
    bank = QuestionBank.objects.create(slug="token-bank", title="Token")
    author = make_user("twin", Role.INSTRUCTOR)
    token = "f" * 32
    results: list[tuple[int, bool]] = []
    errors: list[BaseException] = []

    def submit() -> None:
        try:
            saved = question_create(
                bank=bank,
                category=None,
                name="Twin",
                tags=[],
                actor=author,
                token=token,
                **content(),
            )
            results.append((saved.question.pk, saved.created))
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    with transaction.atomic():  # the first submission, still writing
        first = question_create(
            bank=bank, category=None, name="Twin", tags=[], actor=author, token=token, **content()
        )
        for t in threads:
            t.start()
        threads[0].join(0.5)
        assert all(t.is_alive() for t in threads)  # blocked on the token's unique index
    for t in threads:
        t.join(10)
    assert errors == []
    assert results == [(first.question.pk, False)] * 2
    assert Question.objects.filter(bank=bank).count() == 1
    again = question_create(
        bank=bank, category=None, name="Twin", tags=[], actor=author, token=token, **content()
    )
    assert (again.question.pk, again.created) == (first.question.pk, False)


def test_bank_items_lists_and_filters(bank: QuestionBank, instructor: Any) -> None:
    root = Category.objects.create(bank=bank, name="Root")
    child = Category.objects.create(bank=bank, parent=root, name="Child")
    a = question_create(
        bank=bank, category=child, name="A", tags=["topic:a"], actor=instructor, **content()
    ).question
    b = question_create(
        bank=bank,
        category=None,
        name="B",
        tags=["topic:b"],
        actor=instructor,
        **content(kind=Kind.TRUE_FALSE, data={}, key={"correct": True}, feedback={}),
    ).question
    edit(
        b,
        instructor,
        name="B",
        tags=["topic:b"],
        kind=Kind.TRUE_FALSE,
        data={},
        key={"correct": False},
        feedback={},
    )

    rows = {row.question.pk: row for row in bank_items(bank=bank)}
    assert rows[a.pk].category_path == "Root / Child" and rows[a.pk].tags == ["topic:a"]
    assert (rows[b.pk].latest_number, rows[b.pk].kind, rows[b.pk].attempts) == (2, "true_false", 0)
    assert [r.question for r in bank_items(bank=bank, category=root)] == [a]
    assert [r.question for r in bank_items(bank=bank, tag="topic:b")] == [b]
    assert [r.question for r in bank_items(bank=bank, kind=Kind.SINGLE_CHOICE)] == [a]


def test_factory_items_are_valid_for_the_editor(db: None) -> None:
    """Items made the way the other tests make them pass the editor's rules, so an
    instructor can open and re-save them."""
    bank = QuestionBank.objects.create(slug="factory-bank", title="F")
    q = question(
        bank,
        Kind.FILL_IN,
        {"blanks": ["1"]},
        {"blanks": {"1": [{"match": "ci", "value": "CNN"}]}},
        stem="[[1]]",
    )
    v = q.latest_version()
    assert (
        version_validate(
            kind=v.kind, data=v.data, key=v.key, feedback=v.feedback, points=v.points, stem=v.stem
        )
        == []
    )


def test_every_demo_item_is_valid_for_the_editor(demo: dict[str, Any]) -> None:
    versions = [q.latest_version() for q in Question.objects.filter(bank__slug="beginner-cv-bank")]
    assert versions
    for v in versions:
        problems = version_validate(
            kind=v.kind, data=v.data, key=v.key, feedback=v.feedback, points=v.points, stem=v.stem
        )
        assert problems == [], (v.kind, problems)


# --- Pages ----------------------------------------------------------------------


@pytest.fixture
def item(bank: QuestionBank, instructor: Any) -> Question:
    root = Category.objects.create(bank=bank, name="Root")
    return question_create(
        bank=bank,
        category=root,
        name="Sigmoid",
        tags=["topic:activation"],
        actor=instructor,
        **content(stem="Range of $\\sigma(x)$?"),
    ).question


@pytest.fixture
def author(instructor: Any) -> Client:
    client = Client()
    client.force_login(instructor)
    return client


def url(bank: QuestionBank, q: Question | None = None, page: str = "") -> str:
    base = f"/banks/{bank.slug}/items/"
    return base if q is None else f"{base}{q.pk}/{page}"


def form_payload(response: Any, **changes: str) -> dict[str, str]:
    """What the browser sends back when the form is submitted as shown, with
    ``changes`` typed into it."""
    initial = response.context["form"].initial
    payload = {k: "" if v is None else str(v) for k, v in initial.items()}
    payload.update(changes)
    return payload


def test_list_shows_items_with_versions_and_filters(
    author: Client, bank: QuestionBank, item: Question, instructor: Any
) -> None:
    other = question_create(
        bank=bank,
        category=None,
        name="Judge",
        tags=["topic:data"],
        actor=instructor,
        **content(kind=Kind.TRUE_FALSE, data={}, key={"correct": True}, feedback={}),
    ).question
    edit(item, instructor, points="2", tags=["topic:activation"])

    page = author.get(url(bank)).content.decode()
    assert "Sigmoid" in page and "Judge" in page and "Root" in page and "v2" in page
    assert f'href="{url(bank, item, "edit/")}"' in page

    by_kind = author.get(url(bank), {"kind": Kind.TRUE_FALSE}).content.decode()
    assert "Judge" in by_kind and "Sigmoid" not in by_kind
    by_tag = author.get(url(bank), {"tag": "topic:activation"}).content.decode()
    assert "Sigmoid" in by_tag and "Judge" not in by_tag
    by_category = author.get(url(bank), {"category": item.category_id}).content.decode()
    assert "Sigmoid" in by_category and "Judge" not in by_category
    assert other.versions.count() == 1


def test_banks_page_links_to_the_items(author: Client, bank: QuestionBank) -> None:
    assert f'href="{url(bank)}"' in author.get("/banks/").content.decode()


@pytest.mark.parametrize("kind", Kind.values)
def test_new_item_from_the_example_of_each_kind(
    author: Client, bank: QuestionBank, rubric: Rubric, kind: str
) -> None:
    shown = author.get(url(bank) + "new/", {"kind": kind})
    assert shown.status_code == 200

    response = author.post(url(bank) + "new/", form_payload(shown, name="Fresh"), follow=True)

    q = Question.objects.get(bank=bank, name="Fresh")
    assert response.redirect_chain[-1][0] == url(bank, q, "edit/")
    assert "已保存为第 1 版" in response.content.decode()
    assert q.latest_version().kind == kind


def test_unknown_kind_is_not_found(author: Client, bank: QuestionBank) -> None:
    assert author.get(url(bank) + "new/", {"kind": "essay"}).status_code == 404


def test_edit_form_shows_the_latest_version_and_its_preview(
    author: Client, bank: QuestionBank, item: Question
) -> None:
    response = author.get(url(bank, item, "edit/"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Range of $\\sigma(x)$?" in page  # the source, in the textarea
    assert "<math" in page  # the rendered preview
    initial = response.context["form"].initial
    assert initial["tags"] == "topic:activation" and initial["category"] == item.category_id
    assert '"fractions"' in initial["key_json"] and initial["feedback_general"] == "b it is"


def test_saving_a_change_makes_the_next_version(
    author: Client, bank: QuestionBank, item: Question
) -> None:
    shown = author.get(url(bank, item, "edit/"))
    payload = form_payload(
        shown, stem="New stem", key_json='{"fractions": {"c": 1}}', tags="topic:a， topic:b"
    )

    response = author.post(url(bank, item, "edit/"), payload, follow=True)

    assert "已保存为第 2 版" in response.content.decode()
    latest = item.latest_version()
    assert (latest.number, latest.stem, latest.key) == (2, "New stem", {"fractions": {"c": 1}})
    assert latest.feedback == {"general": "b it is"}
    assert sorted(item.tags.values_list("name", flat=True)) == ["topic:a", "topic:b"]


def test_saving_in_english_says_so_in_english(
    author: Client, bank: QuestionBank, item: Question
) -> None:
    shown = author.get(url(bank, item, "edit/"))
    response = author.post(
        url(bank, item, "edit/"),
        form_payload(shown, points="5"),
        follow=True,
        headers={"accept-language": "en"},
    )
    assert "Saved as version 2 (a draft)." in response.content.decode()


def test_double_submit_makes_one_version(
    author: Client, bank: QuestionBank, item: Question
) -> None:
    payload = form_payload(author.get(url(bank, item, "edit/")), stem="Twice")

    first = author.post(url(bank, item, "edit/"), payload, follow=True)
    second = author.post(url(bank, item, "edit/"), payload, follow=True)

    assert "已保存为第 2 版" in first.content.decode()
    assert "内容与第 2 版相同，未创建新版本" in second.content.decode()
    assert list(item.versions.values_list("number", flat=True)) == [2, 1]


def test_double_submit_of_a_new_item_creates_one(author: Client, bank: QuestionBank) -> None:
    payload = form_payload(author.get(url(bank) + "new/"), name="Once")

    first = author.post(url(bank) + "new/", payload)
    second = author.post(url(bank) + "new/", payload)

    q = Question.objects.get(bank=bank, name="Once")
    assert first["Location"] == second["Location"] == url(bank, q, "edit/")
    assert q.versions.count() == 1


def test_broken_json_keeps_everything_typed_and_lists_the_problem(
    author: Client, bank: QuestionBank, item: Question
) -> None:
    payload = form_payload(
        author.get(url(bank, item, "edit/")),
        name="Typed name",
        stem="A stem I typed <b>with care</b>",
        data_json='{"choices": [ {"id": "a"',
        feedback_general="My feedback",
    )

    response = author.post(url(bank, item, "edit/"), payload)

    page = response.content.decode()
    assert response.status_code == 400
    form = response.context["form"]
    assert "data_json" in form.errors and "JSON 无效：第 1 行" in form.errors["data_json"][0]
    for field in ("name", "stem", "data_json", "key_json", "feedback_general", "tags", "points"):
        assert form[field].value() == payload[field]
    assert "A stem I typed &lt;b&gt;with care&lt;/b&gt;" in page  # kept, and escaped
    assert "Typed name" in page and "My feedback" in page
    assert item.versions.count() == 1
    item.refresh_from_db()
    assert item.name == "Sigmoid"


def test_every_problem_is_listed_next_to_its_field(
    author: Client, bank: QuestionBank, item: Question
) -> None:
    payload = form_payload(
        author.get(url(bank, item, "edit/")),
        key_json='{"fractions": {"z": 1}}',
        points="-1",
        feedback_json='{"choices": {"q": "?"}}',
    )

    response = author.post(url(bank, item, "edit/"), payload)

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"key_json", "points", "feedback_json"}
    assert any("fractions" in e for e in errors["key_json"])
    page = response.content.decode()
    key_block = page.split('id="field-key_json"')[1].split("</p>")[0]
    assert "z" in key_block and "errorlist" in key_block
    assert payload["key_json"].replace('"', "&quot;") in page
    assert item.versions.count() == 1


def test_history_lists_every_version_with_its_stem(
    author: Client, bank: QuestionBank, item: Question, instructor: Any
) -> None:
    edit(item, make_user("second", Role.INSTRUCTOR), stem="**Bold** second", points="2")

    page = author.get(url(bank, item)).content.decode()

    assert 'id="version-1"' in page and 'id="version-2"' in page
    assert "<strong>Bold</strong> second" in page and "<math" in page
    assert "second" in page and instructor.username in page


@pytest.mark.parametrize("role", [None, Role.CANDIDATE, Role.EXAMINER])
def test_others_cannot_see_or_save_items(
    bank: QuestionBank, item: Question, role: Role | None
) -> None:
    client = Client()
    if role is not None:
        client.force_login(make_user(f"user-{role}", role))
    pages = [url(bank), url(bank) + "new/", url(bank, item), url(bank, item, "edit/")]
    payload = {"name": "x", "kind": "true_false", "points": "1", "stem": "s",
               "key_json": '{"correct": true}'}  # fmt: skip

    for page in pages:
        response = client.get(page)
        assert response.status_code == (302 if role is None else 404)
    for page in (url(bank) + "new/", url(bank, item, "edit/")):
        response = client.post(page, payload)
        assert response.status_code == (302 if role is None else 404)
        if role is None:
            assert "/accounts/login/" in response["Location"]

    assert Question.objects.filter(bank=bank).count() == 1 and item.versions.count() == 1


def test_an_item_of_another_bank_is_not_found(
    author: Client, bank: QuestionBank, item: Question
) -> None:
    other = QuestionBank.objects.create(slug="other-bank", title="Other")
    assert author.get(url(other, item, "edit/")).status_code == 404
    assert author.get(url(other, item)).status_code == 404
    assert author.get("/banks/no-such-bank/items/").status_code == 404


def test_reading_pages_take_no_post(author: Client, bank: QuestionBank, item: Question) -> None:
    assert author.post(url(bank)).status_code == 405
    assert author.post(url(bank, item)).status_code == 405
    assert item.versions.count() == 1


def test_writes_need_the_csrf_token(bank: QuestionBank, item: Question, instructor: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(instructor)
    payload = form_payload(client.get(url(bank, item, "edit/")), stem="Forged")
    assert client.post(url(bank, item, "edit/"), payload).status_code == 403
    assert item.versions.count() == 1


def test_the_editor_pages_speak_english(author: Client, bank: QuestionBank, item: Question) -> None:
    from tests.test_i18n import leftover_chinese

    edit(item, item.created_by, points="2", tags=["topic:activation"])
    english = {"headers": {"accept-language": "en"}}
    for page in (url(bank), url(bank, item), url(bank, item, "edit/"), "/banks/"):
        response = author.get(page, **english)
        assert response.status_code == 200
        content = {
            *QuestionBank.objects.values_list("title", flat=True),
            *Rubric.objects.values_list("title", flat=True),
        }
        main = response.content.decode().split('<main id="main" tabindex="-1">')[1]
        main = main.split("</main>")[0]
        assert leftover_chinese(main, content) == [], page  # the top bar: tests/test_i18n.py
    broken = form_payload(author.get(url(bank, item, "edit/")), key_json="{", points="x")
    response = author.post(url(bank, item, "edit/"), broken, **english)
    page = response.content.decode()
    assert "Invalid JSON: line 1" in page and "field" in page
    assert "JSON 无效" not in page
