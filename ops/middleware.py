"""Health probes answered before the rest of the stack: a container's health check
reaches the process as ``127.0.0.1``, which ``ALLOWED_HOSTS`` (the public names)
rightly refuses further down, and a probe needs neither a session nor a user."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from ops import views

PROBES: dict[str, Callable[[HttpRequest], HttpResponse]] = {
    "/healthz": views.healthz,
    "/readyz": views.readyz,
}


class HealthProbeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = PROBES.get(request.path_info)
        if probe is not None and request.method in ("GET", "HEAD"):
            return probe(request)
        return self.get_response(request)
