"""The faster exam start (certification/exams/services.py): the draw reads its inputs
once (``draw.blueprint_inputs``, cached per exam for a few seconds), and the new attempt's
page is built from the items just inserted. Both must give exactly what the old path
gave: the same items, versions, order and choice shuffle for the same seed. The
attempt and its items are written in one statement, and what a candidate sees of a
version is rendered once per version."""

import random
import threading
import time
from contextlib import nullcontext
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from certification.accounts.tokens import api_tokens_issue_many
from certification.exams import draw
from certification.exams import services as exams
from certification.exams.presentation import (
    attempt_view,
    feedback_html,
    item_view,
    review_rights,
)
from certification.exams.selectors import section_pool
from certification.models import Answer, Attempt, AttemptItem, Exam
from tests.factories import approved_application, choices, question
from training.markup import render_inline, render_markdown
from training.models import Category, QuestionBank, QuestionVersion, ReviewStatus, Tag

Kind = QuestionVersion.Kind


def _old_draw(*, exam: Exam, seed: int) -> list[tuple[Any, QuestionVersion]]:
    """The draw as it was before the blueprint was read once (commit dd00a83): the
    reference the new one must equal."""
    rng = random.Random(seed)
    picks: list[tuple[Any, list[int]]] = []
    used: set[int] = set()
    for section in (
        exam.sections.select_related("draw_category")
        .prefetch_related("fixed_items", "draw_tags")
        .order_by("position")
    ):
        chosen = [item.question_id for item in section.fixed_items.all()]
        used.update(chosen)
        wanted = section.difficulty_mix or ({"": section.draw_count} if section.draw_count else {})
        pool = section_pool(section).exclude(pk__in=used)
        for difficulty, count in sorted(wanted.items()):
            candidates = pool.filter(tags__name=f"difficulty:{difficulty}") if difficulty else pool
            ids = sorted(set(candidates.values_list("pk", flat=True)) - used)
            picked = rng.sample(ids, int(count))
            chosen.extend(picked)
            used.update(picked)
        if exam.shuffle_questions:
            rng.shuffle(chosen)
        picks.append((section, chosen))
    latest = draw._latest_versions([qid for _, chosen in picks for qid in chosen])
    return [(section, latest[qid]) for section, chosen in picks for qid in chosen if qid in latest]


@pytest.fixture
def drawn_exam(db) -> Exam:
    """Two sections: fixed items then a draw by category, tags and difficulty, and a
    second draw from the same pool; items shuffled, some with a newer draft."""
    bank = QuestionBank.objects.create(slug="fast", title="fast")
    root = Category.objects.create(bank=bank, name="root")
    child = Category.objects.create(bank=bank, parent=root, name="child")
    easy, hard, cv = (
        Tag.objects.get_or_create(name=n)[0]
        for n in ("difficulty:easy", "difficulty:hard", "domain:cv")
    )
    made = []
    for i in range(16):
        q = question(bank, Kind.SINGLE_CHOICE, {"choices": choices()}, {"fractions": {"a": 1}})
        q.category = child if i % 2 else root
        q.save()
        q.tags.set([easy if i < 10 else hard, cv])
        made.append(q)
    QuestionVersion.objects.create(  # a draft: never drawn
        question=made[3], number=2, kind=Kind.SINGLE_CHOICE, stem="draft", status="draft"
    )
    exam = Exam.objects.create(title="drawn", shuffle_questions=True, shuffle_choices=True)
    first = exam.sections.create(
        position=1, draw_category=root, difficulty_mix={"easy": 3, "hard": 2}
    )
    first.draw_tags.set([cv])
    for position, q in enumerate(made[:2], start=1):
        first.fixed_items.create(question=q, position=position)
    exam.sections.create(position=2, draw_count=4, draw_category=root)
    return exam


def test_the_draw_equals_the_old_one_for_every_seed(drawn_exam, settings):
    settings.EXAM_BLUEPRINT_CACHE_SECONDS = 60
    cached = draw.blueprint_inputs_cached(exam=drawn_exam)
    for seed in range(40):
        old = [(s.pk, v.pk) for s, v in _old_draw(exam=drawn_exam, seed=seed)]
        new = [(s.pk, v.pk) for s, v in exams.blueprint_draw(exam=drawn_exam, seed=seed)]
        again = exams.blueprint_draw(exam=drawn_exam, seed=seed, blueprint=cached)
        assert new == old and [(s.pk, v.pk) for s, v in again] == old
    assert len({tuple(exams.blueprint_draw(exam=drawn_exam, seed=s)) for s in range(10)}) > 1


def test_a_start_equals_the_old_start_for_the_same_seed(
    drawn_exam, demo, candidate, committee, settings, monkeypatch
):
    """Same seed: the same items in the same order with the same choice shuffle as the
    old path, and the page built from memory equals the page read back."""
    settings.EXAM_BLUEPRINT_CACHE_SECONDS = 60
    demo["certification"].written_exam = drawn_exam
    demo["certification"].save(update_fields=["written_exam"])
    approved_application(
        candidate=candidate, certification=demo["certification"], committee=committee
    )
    monkeypatch.setattr("certification.exams.services.secrets.randbits", lambda _bits: 1234567)
    with_cache_cold = exams.attempt_start(candidate=candidate, exam=drawn_exam)
    rng = random.Random(1234567 ^ 0x5EED)
    expected = [
        (position, section.pk, version.pk, draw._choice_order(version, shuffle=True, rng=rng))
        for position, (section, version) in enumerate(_old_draw(exam=drawn_exam, seed=1234567), 1)
    ]
    stored = [
        (i.position, i.section_id, i.version_id, i.choice_order)
        for i in with_cache_cold.items.order_by("position")
    ]
    assert stored == expected
    from_memory = attempt_view(with_cache_cold)
    assert from_memory == attempt_view(Attempt.objects.get(pk=with_cache_cold.pk))
    assert [i["id"] for i in from_memory["items"]] == [
        i.pk for i in with_cache_cold.items.order_by("position")
    ]


def test_the_cached_blueprint_takes_a_new_version_after_its_time(drawn_exam, settings, monkeypatch):
    """A version published while the blueprint is cached reaches draws once the cache
    time has passed, not before; with 0 every draw reads it."""
    settings.EXAM_BLUEPRINT_CACHE_SECONDS = 10
    clock = [1000.0]
    monkeypatch.setattr("certification.exams.draw.monotonic", lambda: clock[0])
    fixed = drawn_exam.sections.get(position=1).fixed_items.get(position=1).question
    before = draw.blueprint_inputs_cached(exam=drawn_exam).latest[fixed.pk]
    newer = QuestionVersion.objects.create(
        question=fixed,
        number=before.number + 1,
        kind=Kind.SINGLE_CHOICE,
        stem="v2",
        data={"choices": choices()},
        key={"fractions": {"a": 1}},
        status=ReviewStatus.PUBLISHED,
    )
    clock[0] += 9
    assert draw.blueprint_inputs_cached(exam=drawn_exam).latest[fixed.pk] == before
    clock[0] += 2
    assert draw.blueprint_inputs_cached(exam=drawn_exam).latest[fixed.pk] == newer
    settings.EXAM_BLUEPRINT_CACHE_SECONDS = 0
    assert draw.blueprint_inputs_cached(exam=drawn_exam) is not draw.blueprint_inputs_cached(
        exam=drawn_exam
    )


# --- One statement per start, pages rendered once per version --------------------
# (docs/benchmarks.md, "Exam delivery", fourth round)


def _old_item_view(item: Any, rights: Any = None) -> dict[str, Any]:
    """``presentation.item_view`` as it was before versions were rendered once (commit
    fe3ba80): the reference the cached one must equal."""
    version = item.version
    data = dict(version.data)
    field = QuestionVersion.SHUFFLED_FIELD.get(version.kind)
    if field and item.choice_order:
        by_id = {str(entry["id"]): entry for entry in data.get(field, [])}
        data[field] = [by_id[i] for i in item.choice_order if i in by_id]
    answer = getattr(item, "answer", None)
    if version.kind == "ordering" and answer is not None:
        by_id = {str(entry["id"]): entry for entry in data.get("items", [])}
        data["items"] = [by_id[i] for i in answer.response.get("order", []) if i in by_id]
    for key in ("choices", "items", "options", "prompts"):
        if key in data:
            data[key] = [
                {"id": str(e["id"]), "text": e["text"], "html": render_inline(str(e["text"]))}
                for e in data[key]
            ]
    view = {
        "id": item.pk,
        "position": item.position,
        "kind": version.kind,
        "kind_label": version.get_kind_display(),
        "stem": version.stem,
        "stem_html": render_markdown(version.stem),
        "points": str(version.points),
        "data": data,
        "answer": {"response": answer.response, "revision": answer.revision} if answer else None,
    }
    if rights and rights.score:
        view["score"] = None if item.points is None else str(item.points)
    if rights and rights.answers:
        view["feedback"] = version.feedback
        view["feedback_html"] = feedback_html(version.feedback)
    return view


@pytest.fixture
def varied_exam(demo, candidate, committee) -> Exam:
    """One item of every kind whose lists an attempt shuffles or renders, with
    markup in stems and choices; the demo certification's written exam."""
    bank = QuestionBank.objects.create(slug="varied", title="varied")
    entries = [{"id": i, "text": f"**{i}** $x^{n}$"} for n, i in enumerate("pqrs")]
    made = [
        question(bank, Kind.SINGLE_CHOICE, {"choices": choices()}, {"fractions": {"a": 1}}),
        question(
            bank,
            Kind.MULTIPLE_CHOICE,
            {"choices": entries, "shuffle": False},
            {"fractions": {"p": 1}},
            stem="Pick *all*: $\\frac{1}{2}$\n\n```python\nprint(1)\n```",
        ),
        question(bank, Kind.ORDERING, {"items": entries}, {"order": list("pqrs")}),
        question(
            bank,
            Kind.MATCHING,
            {"prompts": entries[:2], "options": choices(3)},
            {"pairs": {"p": "a", "q": "b"}},
        ),
        question(bank, Kind.TRUE_FALSE, {}, {"correct": True}, "2.50"),
    ]
    exam = Exam.objects.create(title="varied", shuffle_questions=False, shuffle_choices=True)
    section = exam.sections.create(position=1)
    for position, q in enumerate(made, start=1):
        section.fixed_items.create(question=q, position=position)
    demo["certification"].written_exam = exam
    demo["certification"].save(update_fields=["written_exam"])
    approved_application(
        candidate=candidate, certification=demo["certification"], committee=committee
    )
    return exam


def test_an_item_shows_as_the_uncached_view_showed_it(varied_exam, candidate):
    """New (items in memory) and read back, before and after answers, twice (the
    second time from the per-version cache): what the candidate sees is unchanged."""
    attempt = exams.attempt_start(candidate=candidate, exam=varied_exam)
    ordering = attempt.items.get(version__kind=Kind.ORDERING)
    Answer.objects.create(
        item=ordering, response={"order": list("srqp")}, saved_at=attempt.started_at
    )
    for _time in range(2):
        fresh = list(attempt.items.all())
        read = list(attempt.items.select_related("version", "answer").order_by("position"))
        for item in fresh + read:
            rights = review_rights(attempt)
            assert item_view(item, rights=rights) == _old_item_view(item, rights)
    shown = item_view(read[2])["data"]["items"]
    assert [entry["id"] for entry in shown] == list("srqp")
    assert read[1].choice_order == list("pqrs")  # the version says: do not shuffle
    assert "<strong>" in shown[0]["html"] and "<math" in shown[0]["html"]


def test_the_new_attempt_is_stored_as_shown(varied_exam, candidate):
    """The attempt's row and its items, written in one statement, read back as the
    start returned them: every column, the drawn order and each choice shuffle."""
    attempt = exams.attempt_start(candidate=candidate, exam=varied_exam)
    stored = Attempt.objects.get(pk=attempt.pk)
    for field in Attempt._meta.concrete_fields:
        assert getattr(stored, field.attname) == getattr(attempt, field.attname), field.name
    rng = random.Random(attempt.seed ^ 0x5EED)
    expected = [
        (position, section.pk, version.pk, draw._choice_order(version, shuffle=True, rng=rng))
        for position, (section, version) in enumerate(
            exams.blueprint_draw(exam=varied_exam, seed=attempt.seed), start=1
        )
    ]
    rows = attempt.items.order_by("position").values_list(
        "position", "section_id", "version_id", "choice_order", "points"
    )
    assert [(*row, None) for row in expected] == list(rows)
    in_memory = [
        (i.pk, i.attempt_id, i.position, i.version_id, i.section_id, i.choice_order, i.points)
        for i in attempt.items.all()
    ]
    assert in_memory == list(
        attempt.items.order_by("position").values_list(
            "pk", "attempt_id", "position", "version_id", "section_id", "choice_order", "points"
        )
    )


@pytest.mark.django_db(transaction=True)
def test_a_start_is_one_query_and_one_statement(
    varied_exam, candidate, django_assert_num_queries, settings
):
    """In autocommit (as the web server runs): what the start decides on, then the
    attempt and its items in one INSERT, which is its own transaction: no BEGIN,
    no COMMIT. Through the API, the token with its holder and the holder's roles
    comes first, and the exam is read with what the start decides on. The draw's
    inputs are cached."""
    settings.EXAM_BLUEPRINT_CACHE_SECONDS = 60
    exams.blueprint_inputs_cached(exam=varied_exam)
    with django_assert_num_queries(2):
        first = exams.attempt_start(candidate=candidate, exam=varied_exam)
    first.state = Attempt.State.ABANDONED
    first.save(update_fields=["state"])
    varied_exam.attempts_allowed = 2
    varied_exam.save(update_fields=["attempts_allowed"])
    [token] = api_tokens_issue_many(users=[candidate])
    client = APIClient()
    with django_assert_num_queries(3):
        response = client.post(
            f"/api/v1/exams/{varied_exam.pk}/attempts/", HTTP_AUTHORIZATION=f"Token {token}"
        )
    assert response.status_code == 201
    assert response.json()["number"] == 2 and len(response.json()["items"]) == 5


def test_the_start_api_answers_404_for_an_exam_that_does_not_exist(varied_exam, candidate):
    client = APIClient()
    client.force_authenticate(candidate)
    for exam_id in (varied_exam.pk + 1000, 2**63, 10**30):
        assert client.post(f"/api/v1/exams/{exam_id}/attempts/").status_code == 404
    assert not Attempt.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("in_transaction", [False, True], ids=["autocommit", "in-transaction"])
def test_two_starts_at_the_same_moment_give_one_attempt(varied_exam, candidate, in_transaction):
    """Another request inserts the candidate's attempt between this start's read and
    its INSERT: the INSERT waits for it, fails on the one-active-attempt constraint
    and writes nothing, and the start returns the other's attempt. Inside a caller's
    transaction that transaction stays usable."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    inserted = threading.Event()
    other: list[Any] = []

    def other_start() -> None:
        try:
            with transaction.atomic():
                other.append(
                    Attempt.objects.create(
                        exam=varied_exam,
                        candidate=candidate,
                        seed=1,
                        started_at=timezone.now(),
                        deadline=timezone.now() + timedelta(hours=1),
                    )
                )
                inserted.set()
                with connection.cursor() as cursor:
                    for _poll in range(200):  # until our INSERT waits on its row lock
                        cursor.execute(
                            "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid]
                        )
                        if cursor.fetchone()[0] == "Lock":
                            break
                        time.sleep(0.05)
        finally:
            connection.close()

    thread = threading.Thread(target=other_start)
    thread.start()
    assert inserted.wait(timeout=30)
    with transaction.atomic() if in_transaction else nullcontext():
        started = exams.attempt_start(candidate=candidate, exam=varied_exam)
        assert Attempt.objects.filter(candidate=candidate).count() == 1  # still usable
    thread.join(timeout=30)
    assert started.pk == other[0].pk
    assert not AttemptItem.objects.exists()  # the losing INSERT wrote no items


def test_attempt_items_are_built_in_field_order():
    """``_attempt_insert`` builds the saved items with ``from_db`` from values in the
    model's field order."""
    assert [f.attname for f in AttemptItem._meta.concrete_fields] == exams._ITEM_FIELDS
