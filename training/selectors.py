"""Reads of the training app for its pages: a bank if the user may author in it, a
bank's items with their latest version and use, an item's versions, category
paths."""

from dataclasses import dataclass

from django.apps import apps
from django.db.models import Count, Max, OuterRef, QuerySet, Subquery

from core.errors import NotFound
from core.roles import Actor
from training.access import is_author
from training.models import Category, Question, QuestionBank, QuestionImport, QuestionVersion

Kind = QuestionVersion.Kind


def category_paths(*, bank: QuestionBank) -> dict[int, str]:
    """Every category of ``bank`` by id, as its path from the root ("A / B")."""
    rows = {c.pk: (c.parent_id, c.name) for c in Category.objects.filter(bank=bank)}
    paths: dict[int, str] = {}

    def path(pk: int) -> str:
        if pk not in paths:
            parent, name = rows[pk]
            paths[pk] = name if parent is None else f"{path(parent)} / {name}"
        return paths[pk]

    for pk in rows:
        path(pk)
    return paths


@dataclass(frozen=True)
class ItemRow:
    question: Question
    kind: str
    kind_label: str
    latest_number: int
    category_path: str
    tags: list[str]
    attempts: int


def _attempt_counts(question_ids: list[int]) -> dict[int, int]:
    """Attempts showing any version of each item. Attempts belong to
    ``certification``, which depends on this app; the model is looked up through
    the app registry so that this module imports nothing from it."""
    attempt_item = apps.get_model("certification", "AttemptItem")
    rows = (
        attempt_item.objects.filter(version__question_id__in=question_ids)
        .values("version__question_id")
        .annotate(n=Count("attempt_id", distinct=True))
    )
    return {row["version__question_id"]: row["n"] for row in rows}


def bank_items(
    *,
    bank: QuestionBank,
    category: Category | None = None,
    tag: str = "",
    kind: str = "",
) -> list[ItemRow]:
    """The items of ``bank`` with their latest version's number and kind, category
    path, tags and how many attempts use any of their versions. ``category`` keeps
    that category and those below it; ``kind`` filters on the latest version."""
    latest = QuestionVersion.objects.filter(question=OuterRef("pk")).order_by("-number")
    questions = (
        Question.objects.filter(bank=bank)
        .annotate(
            latest_number=Max("versions__number"),
            latest_kind=Subquery(latest.values("kind")[:1]),
        )
        .prefetch_related("tags")
        .order_by("pk")
    )
    if category is not None:
        questions = questions.filter(category_id__in=category.subtree_ids())
    if tag:
        questions = questions.filter(tags__name=tag)
    if kind:
        questions = questions.filter(latest_kind=kind)
    found = list(questions)
    paths = category_paths(bank=bank)
    counts = _attempt_counts([q.pk for q in found])
    labels = dict(Kind.choices)
    return [
        ItemRow(
            question=q,
            kind=q.latest_kind or "",
            kind_label=str(labels.get(q.latest_kind, "")),
            latest_number=q.latest_number or 0,
            category_path=paths.get(q.category_id, "") if q.category_id else "",
            tags=sorted(t.name for t in q.tags.all()),
            attempts=counts.get(q.pk, 0),
        )
        for q in found
    ]


def question_get(*, bank: QuestionBank, question_id: int) -> Question | None:
    """The item ``question_id`` of ``bank``; None when the bank has no such item."""
    return Question.objects.filter(bank=bank, pk=question_id).select_related("category").first()


def question_versions(*, question: Question) -> QuerySet[QuestionVersion]:
    """The item's versions, newest first, with their authors."""
    return question.versions.select_related("created_by").order_by("-number")


def bank_get_for_author(*, user: Actor, slug: str) -> QuestionBank:
    """The bank, if ``user`` may author in it. Raises NotFound otherwise, exactly as
    for a bank that does not exist."""
    if not is_author(user):
        raise NotFound("Not found.")
    bank = QuestionBank.objects.filter(slug=slug).first()
    if bank is None:
        raise NotFound("Not found.")
    return bank


def banks_with_item_counts() -> QuerySet[QuestionBank]:
    """Every bank by title, each with ``items``: how many questions it holds."""
    return QuestionBank.objects.annotate(items=Count("questions")).order_by("title")


def question_import_get_for_requester(*, user: Actor, slug: str, import_id: int) -> QuestionImport:
    """The import ``user`` asked for in bank ``slug``. Raises NotFound otherwise (another
    author's import, another bank's), exactly as for one that does not exist: an
    import's file and progress are its requester's."""
    bank = bank_get_for_author(user=user, slug=slug)
    record = QuestionImport.objects.filter(pk=import_id, bank=bank, requested_by_id=user.pk).first()
    if record is None:
        raise NotFound("Not found.")
    return record


def question_imports_recent(
    *, user: Actor, bank: QuestionBank, limit: int = 10
) -> list[QuestionImport]:
    """``user``'s latest imports into ``bank``, newest first (without their reports)."""
    return list(
        QuestionImport.objects.filter(bank=bank, requested_by_id=user.pk).defer("report")[:limit]
    )
