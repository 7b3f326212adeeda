"""Loads the programme's question banks (training/demo/programme/items/*.yaml, format
in training/demo/programme/FORMAT.md): one bank per certification with its rubrics,
categories, tags and versioned items.

Idempotent: an unchanged item makes no new version; a changed one makes version n+1,
so attempts keep the version they showed. Each item is checked with
``version_validate`` before anything is written, and one bank loads in one
transaction: a broken file changes nothing."""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from django.contrib.auth.models import User
from django.db import transaction

from core.errors import ApplicationError
from training.models import Category, Question, QuestionBank, QuestionVersion, Rubric, Tag
from training.services.item_rules import ItemProblem, version_validate

PROGRAMME_DIR = Path(__file__).resolve().parent / "programme"
CONTENT_FIELDS = ("kind", "stem", "data", "key", "feedback", "points")


class ContentInvalid(ApplicationError):
    """An item of a programme file breaks a rule; nothing of its bank was written."""

    code = "content_invalid"


@dataclass(frozen=True)
class BankLoaded:
    bank: QuestionBank
    items: int
    new_versions: int
    rubrics: dict[str, Rubric]  # by the file's rubric slug


def bank_files() -> list[Path]:
    """The programme's bank files, one per certification (``<domain>-<level>.yaml``)."""
    return sorted((PROGRAMME_DIR / "items").glob("*.yaml"))


def bank_document(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return document


def programme_banks_load(*, author: User) -> list[BankLoaded]:
    """Loads every bank file; see ``bank_load``."""
    return [bank_load(path=path, author=author) for path in bank_files()]


def bank_load(*, path: Path, author: User) -> BankLoaded:
    """Creates or updates the bank of ``path`` with its rubrics and items. Raises
    ContentInvalid (naming the item and its problems) before writing anything of this
    bank. Safe to call twice."""
    document = bank_document(path)
    with transaction.atomic():
        bank, _ = QuestionBank.objects.update_or_create(
            slug=document["bank"], defaults={"title": document["title"], "owner": author}
        )
        rubrics = {
            spec["slug"]: rubric_load(spec=spec, bank=bank, author=author)
            for spec in document.get("rubrics", [])
        }
        new_versions = 0
        for spec in document["items"]:
            new_versions += item_load(bank=bank, spec=spec, rubrics=rubrics, author=author)
    return BankLoaded(
        bank=bank, items=len(document["items"]), new_versions=new_versions, rubrics=rubrics
    )


def rubric_criteria(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """A file's rubric (criteria with levels: points, label, anchor) in the Rubric
    model's shape (criteria with levels: id, label, descriptor, points). Every
    criterion of the programme weighs 1, so the weight is not kept."""
    return [
        {
            "id": f"c{number}",
            "name": criterion["name"],
            "levels": [
                {
                    "id": f"c{number}-{level['points']}",
                    "label": str(level["label"]),
                    "descriptor": level["anchor"],
                    "points": level["points"],
                }
                for level in criterion["levels"]
            ],
        }
        for number, criterion in enumerate(spec["criteria"], start=1)
    ]


def rubric_title(spec: dict[str, Any], bank: QuestionBank) -> str:
    """A rubric's title, with its bank: banks of several domains use the same rubric
    titles, and a rubric is found again by its title."""
    return f"{spec['title']} · {bank.slug}"


def rubric_load(*, spec: dict[str, Any], bank: QuestionBank, author: User) -> Rubric:
    rubric, _ = Rubric.objects.update_or_create(
        title=rubric_title(spec, bank),
        defaults={"criteria": rubric_criteria(spec), "created_by": author},
    )
    return rubric


def item_content(spec: dict[str, Any], rubrics: dict[str, Rubric]) -> dict[str, Any]:
    """The version fields of an item spec, with its rubric slug resolved to an id."""
    key = dict(spec["key"])
    if "rubric" in key:
        key["rubric"] = rubrics[key["rubric"]].pk
    return {
        "kind": spec["kind"],
        "stem": spec["stem"].strip(),
        "data": _as_stored(spec.get("data") or {}),
        "key": _as_stored(key),
        "feedback": _as_stored(spec.get("feedback") or {}),
        "points": Decimal(str(spec["points"])),
    }


def _as_stored(value: Any) -> Any:
    """``value`` as the JSON column gives it back (YAML's number keys become strings),
    so that comparing with the latest version finds an unchanged item unchanged."""
    return json.loads(json.dumps(value))


def item_tags(spec: dict[str, Any], bank: QuestionBank) -> list[str]:
    """The item's own tags plus the lesson it belongs to (``lesson:<bank>/<n>``)."""
    return [*spec.get("tags", []), f"lesson:{bank.slug}/{spec['lesson']}"]


def item_load(
    *, bank: QuestionBank, spec: dict[str, Any], rubrics: dict[str, Rubric], author: User
) -> int:
    """Creates or updates one item; returns 1 when it made a new version, else 0."""
    content = item_content(spec, rubrics)
    problems: list[ItemProblem] = version_validate(**content)
    if problems:
        reasons = "; ".join(f"{p.field}: {p.reason}" for p in problems)
        raise ContentInvalid(f"{bank.slug} / {spec['name']}: {reasons}")
    category, _ = Category.objects.get_or_create(bank=bank, parent=None, name=spec["category"])
    question, _ = Question.objects.update_or_create(
        bank=bank, name=spec["name"], defaults={"category": category, "created_by": author}
    )
    question.tags.set([Tag.objects.get_or_create(name=name)[0] for name in item_tags(spec, bank)])
    latest = question.latest_version()
    if latest is not None and all(getattr(latest, f) == content[f] for f in CONTENT_FIELDS):
        return 0
    QuestionVersion.objects.create(
        question=question,
        number=latest.number + 1 if latest else 1,
        created_by=author,
        **content,
    )
    return 1


def responses_wrong(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The responses that must earn no credit: each distractor of a choice item chosen
    alone, and the item's listed ``wrong`` responses."""
    kind = spec["kind"]
    if kind == QuestionVersion.Kind.SINGLE_CHOICE:
        fractions = spec["key"]["fractions"]
        for choice in spec["data"]["choices"]:
            if fractions.get(choice["id"], 0) <= 0:
                yield {"choice": choice["id"]}
    elif kind == QuestionVersion.Kind.MULTIPLE_CHOICE:
        fractions = spec["key"]["fractions"]
        for choice in spec["data"]["choices"]:
            if fractions.get(choice["id"], 0) <= 0:
                yield {"choices": [choice["id"]]}
    yield from spec.get("wrong", [])
