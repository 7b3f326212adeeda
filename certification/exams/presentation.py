"""What a candidate sees of an attempt: items in the attempt's order with their
choices in the attempt's shuffle, never a key; scores and feedback only when the
exam's review options allow."""

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from django.utils import timezone, translation

from certification.models import Attempt, AttemptItem, Exam
from training.markup import render_inline, render_markdown
from training.models import QuestionVersion


@dataclass(frozen=True)
class ReviewRights:
    score: bool
    answers: bool


def review_rights(attempt: Attempt, now: datetime | None = None) -> ReviewRights:
    """Whether the candidate may see the score and the answers/feedback now."""
    now = now or timezone.now()
    exam = attempt.exam
    submitted = attempt.state in (Attempt.State.SUBMITTED, Attempt.State.GRADED)
    closed = exam.closes_at is not None and now >= exam.closes_at

    if exam.mode == Exam.Mode.PRACTICE:
        # Scores at once; answers and feedback per item through "check answer", and
        # for the whole quiz once it is submitted: never before the candidate answers.
        return ReviewRights(score=True, answers=submitted)

    def allowed(option: str) -> bool:
        if option == Exam.Review.AFTER_SUBMIT:
            return submitted
        if option == Exam.Review.AFTER_CLOSE:
            return submitted and closed
        return False

    return ReviewRights(score=allowed(exam.review_score), answers=allowed(exam.review_answers))


def feedback_html(feedback: dict[str, Any]) -> str:
    """An item's general feedback as sanitised HTML (Markdown and LaTeX rendered)."""
    return render_markdown(str(feedback.get("general", "")))


@lru_cache(maxsize=256)
def _kind_label(kind: str, language: str | None) -> str:
    """An item kind's label in ``language`` (part of the key only). Django's
    ``get_kind_display`` hashes every lazy choice label on every call, which was about
    a seventh of an exam start (docs/benchmarks.md)."""
    return str(QuestionVersion.Kind(kind).label)


@dataclass(frozen=True)
class _Shown:
    """What a candidate sees of a version before the attempt's shuffle and answer:
    rendered once per version (versions are immutable: an edit makes a new one)."""

    data: dict[str, Any]  # ``data`` with HTML added to each list entry, the author's order
    by_id: dict[str, dict[str, dict[str, Any]]]  # those entries by id, per list
    stem_html: str
    points: str


_SHOWN: dict[int, _Shown] = {}
_SHOWN_MAX = 4096  # versions kept per process; beyond, the cache starts again


def _shown(version: QuestionVersion) -> _Shown:
    shown = _SHOWN.get(version.pk) if version.pk is not None else None
    if shown is None:
        data = dict(version.data)
        _lists_html(data)
        shown = _Shown(
            data=data,
            by_id={
                key: {entry["id"]: entry for entry in data[key]} for key in _LISTS if key in data
            },
            stem_html=render_markdown(version.stem),
            points=str(version.points),
        )
        if version.pk is not None:
            if len(_SHOWN) >= _SHOWN_MAX:
                _SHOWN.clear()
            _SHOWN[version.pk] = shown
    return shown


def item_view(item: AttemptItem, *, rights: ReviewRights | None = None) -> dict[str, Any]:
    """The item as the candidate sees it. ``data`` lists are reordered by the
    attempt's shuffle; feedback and points only with review rights. The list
    entries are shared with other views of the same version: read them, do not
    change them."""
    version: QuestionVersion = item.version
    shown = _shown(version)
    data = {key: list(value) if key in shown.by_id else value for key, value in shown.data.items()}
    field = QuestionVersion.SHUFFLED_FIELD.get(version.kind)
    if field and item.choice_order:
        by_id = shown.by_id.get(field, {})
        data[field] = [by_id[i] for i in item.choice_order if i in by_id]
    answer = getattr(item, "answer", None)
    if version.kind == "ordering" and answer is not None:
        by_id = {entry["id"]: entry for entry in data.get("items", [])}
        data["items"] = [by_id[i] for i in answer.response.get("order", []) if i in by_id]
    view: dict[str, Any] = {
        "id": item.pk,
        "position": item.position,
        "kind": version.kind,
        "kind_label": _kind_label(version.kind, translation.get_language()),
        "stem": version.stem,
        "stem_html": shown.stem_html,
        "points": shown.points,
        "data": data,
        "answer": {"response": answer.response, "revision": answer.revision} if answer else None,
    }
    if rights and rights.score:
        view["score"] = None if item.points is None else str(item.points)
    if rights and rights.answers:
        view["feedback"] = version.feedback
        view["feedback_html"] = feedback_html(version.feedback)
    return view


_LISTS = ("choices", "items", "options", "prompts")


def _lists_html(data: dict[str, Any]) -> None:
    """Adds rendered HTML to each entry of the item's lists, in place."""
    for key in _LISTS:
        if key in data:
            data[key] = [
                {"id": str(e["id"]), "text": e["text"], "html": render_inline(str(e["text"]))}
                for e in data[key]
            ]


def version_preview(version: QuestionVersion, *, item_id: int = 0) -> dict[str, Any]:
    """An unsaved version as a candidate would see it in an attempt, for the studio's
    preview: no answer, no key, no feedback. Lists keep the author's order."""
    data = dict(version.data)
    _lists_html(data)
    return {
        "id": item_id,
        "position": 1,
        "kind": version.kind,
        "kind_label": version.get_kind_display(),
        "stem": version.stem,
        "stem_html": render_markdown(version.stem),
        "points": str(version.points),
        "data": data,
        "answer": None,
    }


def attempt_view(attempt: Attempt, *, now: datetime | None = None) -> dict[str, Any]:
    rights = review_rights(attempt, now)
    # A new attempt (attempt_start) carries its items, versions and (no) answers.
    known = "items" in getattr(attempt, "_prefetched_objects_cache", {})
    items = (
        attempt.items.all()
        if known
        else attempt.items.select_related("version", "answer").order_by("position")
    )
    return {
        "rights": rights,
        "items": [item_view(item, rights=rights) for item in items],
    }


def feedback_text(version: QuestionVersion, response: dict[str, Any]) -> str:
    """The general feedback, then the feedback on each option the answer chose."""
    feedback = version.feedback or {}
    parts = [str(feedback.get("general", ""))]
    if "choice" in response:
        chosen = [response["choice"]]
    elif "value" in response:  # true/false feedback is keyed "true" / "false"
        chosen = [str(response["value"]).lower()]
    else:
        chosen = response.get("choices", [])
    per_choice = feedback.get("choices") or {}
    parts += [
        str(per_choice[c]) for c in chosen if isinstance(per_choice, dict) and c in per_choice
    ]
    return "\n\n".join(p for p in parts if p)
