"""Authoring items: creating one, and saving an edit as a new version
(docs/items.md, "Editing items"). The rules a version must keep are in
``training/services/item_rules.py``; the reads the pages use in ``training/selectors.py``."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from core.audit import audit_emit
from training.models import Category, Question, QuestionBank, QuestionVersion, ReviewStatus, Tag
from training.services.item_rules import (
    NAME_MAX,
    TAG_MAX,
    ItemInvalid,
    ItemProblem,
    ProblemList,
    version_validate,
)


@dataclass(frozen=True)
class ItemSaved:
    """What a save did: ``version`` is the item's latest version, new when
    ``created``; an edit identical to the latest version creates none."""

    question: Question
    version: QuestionVersion
    created: bool


def _identity_problems(
    *, bank: QuestionBank, name: str, category: Category | None, tags: Sequence[str]
) -> list[ItemProblem]:
    out = ProblemList()
    if len(name) > NAME_MAX:
        out.add(
            "name", f"名称最多 {NAME_MAX} 个字符", f"the name takes at most {NAME_MAX} characters"
        )
    if category is not None and category.bank_id != bank.pk:
        out.add("category", "分类不属于该题库", "the category belongs to another bank")
    if any(not tag or len(tag) > TAG_MAX for tag in tags):
        out.add(
            "tags", f"每个标签 1 到 {TAG_MAX} 个字符", f"each tag takes 1 to {TAG_MAX} characters"
        )
    return out.found


def _content(
    *, kind: str, stem: str, data: Any, key: Any, feedback: Any, points: Decimal | str | int
) -> dict[str, Any]:
    """A version's fields as stored; call after validation."""
    return {
        "kind": kind,
        "stem": stem,
        "data": data,
        "key": key,
        "feedback": feedback,
        "points": Decimal(str(points).strip()).quantize(Decimal("0.01")),
    }


def _clean_tags(tags: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(tag.strip() for tag in tags))


def _prepared(
    *,
    bank: QuestionBank,
    name: str,
    category: Category | None,
    tags: Sequence[str],
    kind: str,
    stem: str,
    data: Any,
    key: Any,
    feedback: Any,
    points: Decimal | str | int,
) -> tuple[str, list[str], dict[str, Any]]:
    """The item's name, tags and version fields as stored, once every rule holds.
    Raises ItemInvalid listing every problem."""
    stem, name, tags = stem.replace("\r\n", "\n"), name.strip(), _clean_tags(tags)
    problems = _identity_problems(bank=bank, name=name, category=category, tags=tags)
    problems += version_validate(
        kind=kind, data=data, key=key, feedback=feedback, points=points, stem=stem
    )
    if problems:
        raise ItemInvalid(problems)
    content = _content(kind=kind, stem=stem, data=data, key=key, feedback=feedback, points=points)
    return name, tags, content


def _set_tags(question: Question, tags: Sequence[str]) -> None:
    question.tags.set([Tag.objects.get_or_create(name=name)[0] for name in tags])


# --- Writes ---------------------------------------------------------------------


def question_create(
    *,
    bank: QuestionBank,
    category: Category | None,
    name: str,
    tags: Sequence[str],
    kind: str,
    stem: str,
    data: Any,
    key: Any,
    feedback: Any,
    points: Decimal | str | int,
    actor: User,
    token: str = "",
) -> ItemSaved:
    """Creates an item in ``bank`` with its version 1, written by ``actor``. Tags are
    created as needed. Raises ItemInvalid listing every problem (nothing written).

    ``token`` (the form's one-time token) makes it idempotent: a second call with
    the same token, also a concurrent one, creates nothing and returns the item the
    first made (``created`` False). Without a token each call creates an item."""
    if token:
        made = _made_with(token)
        if made is not None:
            return made
    name, tags, content = _prepared(
        bank=bank,
        name=name,
        category=category,
        tags=tags,
        kind=kind,
        stem=stem,
        data=data,
        key=key,
        feedback=feedback,
        points=points,
    )
    try:
        with transaction.atomic():
            question = Question.objects.create(
                bank=bank,
                category=category,
                name=name,
                created_by=actor,
                creation_token=token or None,
            )
            _set_tags(question, tags)
            version = _draft_create(question, 1, actor, content)
    except IntegrityError:
        made = _made_with(token) if token else None
        if made is None:
            raise
        return made  # the same form, submitted at the same moment, won
    return ItemSaved(question=question, version=version, created=True)


def _draft_create(
    question: Question, number: int, actor: User, content: dict[str, Any]
) -> QuestionVersion:
    """A new version in draft (docs/authoring.md: a second author publishes it)."""
    version = QuestionVersion.objects.create(
        question=question, number=number, created_by=actor, status=ReviewStatus.DRAFT, **content
    )
    audit_emit(actor=actor, action="item.saved", obj=version, after={"number": number})
    return version


def _made_with(token: str) -> ItemSaved | None:
    question = Question.objects.filter(creation_token=token).first()
    if question is None:
        return None
    return ItemSaved(question=question, version=question.latest_version(), created=False)


def question_edit(
    *,
    question: Question,
    category: Category | None,
    name: str,
    tags: Sequence[str],
    kind: str,
    stem: str,
    data: Any,
    key: Any,
    feedback: Any,
    points: Decimal | str | int,
    actor: User,
) -> ItemSaved:
    """Saves an edit. Name, category and tags change on the item itself (they are not
    versioned); a change to the content creates version latest + 1, written by
    ``actor``, and leaves every earlier version (and the attempts that show it) as it
    was. Content identical to the latest version creates nothing
    (``created=False``), so a repeated submit is harmless: safe to call twice.

    The item's row is locked while the number is chosen, so concurrent edits get
    distinct numbers in the order they commit. Raises ItemInvalid listing every
    problem (nothing written)."""
    name, tags, content = _prepared(
        bank=question.bank,
        name=name,
        category=category,
        tags=tags,
        kind=kind,
        stem=stem,
        data=data,
        key=key,
        feedback=feedback,
        points=points,
    )
    with transaction.atomic():
        locked = Question.objects.select_for_update().get(pk=question.pk)
        changed = [
            field
            for field, value in (("name", name), ("category_id", category.pk if category else None))
            if getattr(locked, field) != value
        ]
        if changed:
            locked.name, locked.category = name, category
            locked.save(update_fields=[f.removesuffix("_id") for f in changed])
        if sorted(locked.tags.values_list("name", flat=True)) != sorted(tags):
            _set_tags(locked, tags)
        latest = locked.latest_version()
        if latest is not None and all(getattr(latest, f) == v for f, v in content.items()):
            return ItemSaved(question=locked, version=latest, created=False)
        version = QuestionVersion.objects.create(
            question=locked,
            number=latest.number + 1 if latest is not None else 1,
            created_by=actor,
            status=ReviewStatus.DRAFT,
            **content,
        )
        audit_emit(actor=actor, action="item.saved", obj=version, after={"number": version.number})
    return ItemSaved(question=locked, version=version, created=True)
