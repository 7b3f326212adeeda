"""Health, readiness, metrics and the operations page. Views translate HTTP only."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from core.http import role_required
from core.roles import Role
from ops.health import readiness_check
from ops.metrics import metrics_render, metrics_token_valid
from ops.overview import operations_overview

METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """The process answers: nothing else is asked (a restart would not fix the
    database)."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    """200 when the database, Redis and the free disk are fine, else 503; both list
    the checks and the workers seen."""
    ready = readiness_check()
    return JsonResponse(ready.to_json(), status=200 if ready.ok else 503)


def _metrics_response() -> HttpResponse:
    response = HttpResponse(metrics_render(), content_type=METRICS_CONTENT_TYPE)
    response["Cache-Control"] = "no-store"
    return response


@role_required(Role.COMMITTEE)
def _metrics_for_committee(request: HttpRequest) -> HttpResponse:
    return _metrics_response()


def metrics(request: HttpRequest) -> HttpResponse:
    """For Prometheus with ``Authorization: Bearer $METRICS_TOKEN``, or a signed-in
    committee member; anyone else is treated like any committee page."""
    if metrics_token_valid(request.headers.get("Authorization", "")):
        return _metrics_response()
    return _metrics_for_committee(request)


@role_required(Role.COMMITTEE)
def operations(request: HttpRequest) -> HttpResponse:
    return render(request, "ops/operations.html", {"o": operations_overview()})
