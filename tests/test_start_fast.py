"""The faster exam start (certification/exams/services.py): the draw reads its inputs
once (``draw.blueprint_inputs``, cached per exam for a few seconds), and the new attempt's
page is built from the items just inserted. Both must give exactly what the old path
gave: the same items, versions, order and choice shuffle for the same seed."""

import random
from typing import Any

import pytest

from certification.exams import draw
from certification.exams import services as exams
from certification.exams.presentation import attempt_view
from certification.exams.selectors import section_pool
from certification.models import Attempt, Exam
from tests.factories import approved_application, choices, question
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
