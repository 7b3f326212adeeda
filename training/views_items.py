"""The instructors' item editor: a bank's items, a form to create or edit one (each
saved change is a new version, docs/items.md), and an item's version history.

Same permission as the import page: only authors (instructors and the committee,
``training.access``); anyone else gets the same 404 as a bank that does not exist."""

import json
import secrets
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from core.http import AuthenticatedRequest
from training.access import author_required
from training.markup import render_markdown
from training.models import Category, Question, QuestionBank, QuestionVersion, Rubric
from training.selectors import (
    bank_get_for_author,
    bank_items,
    category_paths,
    question_get,
    question_versions,
)
from training.services.item_examples import version_example
from training.services.item_rules import ItemInvalid
from training.services.items import ItemSaved, question_create, question_edit

Kind = QuestionVersion.Kind
# The service names the part of the item it checked; the form's field for each. The
# "feedback" textarea holds everything in the feedback but the general text.
_FIELD_FOR_PROBLEM = {"data": "data_json", "key": "key_json", "feedback": "feedback_json"}


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


class JSONText(forms.CharField):
    """A textarea holding one JSON object; the error says where the syntax breaks."""

    widget = forms.Textarea(attrs={"rows": 10, "class": "code", "spellcheck": "false"})

    def to_python(self, value: Any) -> Any:
        text = str(super().to_python(value) or "")
        if not text.strip():
            return {}
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise forms.ValidationError(
                _("JSON 无效：第 %(line)d 行第 %(column)d 列，%(reason)s"),
                params={"line": error.lineno, "column": error.colno, "reason": error.msg},
            ) from error


class ItemForm(forms.Form):
    name = forms.CharField(label=_("名称"), required=False)
    kind = forms.ChoiceField(label=_("题型"), choices=Kind.choices)
    category = forms.TypedChoiceField(label=_("分类"), required=False, coerce=int, empty_value=None)
    tags = forms.CharField(
        label=_("标签"),
        required=False,
        help_text=_("逗号分隔，如 difficulty:easy, topic:cnn"),
    )
    points = forms.CharField(label=_("分值"))
    stem = forms.CharField(
        label=_("题干"),
        widget=forms.Textarea(attrs={"rows": 8}),
        strip=False,
        help_text=_("Markdown，$…$ 与 $$…$$ 为 LaTeX 公式"),
    )
    feedback_general = forms.CharField(
        label=_("总体反馈"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    data_json = JSONText(label=_("data（考生可见）"), required=False)
    key_json = JSONText(label=_("key（评分规则，保密）"), required=False)
    feedback_json = JSONText(
        label=_("其他反馈（JSON，可选）"),
        required=False,
        help_text=_('如 {"choices": {"a": "…"}}'),
    )
    token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args: Any, bank: QuestionBank, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        paths = category_paths(bank=bank)
        self.categories = {c.pk: c for c in Category.objects.filter(bank=bank)}
        field = self.fields["category"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", "—"), *sorted(paths.items(), key=lambda row: row[1])]

    def clean_feedback_json(self) -> Any:
        extra = self.cleaned_data["feedback_json"]
        if not isinstance(extra, dict):
            raise forms.ValidationError(_("必须是 JSON 对象"))
        return extra

    def item_fields(self) -> dict[str, Any]:
        """The service's arguments, from a valid form."""
        data = self.cleaned_data
        tags = [t for t in data["tags"].replace("，", ",").split(",") if t.strip()]
        feedback = {**data["feedback_json"], "general": data["feedback_general"]}
        return {
            "name": data["name"],
            "category": self.categories.get(data["category"]) if data["category"] else None,
            "tags": tags,
            "kind": data["kind"],
            "stem": data["stem"],
            "data": data["data_json"],
            "key": data["key_json"],
            "feedback": feedback,
            "points": data["points"],
        }

    def add_problems(self, error: ItemInvalid) -> None:
        for problem in error.problems:
            field = _FIELD_FOR_PROBLEM.get(problem.field, problem.field)
            self.add_error(field if field in self.fields else None, problem.reason)


def _initial(
    *, question: Question | None, version: dict[str, Any], kind: str, token: str = ""
) -> dict[str, Any]:
    feedback = dict(version["feedback"] or {})
    return {
        "name": question.name if question else "",
        "category": question.category_id if question else None,
        "tags": ", ".join(sorted(t.name for t in question.tags.all())) if question else "",
        "kind": kind,
        "points": str(version["points"]),
        "stem": version["stem"],
        "feedback_general": feedback.pop("general", ""),
        "data_json": _dump(version["data"]),
        "key_json": _dump(version["key"]),
        "feedback_json": _dump(feedback),
        "token": token,
    }


def _question_for_author(user: User, slug: str, question_id: int) -> tuple[QuestionBank, Question]:
    bank = bank_get_for_author(user=user, slug=slug)
    question = question_get(bank=bank, question_id=question_id)
    if question is None:
        raise Http404
    return bank, question


def _saved_message(request: HttpRequest, saved: ItemSaved) -> None:
    n = saved.version.number
    if saved.created:
        messages.success(
            request,
            gettext("已保存为第 %(n)d 版（草稿）。提交审核并由另一位讲师批准后，考试才会使用它。")
            % {"n": n},
        )
    else:
        messages.info(
            request,
            gettext("内容与第 %(n)d 版相同，未创建新版本") % {"n": n},
        )


def _form_context(bank: QuestionBank, form: ItemForm, **extra: Any) -> dict[str, Any]:
    """The form, and for the kind editor (static/js/studio_items.js) an example of
    each kind to start from when the kind changes and the rubrics to pick from."""
    rubrics = list(Rubric.objects.order_by("pk"))
    examples = {
        kind: {**example, "points": str(example["points"])}
        for kind in Kind.values
        for example in [version_example(kind=kind)]
    }
    return {
        "bank": bank,
        "form": form,
        "kinds": Kind.choices,
        "rubrics": rubrics,
        "examples": examples,
        "rubric_list": [[r.pk, r.title] for r in rubrics],
        **extra,
    }


@login_required
@require_GET
@author_required
def item_list(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    bank = bank_get_for_author(user=request.user, slug=slug)
    paths = category_paths(bank=bank)
    category_id = request.GET.get("category", "")
    category = (
        Category.objects.filter(bank=bank, pk=int(category_id)).first()
        if category_id.isdigit()
        else None
    )
    kind = request.GET.get("kind", "")
    tag = request.GET.get("tag", "").strip()
    rows = bank_items(
        bank=bank, category=category, tag=tag, kind=kind if kind in Kind.values else ""
    )
    context = {
        "bank": bank,
        "rows": rows,
        "categories": sorted(paths.items(), key=lambda row: row[1]),
        "kinds": Kind.choices,
        "selected": {"category": category.pk if category else None, "kind": kind, "tag": tag},
    }
    return render(request, "training/items/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@author_required
def item_new(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    """A new item of ``?kind=``, started from a valid example of that kind. The form
    carries a one-time token: submitting the same form again, even at the same
    moment, opens the item it created instead of creating a second one."""
    bank = bank_get_for_author(user=request.user, slug=slug)
    kind = request.GET.get("kind", Kind.SINGLE_CHOICE)
    if kind not in Kind.values:
        raise Http404
    if request.method == "POST":
        form = ItemForm(request.POST, bank=bank)
        if form.is_valid():
            try:
                saved = question_create(
                    bank=bank,
                    actor=request.user,
                    token=form.cleaned_data["token"],
                    **form.item_fields(),
                )
            except ItemInvalid as error:
                form.add_problems(error)
            else:
                if saved.created:
                    _saved_message(request, saved)
                else:
                    messages.info(request, gettext("该题已创建"))
                return redirect("item-edit", slug=bank.slug, question_id=saved.question.pk)
        return render(request, "training/items/form.html", _form_context(bank, form), status=400)
    initial = _initial(
        question=None, version=version_example(kind=kind), kind=kind, token=secrets.token_hex(16)
    )
    form = ItemForm(initial=initial, bank=bank)
    return render(request, "training/items/form.html", _form_context(bank, form))


@login_required
@require_http_methods(["GET", "POST"])
@author_required
def item_edit(request: AuthenticatedRequest, slug: str, question_id: int) -> HttpResponse:
    """The latest version in a form; saving a changed content makes the next version."""
    bank, question = _question_for_author(request.user, slug, question_id)
    latest = question.latest_version()
    extra = {
        "question": question,
        "latest": latest,
        "preview": render_markdown(latest.stem) if latest else "",
    }
    if request.method == "POST":
        form = ItemForm(request.POST, bank=bank)
        if form.is_valid():
            try:
                saved = question_edit(question=question, actor=request.user, **form.item_fields())
            except ItemInvalid as error:
                form.add_problems(error)
            else:
                _saved_message(request, saved)
                return redirect("item-edit", slug=bank.slug, question_id=question.pk)
        return render(
            request, "training/items/form.html", _form_context(bank, form, **extra), status=400
        )
    version = {
        f: getattr(latest, f) if latest else version_example(kind=Kind.SINGLE_CHOICE)[f]
        for f in ("stem", "data", "key", "feedback", "points")
    }
    initial = _initial(
        question=question, version=version, kind=latest.kind if latest else Kind.SINGLE_CHOICE
    )
    form = ItemForm(initial=initial, bank=bank)
    return render(request, "training/items/form.html", _form_context(bank, form, **extra))


@login_required
@require_GET
@author_required
def item_history(request: AuthenticatedRequest, slug: str, question_id: int) -> HttpResponse:
    bank, question = _question_for_author(request.user, slug, question_id)
    versions = [
        {
            "version": v,
            "stem_html": render_markdown(v.stem),
            "data": _dump(v.data),
            "key": _dump(v.key),
        }
        for v in question_versions(question=question)
    ]
    category = category_paths(bank=bank).get(question.category_id or 0, "")
    context = {
        "bank": bank,
        "question": question,
        "versions": versions,
        "category": category,
        "newest": versions[0]["version"] if versions else None,
    }
    return render(request, "training/items/history.html", context)
