"""Drawing an attempt's items from its exam's blueprint: the inputs read once
(``blueprint_inputs``, cached per exam for ``EXAM_BLUEPRINT_CACHE_SECONDS``), then a
pure function of them and the attempt's seed (``blueprint_draw``)."""

import random
from dataclasses import dataclass
from time import monotonic

from django.conf import settings

from certification.exams.exposure import Exposure, exposure_pick
from certification.exams.selectors import section_pool
from certification.models import Exam, ExamSection
from core.errors import ApplicationError
from training.models import QuestionVersion, ReviewStatus


class BlueprintError(ApplicationError):
    code = "blueprint"


def _latest_versions(question_ids: list[int]) -> dict[int, QuestionVersion]:
    """Each item's newest published version (a newer draft or one in review waits)."""
    latest: dict[int, QuestionVersion] = {}
    for version in QuestionVersion.objects.filter(
        question_id__in=question_ids, status=ReviewStatus.PUBLISHED
    ).order_by("question_id", "-number"):
        latest.setdefault(version.question_id, version)
    return latest


@dataclass(frozen=True)
class SectionInputs:
    """What one section draws from: its fixed questions in order, and for each
    difficulty ("" for any) the count wanted and the ids of its pool, sorted."""

    section: ExamSection
    fixed: list[int]
    wanted: list[tuple[str, int, list[int]]]


@dataclass(frozen=True)
class Blueprint:
    """Everything a draw reads from the database; ``blueprint_draw`` is a pure
    function of it and the seed."""

    sections: list[SectionInputs]
    shuffle: bool
    latest: dict[int, QuestionVersion]


def blueprint_inputs(*, exam: Exam) -> Blueprint:
    """Reads the exam's sections, their pools and the newest published version of
    every question they may draw. Raises BlueprintError when a section's pool is
    smaller than it wants."""
    sections = []
    for section in (
        exam.sections.select_related("draw_category")
        .prefetch_related("fixed_items", "draw_tags")  # fixed items in position order
        .order_by("position")
    ):
        fixed = [item.question_id for item in section.fixed_items.all()]
        wanted = section.difficulty_mix or ({"": section.draw_count} if section.draw_count else {})
        pool = section_pool(section)  # lazy: read only to draw
        pools = []
        for difficulty, count in sorted(wanted.items()):
            candidates = pool.filter(tags__name=f"difficulty:{difficulty}") if difficulty else pool
            pools.append(
                (difficulty, int(count), sorted(set(candidates.values_list("pk", flat=True))))
            )
        sections.append(SectionInputs(section=section, fixed=fixed, wanted=pools))
    every = {qid for s in sections for qid in s.fixed} | {
        qid for s in sections for _, _, ids in s.wanted for qid in ids
    }
    return Blueprint(
        sections=sections, shuffle=exam.shuffle_questions, latest=_latest_versions(sorted(every))
    )


_BLUEPRINTS: dict[int, tuple[float, Blueprint]] = {}


def blueprint_inputs_cached(*, exam: Exam) -> Blueprint:
    """``blueprint_inputs``, read at most once per ``EXAM_BLUEPRINT_CACHE_SECONDS`` per
    exam and process, so that a wave of starts does not read the blueprint again for
    every candidate (docs/benchmarks.md): a blueprint edit or a newly published
    version reaches new attempts within that time. 0 reads it every time."""
    ttl = settings.EXAM_BLUEPRINT_CACHE_SECONDS
    if ttl <= 0:
        return blueprint_inputs(exam=exam)
    now = monotonic()
    cached = _BLUEPRINTS.get(exam.pk)
    if cached is not None and cached[0] > now:
        return cached[1]
    blueprint = blueprint_inputs(exam=exam)
    _BLUEPRINTS[exam.pk] = (now + ttl, blueprint)
    return blueprint


def blueprint_draw(
    *,
    exam: Exam,
    seed: int,
    exposure: Exposure | None = None,
    blueprint: Blueprint | None = None,
) -> list[tuple[ExamSection, QuestionVersion]]:
    """The items one attempt shows, in order, reproducible from ``seed`` (and, with
    exposure control, from the ``exposure`` it started with: the least-exposed items
    are drawn first, certification/exams/exposure.py). Reads the blueprint unless
    given one. Raises BlueprintError when a section cannot be filled (too few
    matching items)."""
    blueprint = blueprint or blueprint_inputs(exam=exam)
    rng = random.Random(seed)  # noqa: S311 - reproducible shuffles, not secrets
    picks: list[tuple[ExamSection, list[int]]] = []
    used: set[int] = set()
    for inputs in blueprint.sections:
        section = inputs.section
        chosen = list(inputs.fixed)
        used.update(chosen)
        for difficulty, count, pool in inputs.wanted:
            ids = [qid for qid in pool if qid not in used]
            if len(ids) < count:
                label = difficulty or "any"
                raise BlueprintError(
                    f"{section}: needs {count} item(s) of difficulty {label}, only {len(ids)} match"
                )
            picked = (
                rng.sample(ids, count)
                if exposure is None
                else exposure_pick(ids=ids, count=count, rng=rng, exposure=exposure)
            )
            chosen.extend(picked)
            used.update(picked)
        if blueprint.shuffle:
            rng.shuffle(chosen)
        picks.append((section, chosen))
    latest = blueprint.latest
    drawn = [(section, latest[qid]) for section, chosen in picks for qid in chosen if qid in latest]
    if not drawn:
        raise BlueprintError(f"{exam}: the blueprint draws no items")
    return drawn


def _choice_order(version: QuestionVersion, *, shuffle: bool, rng: random.Random) -> list[str]:
    field = QuestionVersion.SHUFFLED_FIELD.get(version.kind)
    if field is None:
        return []
    ids = [str(entry["id"]) for entry in version.data.get(field, [])]
    if shuffle and version.data.get("shuffle", True):
        rng.shuffle(ids)
    return ids
