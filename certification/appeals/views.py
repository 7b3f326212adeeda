"""Pages: the committee's appeal queue and decisions."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from certification.appeals import selectors
from certification.appeals import services as appeals
from core.errors import ApplicationError, NotFound
from core.http import AuthenticatedRequest, error_show, role_required
from core.roles import Role


@role_required(Role.COMMITTEE)
def committee_appeals(request: AuthenticatedRequest) -> HttpResponse:
    queue = selectors.appeals_for_committee(reviewer=request.user)
    return render(request, "appeals/committee_appeals.html", {"queue": queue})


@role_required(Role.COMMITTEE)
@require_POST
def committee_appeal_decide(request: AuthenticatedRequest, appeal_id: int) -> HttpResponse:
    try:
        appeals.appeal_decide(
            appeal_id=appeal_id,
            decided_by=request.user,
            grant=request.POST.get("decision") == "grant",
            rationale=request.POST.get("rationale", ""),
        )
    except NotFound:
        raise
    except ApplicationError as exc:
        error_show(request, exc)
    else:
        messages.success(request, _("申诉已处理"))
    return redirect("committee-appeals")
