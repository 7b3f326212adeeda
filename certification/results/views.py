"""Pages: a candidate's result, the committee's results and decisions, blueprints and
Angoff studies."""

from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from certification.appeals import selectors
from certification.appeals import services as appeals
from certification.appeals.forms import AppealForm
from certification.exams.integrity import integrity_for_application
from certification.interviews import services as interviews
from certification.models import (
    AngoffEstimate,
    AngoffStudy,
    BlueprintComponent,
    Certification,
    Decision,
    Exam,
)
from certification.results import services as decisions
from certification.results.angoff import (
    angoff_apply,
    angoff_estimates_save,
    angoff_items,
    angoff_round_next,
    angoff_study_create,
    angoff_study_get,
    angoff_summary,
)
from certification.results.blueprints import ComponentSpec, blueprint_create, blueprint_publish
from certification.results.selectors import (
    blueprints_for_committee,
    result_for_candidate,
    result_get_for_committee,
    results_for_committee,
)
from core.charts import histogram
from core.errors import ApplicationError, NotFound
from core.http import AuthenticatedRequest, error_show, role_required
from core.roles import Role
from training.models import Rubric


@role_required(Role.COMMITTEE)
def committee_results(request: AuthenticatedRequest) -> HttpResponse:
    page_size = 50
    raw = request.GET.get("page", "1")
    page = int(raw) if raw.isdigit() and int(raw) > 0 else 1
    results = results_for_committee(
        reviewer=request.user, offset=(page - 1) * page_size, limit=page_size + 1
    )
    shown = results[:page_size]
    composites = [float(r.composite) for r in shown if r.composite is not None]
    cuts = {r.cut_score for r in shown if r.composite is not None}
    cut = cuts.pop() if len(cuts) == 1 else None
    # One cut score line only when every result on the page shares it.
    distribution = histogram(composites, marks={str(_("合格线")): float(cut)} if cut else {})
    return render(
        request,
        "results/committee_results.html",
        {
            "results": shown,
            "page": page,
            "has_next": len(results) > page_size,
            "distribution": distribution if composites else None,
        },
    )


Kind = BlueprintComponent.Kind


@role_required(Role.CANDIDATE)
def application_result(request: AuthenticatedRequest, application_id: int) -> HttpResponse:
    result = result_for_candidate(candidate=request.user, application_id=application_id)
    form = AppealForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            appeals.appeal_file(
                candidate=request.user,
                application_id=application_id,
                grounds=form.cleaned_data["grounds"],
                components=form.cleaned_data["components"],
            )
        except NotFound:
            raise
        except ApplicationError as exc:
            error_show(request, exc, form=form)
        else:
            messages.success(request, _("申诉已提交"))
            return redirect("application-result", application_id=application_id)
    history = decisions.decisions_for_application(
        viewer=request.user, application=result.application
    )
    filed = selectors.appeals_for_candidate(candidate=request.user, application_id=application_id)
    current = result.decision
    return render(
        request,
        "results/candidate_result.html",
        {
            "result": result,
            "history": history,
            "appeals": filed,
            "form": form,
            "appeal_deadline": appeals.appeal_deadline(current) if current else None,
            "can_appeal": current is not None and all(a.decision_id != current.pk for a in filed),
        },
    )


@role_required(Role.COMMITTEE)
def committee_result(request: AuthenticatedRequest, application_id: int) -> HttpResponse:
    result = result_get_for_committee(reviewer=request.user, application_id=application_id)
    return render(
        request,
        "results/committee_result.html",
        {
            "result": result,
            "history": decisions.decisions_for_application(
                viewer=request.user, application=result.application
            ),
            "outcomes": Decision.Outcome.choices,
            "integrity": integrity_for_application(application_id=result.application.pk),
        },
    )


@role_required(Role.COMMITTEE)
@require_POST
def committee_decide_result(request: AuthenticatedRequest, application_id: int) -> HttpResponse:
    try:
        decisions.decision_record(
            application_id=application_id,
            decided_by=request.user,
            outcome=request.POST.get("outcome", ""),
            rationale=request.POST.get("rationale", ""),
        )
    except NotFound:
        raise
    except ApplicationError as exc:
        error_show(request, exc)
    else:
        messages.success(request, _("结论已记录"))
    return redirect("committee-result", application_id=application_id)


@role_required(Role.COMMITTEE)
@require_POST
def committee_adjudication_check(
    request: AuthenticatedRequest, application_id: int
) -> HttpResponse:
    result_get_for_committee(reviewer=request.user, application_id=application_id)
    interviews.interview_adjudication_check(application_id=application_id)
    return redirect("committee-result", application_id=application_id)


class BlueprintForm(forms.Form):
    certification = forms.ModelChoiceField(Certification.objects.all(), label=_("认证"))
    cut_score = forms.DecimalField(min_value=0, max_value=100, label=_("合格线"))
    borderline_margin = forms.DecimalField(min_value=0, initial=2, label=_("临界范围"))
    rater_threshold = forms.DecimalField(min_value=0, initial=15, label=_("评分差异阈值"))
    appeal_window_days = forms.IntegerField(min_value=0, initial=14, label=_("申诉期（天）"))
    written_weight = forms.DecimalField(min_value=0, max_value=1, initial=0, required=False)
    written_minimum = forms.DecimalField(min_value=0, max_value=100, initial=0, required=False)
    practical_weight = forms.DecimalField(min_value=0, max_value=1, initial=0, required=False)
    practical_minimum = forms.DecimalField(min_value=0, max_value=100, initial=0, required=False)
    interview_weight = forms.DecimalField(min_value=0, max_value=1, initial=0, required=False)
    interview_minimum = forms.DecimalField(min_value=0, max_value=100, initial=0, required=False)
    interview_rubric = forms.ModelChoiceField(Rubric.objects.all(), required=False)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    publish = forms.BooleanField(required=False, label=_("立即发布"))

    def components(self) -> list[ComponentSpec]:
        data = self.cleaned_data
        rubric = data.get("interview_rubric")
        return [
            ComponentSpec(
                kind=kind,
                weight=data.get(f"{kind}_weight") or Decimal(0),
                minimum=data.get(f"{kind}_minimum") or Decimal(0),
                rubric_id=rubric.pk if kind == Kind.INTERVIEW and rubric else None,
            )
            for kind in Kind.values
            if data.get(f"{kind}_weight")
        ]


@role_required(Role.COMMITTEE)
def committee_blueprints(request: AuthenticatedRequest) -> HttpResponse:
    form = BlueprintForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            blueprint_create(
                certification=data["certification"],
                created_by=request.user,
                cut_score=data["cut_score"],
                components=form.components(),
                borderline_margin=data["borderline_margin"],
                rater_threshold=data["rater_threshold"],
                appeal_window_days=data["appeal_window_days"],
                note=data["note"],
                publish=data["publish"],
            )
        except NotFound:
            raise
        except ApplicationError as exc:
            error_show(request, exc, form=form)
        else:
            messages.success(request, _("蓝图已保存"))
            return redirect("committee-blueprints")
    rows = blueprints_for_committee(viewer=request.user)
    return render(request, "results/blueprints.html", {"rows": rows, "form": form})


@role_required(Role.COMMITTEE)
@require_POST
def committee_blueprint_publish(request: AuthenticatedRequest, blueprint_id: int) -> HttpResponse:
    blueprint_publish(blueprint_id=blueprint_id, actor=request.user)
    messages.success(request, _("蓝图已发布"))
    return redirect("committee-blueprints")


class AngoffStudyForm(forms.Form):
    exam = forms.ModelChoiceField(Exam.objects.filter(mode=Exam.Mode.EXAM), label=_("考试"))
    title = forms.CharField(max_length=200, label=_("名称"))


@role_required(Role.COMMITTEE)
def committee_angoff(request: AuthenticatedRequest) -> HttpResponse:
    form = AngoffStudyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        study = angoff_study_create(created_by=request.user, **form.cleaned_data)
        return redirect("angoff-study", study_id=study.pk)
    studies = AngoffStudy.objects.select_related("exam").order_by("-created_at")
    return render(request, "results/angoff_list.html", {"form": form, "studies": studies})


def _judge_page(request: AuthenticatedRequest, study_id: int) -> HttpResponse:
    study = angoff_study_get(viewer=request.user, study_id=study_id)
    items = angoff_items(study)
    if request.method == "POST":
        action = request.POST.get("action", "estimate")
        try:
            if action == "estimate":
                estimates = {}
                for version in items:
                    raw = request.POST.get(f"p-{version.question_id}", "").strip()
                    if raw:
                        estimates[version.question_id] = Decimal(raw)
                angoff_estimates_save(study_id=study.pk, judge=request.user, estimates=estimates)
                messages.success(request, _("估计已保存"))
            elif action == "next_round":
                angoff_round_next(study_id=study.pk, actor=request.user)
            elif action == "apply":
                blueprint = angoff_apply(
                    study_id=study.pk,
                    round_number=int(request.POST.get("round", "0") or 0),
                    actor=request.user,
                )
                messages.success(
                    request,
                    _("已生成蓝图草稿 v%(v)s") % {"v": blueprint.version},
                )
            else:
                raise Http404
        except NotFound:
            raise
        except (InvalidOperation, ValueError):
            messages.error(request, _("估计值须为 0–1 的数"))
        except ApplicationError as exc:
            error_show(request, exc)
        return redirect("angoff-study", study_id=study.pk)
    mine = dict(
        AngoffEstimate.objects.filter(
            study=study, round=study.current_round, judge_id=request.user.pk
        ).values_list("question_id", "probability")
    )
    return render(
        request,
        "results/angoff_study.html",
        {
            "study": study,
            "items": [(v, mine.get(v.question_id)) for v in items],
            "rounds": angoff_summary(study=study),
        },
    )


@role_required(Role.EXAMINER)
def examiner_angoff_study(request: AuthenticatedRequest, study_id: int) -> HttpResponse:
    """Examiners judge (estimates only); the committee's page adds the actions."""
    if request.method == "POST" and request.POST.get("action", "estimate") != "estimate":
        raise Http404
    return _judge_page(request, study_id)


@role_required(Role.COMMITTEE)
def angoff_study(request: AuthenticatedRequest, study_id: int) -> HttpResponse:
    return _judge_page(request, study_id)
