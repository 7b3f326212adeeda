"""Storing imported items in a bank and exporting a bank: the database side of
``training.interchange`` (which parses and writes files and touches no database)."""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import User
from django.db import transaction

from training.interchange import EXPORT_FORMATS, ImportProblems, ItemDraft, Problem, qti
from training.interchange import write as write_file
from training.models import Category, Question, QuestionBank, QuestionVersion, ReviewStatus, Tag
from training.services.item_rules import CATEGORY_NAME_MAX, TAG_MAX, version_validate

QUESTION_IMPORT_MAX_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class ImportedItem:
    line: int
    kind: str
    name: str
    category: tuple[str, ...]
    tags: tuple[str, ...]
    question_id: int | None  # None in a dry run


@dataclass(frozen=True)
class ImportReport:
    """What an import created (or, in a dry run, would create)."""

    dry_run: bool
    items: tuple[ImportedItem, ...]
    new_categories: tuple[tuple[str, ...], ...]
    new_tags: tuple[str, ...]
    skipped: tuple[Problem, ...] = field(default=())

    @property
    def created(self) -> int:
        return len(self.items)


def _points(draft: ItemDraft) -> Decimal | str:
    """The points as stored (two decimals); the text as given when not a number."""
    try:
        return Decimal(str(draft.points)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return str(draft.points)


def _validate(drafts: Sequence[ItemDraft]) -> list[Problem]:
    """What the database would refuse or grading could not use, found before
    anything is written: the same rules as the item editor (item_rules)."""
    problems = []
    for d in drafts:
        where = d.source_line
        if any(not part or len(part) > CATEGORY_NAME_MAX for part in d.category):
            problems.append(
                Problem(where, f"a category name must be 1 to {CATEGORY_NAME_MAX} characters")
            )
        if any(not tag or len(tag) > TAG_MAX for tag in d.tags):
            problems.append(Problem(where, f"a tag must be 1 to {TAG_MAX} characters"))
        found = version_validate(
            kind=d.kind,
            data=d.data,
            key=d.key,
            feedback=d.feedback,
            points=_points(d),
            stem=d.stem,
            rubric_required=False,
        )
        problems += [Problem(where, f"{p.field}: {p.reason}") for p in found]
    return problems


def _category(
    bank: QuestionBank,
    path: tuple[str, ...],
    cache: dict[tuple[str, ...], Category | None],
    new: list[tuple[str, ...]],
) -> Category | None:
    if path in cache:
        return cache[path]
    parent = _category(bank, path[:-1], cache, new)
    category, created = Category.objects.get_or_create(bank=bank, parent=parent, name=path[-1])
    if created:
        new.append(path)
    cache[path] = category
    return category


def questions_import(
    *,
    bank: QuestionBank,
    drafts: Sequence[ItemDraft],
    created_by: User | None,
    dry_run: bool = False,
    categories: Iterable[tuple[str, ...]] = (),
    skipped: Sequence[Problem] = (),
    status: str = ReviewStatus.PUBLISHED,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Creates, in one transaction, the categories (by path, also the empty ones in
    ``categories``), the tags and, per draft, a Question with its version 1. A dry run
    does all of it and rolls back, so the report says exactly what would be created.

    Raises ImportProblems (nothing written) when a draft breaks a database rule.
    Not idempotent: importing the same file twice creates the items twice (categories
    and tags are reused).

    ``status``: the instructors' import page sends items to review (``in_review``), so
    a second author approves them as for items written in the studio; the operators'
    command line (``import_questions``) publishes them.

    ``progress(done, total)`` is called after each draft is stored (inside the
    transaction: what it records must live outside the database to be seen)."""
    problems = _validate(drafts)
    if problems:
        raise ImportProblems(problems)
    new_categories: list[tuple[str, ...]] = []
    new_tags: list[str] = []
    items: list[ImportedItem] = []
    with transaction.atomic():
        cache: dict[tuple[str, ...], Category | None] = {(): None}
        for path in [*categories, *(d.category for d in drafts)]:
            _category(bank, path, cache, new_categories)
        tags = _tags(drafts, new_tags)
        for d in drafts:
            question = _question_create(bank, d, cache[d.category], tags, created_by, status)
            items.append(
                ImportedItem(
                    d.source_line,
                    d.kind,
                    question.name,
                    d.category,
                    d.tags,
                    None if dry_run else question.pk,
                )
            )
            if progress is not None:
                progress(len(items), len(drafts))
        if dry_run:
            transaction.set_rollback(True)
    return ImportReport(
        dry_run=dry_run,
        items=tuple(items),
        new_categories=tuple(new_categories),
        new_tags=tuple(new_tags),
        skipped=tuple(skipped),
    )


def _tags(drafts: Sequence[ItemDraft], new: list[str]) -> dict[str, Tag]:
    """Every tag the drafts name, by name, created when missing (listed in ``new``)."""
    tags: dict[str, Tag] = {}
    for name in dict.fromkeys(tag for d in drafts for tag in d.tags):
        tags[name], created = Tag.objects.get_or_create(name=name)
        if created:
            new.append(name)
    return tags


def _question_create(
    bank: QuestionBank,
    draft: ItemDraft,
    category: Category | None,
    tags: dict[str, Tag],
    created_by: User | None,
    status: str,
) -> Question:
    question = Question.objects.create(
        bank=bank, category=category, name=draft.name[:200], created_by=created_by
    )
    if draft.tags:
        question.tags.set([tags[name] for name in draft.tags])
    QuestionVersion.objects.create(
        question=question,
        number=1,
        kind=draft.kind,
        stem=draft.stem,
        data=draft.data,
        key=draft.key,
        feedback=draft.feedback,
        points=Decimal(str(draft.points)).quantize(Decimal("0.01")),
        created_by=created_by,
        status=status,
    )
    return question


def _paths(bank: QuestionBank) -> dict[int, tuple[str, ...]]:
    rows = {c.pk: (c.parent_id, c.name) for c in Category.objects.filter(bank=bank)}
    paths: dict[int, tuple[str, ...]] = {}

    def path(pk: int) -> tuple[str, ...]:
        if pk not in paths:
            parent, name = rows[pk]
            paths[pk] = (*(path(parent) if parent is not None else ()), name)
        return paths[pk]

    for pk in rows:
        path(pk)
    return paths


def bank_drafts(*, bank: QuestionBank) -> list[ItemDraft]:
    """The latest version of every item in ``bank`` as drafts, grouped by category."""
    paths = _paths(bank)
    latest: dict[int, QuestionVersion] = {}
    versions = QuestionVersion.objects.filter(question__bank=bank).order_by(
        "question_id", "-number"
    )
    for version in versions:
        latest.setdefault(version.question_id, version)
    questions = (
        Question.objects.filter(bank=bank, pk__in=latest).prefetch_related("tags").order_by("pk")
    )
    drafts = []
    for q in questions:
        v = latest[q.pk]
        drafts.append(
            ItemDraft(
                kind=v.kind,
                name=q.name or f"Q{q.pk}",
                stem=v.stem,
                stem_format="markdown",
                data=v.data,
                key=v.key,
                feedback=v.feedback or {"general": ""},
                points=float(v.points),
                category=paths.get(q.category_id, ()) if q.category_id else (),
                tags=tuple(sorted(t.name for t in q.tags.all())),
                source_line=0,
            )
        )
    drafts.sort(key=lambda d: d.category)
    return drafts


def questions_export(*, bank: QuestionBank, format: str) -> str:
    """The bank's items (latest versions) as a file in ``format`` (``gift`` or
    ``moodle-xml``). Items the format cannot hold are named in a comment in the file.
    Raises ValueError for another format. Reads only; safe to call twice."""
    if format not in EXPORT_FORMATS:
        raise ValueError(
            f"unknown export format {format!r}; use one of {', '.join(EXPORT_FORMATS)}"
        )
    return write_file(format, bank_drafts(bank=bank))


def questions_export_qti(*, bank: QuestionBank) -> bytes:
    """The bank's items (latest versions) as a QTI 2.1 content package (zip); items
    QTI cannot hold are named in its ``not-exported.txt``. Reads only."""
    return qti.write(bank_drafts(bank=bank))
